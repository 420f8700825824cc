"""An empty database opens on the getting-started view, never on empty boxes."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from tests.tui.conftest import TODAY, seed, settle

pytestmark = pytest.mark.anyio


def _visible_text(app: Any) -> str:
    """What the visible widgets of the screen say."""
    parts = []
    for widget in app.screen.query("*"):
        if not widget.display or not all(a.display for a in widget.ancestors_with_self[:-1]):
            continue
        if isinstance(widget, Static):
            parts.append(str(widget.render()))
    return "\n".join(parts)


async def test_empty_database_opens_on_getting_started(database: Any) -> None:
    from iqcadence.tui.app import make_app

    app = make_app(database, today=TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-empty")
        assert app.screen.query_one("#getting-started").display
        assert not app.screen.query_one("#kpis").display
        assert not app.screen.query_one("#day-grid").display
        shown = _visible_text(app)
        assert "Import a CSV" in shown
        assert "iqcadence import csv accounts.csv" in shown
        assert "Score one customer" in shown
        assert "iqcadence demo" in shown
        assert "Connect an integration" in shown
        assert "nothing here" not in shown
        await pilot.press("4")
        await settle(pilot)
        assert app.current_mode == "score"


async def test_first_customer_replaces_it_with_the_day(database: Any) -> None:
    from iqcadence.tui.app import make_app

    app = make_app(database, today=TODAY)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-empty")
        seed(database, {"Acme Corp": {"logins": 20, "adoption": 60, "mrr": 100}})
        await pilot.press("r")
        await settle(pilot)
        assert not app.screen.has_class("-empty")
        assert not app.screen.query_one("#getting-started").display
        assert app.screen.query_one("#day-grid").display


async def test_a_portfolio_never_shows_it(make: Any) -> None:
    app = make()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert not app.screen.has_class("-empty")
        assert not app.screen.query_one("#getting-started").display
