"""The Alerts table as a CSM reads it at 120 columns: MRR and State on
screen, reasons that do not repeat the name beside them, and category
figures that say they overlap."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable

from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio


async def test_mrr_and_state_are_on_screen_and_reasons_skip_the_name(make: Any) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        keys = [column.key.value for column in table.ordered_columns]
        assert keys.index("mrr") < keys.index("reason") and keys.index("state") < keys.index(
            "reason"
        )
        right = sum(
            c.get_render_width(table) for c in table.ordered_columns[: keys.index("state") + 1]
        )
        assert right <= 120
        reasons = {
            str(table.get_row(key)[keys.index("customer")]): str(
                table.get_row(key)[keys.index("reason")]
            )
            for key in table.rows
            if not str(key.value).startswith("group:")
        }
        assert reasons, reasons
        for customer, reason in reasons.items():
            assert not reason.startswith(customer), (customer, reason)
        exposure = str(app.screen.query_one("#exposure").render())
        assert "a customer can be in several" in exposure


def test_short_reason() -> None:
    from iqcadence.core.read.alert_words import short_reason

    assert short_reason("Globex is Critical with a score of 10.5.", "Globex") == (
        "Critical with a score of 10.5."
    )
    assert short_reason("5 open support tickets.", "Globex") == "5 open support tickets."
