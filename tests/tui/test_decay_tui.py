"""The app opened on a new day shows decayed scores: the Customers table and
Customer 360 show the score of the days since contact they show."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio

DAY30 = date(2026, 12, 27)
# 30 days after it was scored: (25×35 + 10×83.3) / 35 = 48.8 (At Risk), no longer 53.6
ACCOUNTS = {
    "Fading": {"adoption": 35, "days": 0, "manager": "Dana"},
    "Steady": {"adoption": 80, "manager": "Dana"},
}


@pytest.fixture
def portfolio_accounts() -> dict[str, dict[str, Any]]:
    return ACCOUNTS


async def test_customers_and_customer_360_show_the_decayed_score(portfolio_db: Any) -> None:
    from iqcadence.tui.app import make_app
    from iqcadence.tui.widgets.customers import WindowTable

    assert customer(portfolio_db, "Fading").score == 53.6  # scored 30 days before
    app = make_app(portfolio_db, today=DAY30, start="customers")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        rows = {row["name"]: row for row in screen.rows}
        assert (rows["Fading"]["score"], rows["Fading"]["band"]) == (48.8, "at_risk")
        cells = screen.query_one(WindowTable).get_row(str(rows["Fading"]["id"]))
        assert cells[2].plain.strip() == "48.8"
        app.open_customer(rows["Fading"]["id"])
        await settle(pilot)
        record = app.screen.record
        assert record.data["score"] == record.breakdown["computed_score"] == 48.8
        assert record.data["signals"]["days"] == 30
        assert "48.8" in str(app.screen.query_one("#c360-head").render())
