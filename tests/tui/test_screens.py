"""My day, Alerts, Score a customer and Settings: what they show and what
their keys change in the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio


def option_texts(screen: Any, list_id: str) -> list[str]:
    from textual.widgets import OptionList

    widget = screen.query_one(f"#{list_id}", OptionList)
    return [str(widget.get_option_at_index(i).prompt) for i in range(widget.option_count)]


class TestMyDay:
    async def test_kpis_lists_and_opening_an_item(self, make: Any) -> None:
        from iqcadence.tui.screens.customer360 import Customer360Screen

        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            kpis = str(screen.query_one("#kpi-mrr").render())
            assert "19,000" in kpis.replace("19k", "19,000")
            risk = str(screen.query_one("#kpi-risk").render())
            assert "12k" in risk  # Globex 9,000 + Umbrella 3,000
            renewals = option_texts(screen, "list-renewals")
            assert renewals[0].startswith("Acme Corp") and "23 d" in renewals[0]
            quiet = option_texts(screen, "list-quiet")
            assert [q.split("\n")[0] for q in quiet] == ["Globex", "Umbrella"]
            screen.query_one("#list-quiet").focus()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, Customer360Screen)
            assert app.screen.record.customer.name == "Globex"


class TestAlerts:
    async def open(self, pilot: Any) -> Any:
        await settle(pilot)
        await pilot.press("3")
        await settle(pilot)
        return pilot.app.screen

    async def cursor_to(self, screen: Any, key: str) -> None:
        from textual.widgets import DataTable

        table = screen.query_one(DataTable)
        table.move_cursor(row=table.get_row_index(key))

    async def test_grouping_exposure_and_snooze(self, make: Any, portfolio_db: Any) -> None:
        from sqlmodel import select

        from iqcadence.core.store.models.alerts import AlertState

        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await self.open(pilot)
            exposure = str(screen.query_one("#exposure").render())
            assert "MRR exposure $17,000 across 3 customers" in exposure  # Acme renews soon
            assert {a.category for a in screen.board.alerts} >= {"health", "quiet"}
            await pilot.press("g")
            assert screen.grouping == "severity"
            globex = customer(portfolio_db, "Globex")
            await self.cursor_to(screen, f"{globex.id}|health")
            await pilot.press("z")
            await settle(pilot)
            await pilot.press("down", "enter")  # 7 days
            await settle(pilot)
            assert all(
                not (a.customer == "Globex" and a.category == "health") for a in screen.board.alerts
            )
            with portfolio_db.session() as session:
                state = session.exec(select(AlertState)).one()
            assert (state.category, state.state) == ("health", "snoozed")
            await pilot.press("h")  # show hidden, then wake it
            await settle(pilot)
            await self.cursor_to(screen, f"{globex.id}|health")
            await pilot.press("w")
            await settle(pilot)
            with portfolio_db.session() as session:
                assert session.exec(select(AlertState)).first() is None or (
                    session.exec(select(AlertState)).one().state != "snoozed"
                )

    async def test_bulk_dismiss(self, make: Any, portfolio_db: Any) -> None:
        from sqlmodel import select

        from iqcadence.core.store.models.alerts import AlertState

        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await self.open(pilot)
            globex = customer(portfolio_db, "Globex")
            umbrella = customer(portfolio_db, "Umbrella")
            await self.cursor_to(screen, f"{globex.id}|health")
            await pilot.press("space")
            await self.cursor_to(screen, f"{umbrella.id}|health")
            await pilot.press("space", "d")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            with portfolio_db.session() as session:
                rows = session.exec(select(AlertState)).all()
            assert sorted((r.customer_id, r.state) for r in rows) == sorted(
                [(globex.id, "dismissed"), (umbrella.id, "dismissed")]
            )

    async def test_a_large_board_lists_the_most_severe_and_counts_all(
        self, make: Any, monkeypatch: Any
    ) -> None:
        from textual.widgets import DataTable

        from iqcadence.tui.screens.alerts import AlertsScreen

        # One alert per group and one customer listed stand for a portfolio
        # whose alerts are far too many to list.
        monkeypatch.setattr(AlertsScreen, "PER_GROUP", 1)
        monkeypatch.setattr(AlertsScreen, "CUSTOMER_GROUPS", 1)
        app = make()
        async with app.run_test(size=(140, 40)) as pilot:
            screen = await self.open(pilot)
            board = screen.board
            assert board.total > len(board.alerts) and board.truncated
            assert sum(board.counts["category"].values()) == board.total
            assert all(len(items) == 1 for items in board.groups["category"].values())
            table = screen.query_one(DataTable)
            busiest = max(board.counts["category"], key=lambda k: board.counts["category"][k])
            label = " ".join(str(cell) for cell in table.get_row(f"group:{busiest}"))
            assert f"1 of {board.counts['category'][busiest]} listed" in label
            status = str(screen.query_one("#alerts-status").render())
            assert f"{board.total} alerts ({len(board.alerts)} most severe listed)" in status
            await pilot.press("g", "g")  # by customer: one listed, the others counted
            assert screen.grouping == "customer"
            assert len(board.groups["customer"]) == 1
            more = " ".join(str(cell) for cell in table.get_row("group:more"))
            assert f"{board.customers - 1} more customers" in more
            # A refresh says so while the alerts are derived again.
            screen.refresh_data()
            assert screen.loading
            assert "refreshing" in str(screen.query_one("#alerts-status").render())
            await settle(pilot)
            assert not screen.loading


class TestScore:
    async def test_live_preview_mrr_arr_duplicate_and_save(
        self, make: Any, portfolio_db: Any
    ) -> None:
        from textual.widgets import Input

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            await settle(pilot)
            await pilot.press("4")
            await settle(pilot)
            screen = app.screen

            def field(key: str) -> Any:
                return screen.query_one(f"#in-{key}", Input)

            field("name").value = "acme corp"
            await settle(pilot)
            assert "already exists" in str(screen.query_one("#dup-warning").render())
            field("name").value = "Newco"
            field("logins").value = "30"
            field("adoption").value = "50"
            await settle(pilot)
            preview = str(screen.query_one("#preview").render())
            assert "75" in preview and "Healthy" in preview  # (100×25 + 50×25) / 50
            field("mrr").value = "100"
            await settle(pilot)
            assert field("arr").value == "1200"
            field("arr").value = "2400"
            await settle(pilot)
            assert field("mrr").value == "200"
            field("nps").value = "11"
            await settle(pilot)
            assert "nps" in str(screen.query_one("#form-errors").render())
            await pilot.press("ctrl+s")  # refused: nothing saved
            await settle(pilot)
            assert customer(portfolio_db, "Newco") is None
            field("nps").value = "9"
            await pilot.press("ctrl+s")
            await settle(pilot)
        saved = customer(portfolio_db, "Newco")
        assert (saved.logins, saved.nps, saved.mrr, saved.arr) == (30, 9, 200, 2400)


class TestSettings:
    async def test_weights_must_total_100(self, make: Any, portfolio_db: Any) -> None:
        from textual.widgets import Input

        from iqcadence.core.store import settings

        app = make()
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            screen = app.screen
            assert "Total 100" in str(screen.query_one("#weights-total").render())
            screen.query_one("#w-logins", Input).value = "30"
            await settle(pilot)
            assert "Total 105" in str(screen.query_one("#weights-total").render())
            await pilot.press("ctrl+s")
            await settle(pilot)
            with portfolio_db.session() as session:
                assert settings.load_scoring_config(session, 1).weights["logins"] == 25
            screen.query_one("#w-adoption", Input).value = "20"
            screen.query_one("#t-watch", Input).value = "45"
            await pilot.press("ctrl+s")
            await settle(pilot)
            with portfolio_db.session() as session:
                config = settings.load_scoring_config(session, 1)
            assert (config.weights["logins"], config.weights["adoption"]) == (30, 20)
            assert config.thresholds["watch"] == 45

    async def test_profiles_and_rescore_all(self, make: Any, portfolio_db: Any) -> None:
        from textual.widgets import Input, Select

        from iqcadence.core.store import settings

        app = make()
        async with app.run_test(size=(140, 50)) as pilot:
            await settle(pilot)
            await pilot.press("5")
            await settle(pilot)
            screen = app.screen
            screen.query_one("#w-logins", Input).value = "35"
            screen.query_one("#w-adoption", Input).value = "15"
            await pilot.press("ctrl+o")
            await settle(pilot)
            await pilot.press(*"usage", "enter")
            await settle(pilot)
            with portfolio_db.session() as session:
                assert settings.profile_weights(session, 1)["usage"]["logins"] == 35
            screen.query_one("#w-logins", Input).value = "0"
            screen.query_one("#profile", Select).value = "usage"
            await pilot.press("ctrl+l")
            await settle(pilot)
            assert screen.query_one("#w-logins", Input).value == "35"
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert "Rescored 5 customers" in str(screen.query_one("#rescore-result").render())
