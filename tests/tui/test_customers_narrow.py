"""Customers on a small terminal: the name stays while scrolling sideways,
and enter in the search box opens the one customer that matches."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import seed, settle

pytestmark = pytest.mark.anyio


async def test_name_column_is_frozen(make: Any) -> None:
    from iqcadence.tui.widgets.customers import WindowTable

    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        table = app.screen.query_one(WindowTable)
        assert table.fixed_columns == 2
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await settle(pilot)
        assert table.scroll_x > 0
        assert "Name" in table.render_line(0).text


async def test_enter_in_search_opens_the_single_match(make: Any) -> None:
    from iqcadence.tui.screens.customer360 import Customer360Screen

    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("slash", *"initech")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, Customer360Screen)
        assert app.screen.record.customer.name == "Initech"


async def test_enter_with_several_matches_goes_to_the_table(make: Any, portfolio_db: Any) -> None:
    from iqcadence.tui.widgets.customers import WindowTable

    seed(portfolio_db, {"Initrode": {"logins": 10, "mrr": 100}})
    app = make()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("slash", *"init")  # Initech and Initrode
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, WindowTable)
        assert app.screen.query_one(WindowTable).row_count == 2
