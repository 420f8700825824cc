"""Snapshots of the main screens at fixed sizes (Textual is pinned exactly,
so a change in these pictures is a change in the app)."""

from __future__ import annotations

from typing import Any

from tests.tui.conftest import customer


async def _settle(pilot: Any) -> None:
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _opening(customer_id: int) -> Any:
    """A run_before that opens one customer's Customer 360 once settled."""

    async def before(pilot: Any) -> None:
        await _settle(pilot)
        pilot.app.open_customer(customer_id)
        await _settle(pilot)

    return before


class TestSnapshots:
    def test_my_day(self, make: Any, snap_compare: Any) -> None:
        """Home: KPI strip with the health distribution bar and the day's lists."""
        assert snap_compare(make(), terminal_size=(120, 34), run_before=_settle)

    def test_my_day_80x24(self, make: Any, snap_compare: Any) -> None:
        """Home at 80×24: the KPIs in four lines, the lists stacked, an empty
        list one line."""
        assert snap_compare(make(), terminal_size=(80, 24), run_before=_settle)

    def test_getting_started(self, database: Any, snap_compare: Any) -> None:
        """An empty database at 80×24: the getting-started steps, no empty boxes."""
        from iqcadence.tui.app import make_app
        from tests.tui.conftest import TODAY

        app = make_app(database, today=TODAY)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_settle)

    def test_customers(self, make: Any, snap_compare: Any) -> None:
        """Customers: band tabs with counts, coloured scores, one row selected."""

        async def before(pilot: Any) -> None:
            await _settle(pilot)
            await pilot.press("2")
            await _settle(pilot)
            await pilot.press("down", "space")
            await _settle(pilot)

        assert snap_compare(make(), terminal_size=(120, 30), run_before=before)

    def test_customer360_narrow_stacks_panels(
        self, make: Any, portfolio_db: Any, snap_compare: Any
    ) -> None:
        """Customer 360 under 110 columns: the three panels stack."""
        target = customer(portfolio_db, "Globex").id
        assert snap_compare(make(), terminal_size=(80, 30), run_before=_opening(target))

    def test_customer360_wide(self, make: Any, portfolio_db: Any, snap_compare: Any) -> None:
        """Customer 360 side by side: fields, timeline, health panel."""
        target = customer(portfolio_db, "Acme Corp").id
        assert snap_compare(make(), terminal_size=(150, 40), run_before=_opening(target))


class TestFormSnapshots:
    def test_score_form_80x24(self, make: Any, snap_compare: Any) -> None:
        """Score a customer at 80×24: one column, the account first, the field
        being typed in highlighted, ARR worked out from the MRR typed."""

        async def before(pilot: Any) -> None:
            await _settle(pilot)
            await pilot.press("4")
            await _settle(pilot)
            await pilot.press(*"Newco", "tab", *"5000")
            await _settle(pilot)

        assert snap_compare(make(), terminal_size=(80, 24), run_before=before)

    def test_customer360_field_editor_80x24(
        self, make: Any, portfolio_db: Any, snap_compare: Any
    ) -> None:
        """Customer 360's field editor at 80×24: the field's label, type and
        what it accepts, the value typed, and the core's sentence about it."""
        target = customer(portfolio_db, "Initech").id

        async def before(pilot: Any) -> None:
            await _opening(target)(pilot)
            table = pilot.app.screen.query_one("#fields")
            table.move_cursor(row=table.get_row_index("std:mrr"))
            await pilot.press("enter")
            await _settle(pilot)
            await pilot.press(*"-5")
            await _settle(pilot)

        assert snap_compare(make(), terminal_size=(80, 24), run_before=before)
