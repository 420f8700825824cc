"""The app shell: screen keys, back, help, jump to a customer, themes,
errors as notifications, and the launcher without a terminal."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import settle

pytestmark = pytest.mark.anyio


class TestNavigation:
    async def test_number_keys_switch_screens_and_escape_goes_home(self, make: Any) -> None:
        """1–6 open each screen; Escape returns to My day."""
        from iqcadence.tui.screens.alerts import AlertsScreen
        from iqcadence.tui.screens.customers import CustomersScreen
        from iqcadence.tui.screens.help import HelpScreen
        from iqcadence.tui.screens.my_day import MyDayScreen
        from iqcadence.tui.screens.settings import SettingsScreen

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, MyDayScreen)
            for key, kind in (("2", CustomersScreen), ("3", AlertsScreen), ("6", HelpScreen)):
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, kind), key
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, MyDayScreen)
            await pilot.press("5")
            await settle(pilot)
            assert isinstance(app.screen, SettingsScreen)
            await pilot.press("escape", "question_mark")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)

    async def test_ctrl_k_jumps_to_a_customer_by_fuzzy_name(self, make: Any) -> None:
        """ctrl+k, a few letters in order, Enter: the record opens."""
        from iqcadence.tui.screens.customer360 import Customer360Screen

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+k")
            await settle(pilot)
            await pilot.press(*"glbx")
            await pilot.pause(0.5)
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, Customer360Screen)
            assert app.screen.record is not None
            assert app.screen.record.customer.name == "Globex"
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, Customer360Screen)

    async def test_theme_toggles_between_dark_and_light(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=(100, 30)) as pilot:
            dark = app.current_theme.dark
            await pilot.press("ctrl+t")
            await pilot.pause()
            assert app.current_theme.dark is not dark

    async def test_palette_lists_screen_actions(self, make: Any) -> None:
        """The command palette offers the current screen's actions."""
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("2")
            await settle(pilot)
            names = [c.title for c in app.get_system_commands(app.screen)]
            assert "Bulk actions" in names and "Go to Alerts" in names


class TestErrors:
    async def test_a_locked_database_becomes_a_notification(
        self, make: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failing query leaves the app running and says why in plain words."""
        import sqlite3

        from sqlalchemy.exc import OperationalError

        from iqcadence.core import views

        def locked(*_a: Any, **_k: Any) -> Any:
            raise OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked"))

        monkeypatch.setattr(views, "customer_page", locked)
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            messages = [n.message for n in app._notifications]
            assert any("database is busy" in m for m in messages)
            assert app.is_running


def test_without_a_terminal_points_to_the_cli(cli: Any) -> None:
    """`iqcadence` with no terminal prints one line instead of hanging."""
    result = cli()
    assert result.exit_code == 0
    assert result.stdout.count("\n") == 1
    assert "iqcadence --help" in result.stdout


class TestFirstFrame:
    """The first screen's content is read while the app starts, so the first
    frame already shows it (not an empty frame filled in later)."""

    async def test_customers_first_frame_holds_the_first_page(self, portfolio_db: Any) -> None:
        from iqcadence.tui.app import make_app
        from iqcadence.tui.widgets.customers import WindowTable
        from tests.tui.conftest import TODAY

        app = make_app(portfolio_db, today=TODAY, start="customers")
        rows_at_first_frame: list[int] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None and screen.children and not rows_at_first_frame:
                rows_at_first_frame.append(screen.query_one(WindowTable).row_count)
            original(screen, renderable)

        app._display = display
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.screen.loads >= 1 and app.screen.content_shown
        assert rows_at_first_frame == [5]  # the whole portfolio, in the very first frame

    async def test_my_day_first_frame_holds_the_kpis(self, portfolio_db: Any) -> None:
        from iqcadence.tui.app import make_app
        from tests.tui.conftest import TODAY

        app = make_app(portfolio_db, today=TODAY)
        kpis_at_first_frame: list[str] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None and screen.children and not kpis_at_first_frame:
                kpis_at_first_frame.append(str(screen.query_one("#kpi-accounts").render()))
            original(screen, renderable)

        app._display = display
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
        assert kpis_at_first_frame and "Accounts" in kpis_at_first_frame[0]
        assert "5" in kpis_at_first_frame[0]  # active accounts of the test portfolio
