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

        from iqcadence.core.read import customer_list

        def locked(*_a: Any, **_k: Any) -> Any:
            raise OperationalError("SELECT", {}, sqlite3.OperationalError("database is locked"))

        monkeypatch.setattr(customer_list, "customer_page", locked)
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
        table_at_first_frame: list[Any] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None and screen.children and not rows_at_first_frame:
                table = screen.query_one(WindowTable)
                rows_at_first_frame.append(table.row_count)
                table_at_first_frame.append(table.region)
            original(screen, renderable)

        app._display = display
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert screen.loads >= 1 and screen.content_shown and screen.built
            # The search box, tabs and status line came into the places the
            # first frame kept for them: the table has not moved.
            table = screen.query_one(WindowTable)
            assert table_at_first_frame == [table.region]
            assert screen.query_one("#cust-head").region.bottom == table.region.y
            status = screen.query_one("#cust-status")
            assert status.region.y == table.region.bottom
            assert "1–5 of 5" in str(status.render())
            assert "no filters" in str(screen.query_one("#cust-filters").render())
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
            # The MRR figures, read right after the first frame, fill the strip in.
            mrr = str(app.screen.query_one("#kpi-mrr").render())
            risk = str(app.screen.query_one("#kpi-risk").render())
            expansion = str(app.screen.query_one("#kpi-expansion").render())
        assert kpis_at_first_frame and "Accounts" in kpis_at_first_frame[0]
        assert "5" in kpis_at_first_frame[0]  # active accounts of the test portfolio
        assert "19k" in mrr
        assert "12k" in risk  # Globex 9,000 + Umbrella 3,000
        assert "1,000" in expansion  # Acme's 5,000 at the default 20 %

    async def test_my_day_first_kpis_then_the_mrr_figures(self, portfolio_db: Any) -> None:
        """The first read leaves out only the MRR figures; once added they
        are the figures read in one go."""
        from iqcadence.core.read import kpis
        from iqcadence.core.store.users import resolve_actor

        with portfolio_db.session() as session:
            actor = resolve_actor(session)
            whole, mine_only = kpis.day_kpis(session, actor, everyone=None)
            first, _ = kpis.day_kpis(session, actor, mrr=False, everyone=None)
            figures = kpis.mrr_figures(session, actor.client_id)
        assert mine_only is False
        assert (first.total_mrr, first.revenue_at_risk, first.expansion_opportunity) == (
            None,
            None,
            None,
        )
        assert (first.accounts, first.bands, first.unscored) == (
            whole.accounts,
            whole.bands,
            whole.unscored,
        )
        assert figures == (whole.total_mrr, whole.revenue_at_risk, whole.expansion_opportunity)
        assert figures == (19000.0, 12000.0, 1000.0)

    async def test_my_day_counts_unscored_and_odd_bands_apart(self, portfolio_db: Any) -> None:
        """Counted by ranges of the (status, band) index, an account with no
        band or with a band outside BANDS is counted as unscored, an archived
        one not at all."""
        from sqlalchemy import text

        from iqcadence.core.read import kpis
        from iqcadence.core.store.users import resolve_actor

        with portfolio_db.session() as session:
            conn = session.connection()
            conn.execute(text("UPDATE customer SET band = NULL WHERE name = 'Initech'"))
            conn.execute(text("UPDATE customer SET band = 'bogus' WHERE name = 'Hooli'"))
            conn.execute(text("UPDATE customer SET status = 'archived' WHERE name = 'Umbrella'"))
            session.commit()
            actor = resolve_actor(session)
            first, _ = kpis.day_kpis(session, actor, mrr=False, everyone=None)
        assert first.accounts == 4
        assert first.unscored == 2
        assert first.bands == {
            "critical": 1,  # Globex
            "at_risk": 0,  # Umbrella, archived
            "watch": 0,
            "healthy": 0,
            "expansion": 1,  # Acme Corp
        }

    async def test_my_day_of_a_manager_covers_their_accounts(self, portfolio_db: Any) -> None:
        """A user named as the manager of accounts sees those alone."""
        from iqcadence.core.store import users
        from iqcadence.tui.app import make_app
        from tests.tui.conftest import TODAY

        with portfolio_db.session() as session:
            admin = users.resolve_actor(session)
            users.add_user(session, admin, "dana@example.com", role="csm", name="dana ")
            session.commit()
        app = make_app(portfolio_db, as_user="dana@example.com", today=TODAY)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert app.screen.sub_title == "your accounts"
            accounts = str(app.screen.query_one("#kpi-accounts").render())
            mrr = str(app.screen.query_one("#kpi-mrr").render())
        assert "2" in accounts  # Acme Corp and Initech
        assert "6,200" in mrr

    def test_first_content_is_waited_for_then_left_to_run(self, database: Any) -> None:
        """The app waits for its first screen's content as it is made (the
        read then runs alone), but no longer than the wait it is given: a
        slower read goes on by itself and is taken only once finished."""
        import threading
        import time

        from iqcadence.tui.runner import Prefetch

        quick = Prefetch(database, lambda session: 42, wait=5.0)
        assert quick.result(timeout=0) == 42  # finished within the wait

        release = threading.Event()

        def slow(session: Any) -> str:
            release.wait(5.0)
            return "late"

        started = time.perf_counter()
        job = Prefetch(database, slow, wait=0.05)
        waited = time.perf_counter() - started
        assert 0.04 <= job.waited <= waited < 2.0
        assert job.result(timeout=0) is None  # still being read
        release.set()
        assert job.result(timeout=5.0) == "late"

    async def test_customers_first_frame_without_its_content_in_time(
        self, portfolio_db: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A first page slower than PREFETCH_WAIT is not waited for: the app
        starts, and the screen reads its rows in a worker."""
        import threading

        from iqcadence.tui.app import IQCadenceApp, make_app
        from iqcadence.tui.screens.customers import CustomersScreen
        from tests.tui.conftest import TODAY

        release = threading.Event()
        first_content = CustomersScreen.first_content

        def held(app: Any) -> Any:
            read = first_content(app)

            def slow(session: Any) -> Any:
                release.wait(5.0)
                return read(session)

            return slow

        monkeypatch.setattr(CustomersScreen, "first_content", staticmethod(held))
        monkeypatch.setattr(IQCadenceApp, "PREFETCH_WAIT", 0.02)
        app = make_app(portfolio_db, today=TODAY, start="customers")
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                assert app.screen.content_shown and app.screen.loads >= 1
                assert [row["name"] for row in app.screen.rows][:2] == ["Acme Corp", "Globex"]
        finally:
            release.set()

    async def test_a_run_sets_start_up_aside_from_full_collections(self, make: Any) -> None:
        """Run on its own, the app freezes what start-up made once the first
        frame is out (full garbage collections skip it) and gives it back
        when it ends; under run_test (several apps in one process) it does not."""
        import gc

        frozen: list[int] = []

        async def pilot_run(pilot: Any) -> None:
            await settle(pilot)
            frozen.append(gc.get_freeze_count())
            pilot.app.exit()

        app = make()
        await app.run_async(headless=True, size=(120, 40), auto_pilot=pilot_run)
        assert frozen and frozen[0] > 10_000
        assert gc.get_freeze_count() == 0
        async with make().run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert gc.get_freeze_count() == 0


class TestStoredCss:
    """The CSS parsed in one run is read back by the next instead of parsed."""

    async def test_next_run_reads_the_parsed_css_back(self, make: Any, tmp_path: Any) -> None:
        import textual.css.stylesheet as textual_stylesheet

        from iqcadence.tui.stylesheet import ReusingStylesheet

        folder = tmp_path / "css"

        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            sources = dict(app.stylesheet.source)
            variables = app.stylesheet._variables
        first = app.reusing_stylesheet
        assert first.parses.loaded == 0
        first.parses.folder = folder
        first.parses.use_variables(variables)  # this run's parses to `folder`
        for read_from, (css, is_defaults, tie_breaker, scope) in sources.items():
            first.add_source(
                css,
                read_from=read_from,
                is_default_css=is_defaults,
                tie_breaker=tie_breaker,
                scope=scope,
            )
        first.reparse()
        first.parses.store()
        assert len(list(folder.iterdir())) == 1

        # Another run: every source comes from the file, Textual's parser is not called.
        calls: list[Any] = []
        real_parse = textual_stylesheet.parse

        def counting_parse(*args: Any, **kwargs: Any) -> Any:
            calls.append(args)
            return real_parse(*args, **kwargs)

        again = ReusingStylesheet(variables=variables, folder=folder)
        fresh = textual_stylesheet.Stylesheet(variables=variables)
        for sheet in (again, fresh):
            for read_from, (css, is_defaults, tie_breaker, scope) in sources.items():
                sheet.add_source(
                    css,
                    read_from=read_from,
                    is_default_css=is_defaults,
                    tie_breaker=tie_breaker,
                    scope=scope,
                )
        textual_stylesheet.parse = counting_parse
        try:
            again.parse()
        finally:
            textual_stylesheet.parse = real_parse
        fresh.parse()
        assert calls == []
        assert again.parses.loaded == len(sources)

        def described(sheet: Any) -> list[Any]:
            return [
                (
                    [selectors.css for selectors in rule.selector_set],
                    repr(rule.styles.get_rules()),  # layouts compare by identity
                    rule.is_default_rules,
                    rule.tie_breaker,
                )
                for rule in sheet.rules
            ]

        assert described(again) == described(fresh)

    async def test_other_variables_or_an_unreadable_file_parse_anew(self, tmp_path: Any) -> None:
        from textual.app import App

        from iqcadence.tui.stylesheet import StoredParses

        variables = App().get_css_variables()
        stored = StoredParses(tmp_path, variables)
        stored[("a {}", ("x", ""), False, 0, "")] = []
        stored.store()
        (file,) = tmp_path.iterdir()
        other = StoredParses(tmp_path, {**variables, "primary": "#123456"})
        with pytest.raises(KeyError):
            other[("a {}", ("x", ""), False, 0, "")]
        assert StoredParses(tmp_path, variables)[("a {}", ("x", ""), False, 0, "")] == []
        file.write_bytes(b"not a pickle")
        with pytest.raises(KeyError):
            StoredParses(tmp_path, variables)[("a {}", ("x", ""), False, 0, "")]
