"""Customer 360's dialogs and panels, as a CSM reads them: a new meeting
starts at a time still ahead in the user's own time zone, and no change
reads as no change (not "+0") in the score explanation and the briefing."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.tui.conftest import settle
from tests.tui.test_customer360 import open_record

pytestmark = pytest.mark.anyio


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The user's clock is in Berlin (UTC+1 in November)."""
    before = os.environ.get("TZ")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


class TestMeeting:
    def test_the_slot_is_the_next_half_hour_an_hour_ahead(self, berlin: None) -> None:
        from iqcadence.tui.screens.record_actions import meeting_slot

        def slot(utc: str) -> str:
            return meeting_slot(datetime.fromisoformat(utc)).strftime("%Y-%m-%d %H:%M %Z")

        assert slot("2026-11-27T13:10") == "2026-11-27 15:30 CET"  # 14:10 in Berlin
        assert slot("2026-11-27T13:00") == "2026-11-27 15:00 CET"  # exactly an hour ahead
        assert slot("2026-11-27T13:31") == "2026-11-27 16:00 CET"  # 15:31 is past 15:30
        assert slot("2026-11-27T22:45") == "2026-11-28 01:00 CET"  # the next day there

    async def test_when_defaults_ahead_in_local_time_and_is_saved_as_such(
        self, make: Any, portfolio_db: Any, berlin: None, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from textual.widgets import Label

        from iqcadence.core.accounts import timeline
        from iqcadence.core.store.users import resolve_actor

        monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T13:10")  # 14:10 in Berlin
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await open_record(pilot, "Initech")
            await pilot.press("m")
            await settle(pilot)
            dialog = app.screen
            when = dialog.query_one("#field-at")
            assert when.value == "2026-11-27 15:30"
            labels = [str(label.render()) for label in dialog.query(Label)]
            assert "When (your time, CET) *" in labels
            dialog.query_one("#field-title").value = "Check-in"
            await pilot.press("ctrl+s")
            await settle(pilot)
        with portfolio_db.session() as session:
            events = timeline.list_events(session, resolve_actor(session), "Initech")
        assert [(e.title, e.at) for e in events] == [("Check-in", datetime(2026, 11, 27, 14, 30))]


class TestNoChange:
    async def test_explain_says_a_move_had_no_effect(self, make: Any, portfolio_db: Any) -> None:
        from iqcadence.core.accounts import customers
        from iqcadence.core.store.users import resolve_actor
        from iqcadence.tui.modals.text import TextModal

        with portfolio_db.session() as session:
            # 30 logins already score full marks, so 40 changes nothing; NPS does.
            changes = {"logins": 40, "nps": 6}
            customers.apply_changes(session, resolve_actor(session), "Acme Corp", changes)
        app = make()
        async with app.run_test(size=(120, 40)) as pilot:
            await open_record(pilot, "Acme Corp")
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            body = app.screen.body
        assert "Logins: 30 → 40  (no effect on the score)" in body
        assert "+0 points" not in body and "NPS: 10 → 6  (-" in body

    async def test_brief_says_unchanged_rather_than_plus_zero(
        self, make: Any, portfolio_db: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from iqcadence.core.accounts import customers
        from iqcadence.core.store.users import resolve_actor
        from iqcadence.tui.modals.text import TextModal

        monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-15")  # scored twelve days ago
        with portfolio_db.session() as session:
            values = {"logins": 20, "adoption": 60, "mrr": 900}
            customers.apply_changes(session, resolve_actor(session), "Stable Co", values)
        app = make()  # today is 2026-11-27 again
        async with app.run_test(size=(120, 40)) as pilot:
            await open_record(pilot, "Stable Co")
            await pilot.press("b")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            body = app.screen.body
        assert ", unchanged in 7 days;" in body and "+0.0" not in body
