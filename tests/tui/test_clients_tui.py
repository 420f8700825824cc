"""The app shows the client it works in and switches to another; Settings
shows the API's newest calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.tui.conftest import TODAY, settle

pytestmark = pytest.mark.anyio


def _two_clients(database: Any) -> None:
    from iqcadence.core.accounts import customers
    from iqcadence.core.store import clients
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:
        admin = resolve_actor(session)
        clients.add_client(session, admin, "North")
        customers.apply_changes(session, admin, "Home Co", {"logins": 20})
        north = resolve_actor(session, client="North")
        customers.apply_changes(session, north, "North Co", {"logins": 5})


async def test_the_header_names_the_client_and_ctrl_g_switches(database: Any) -> None:
    from iqcadence.tui.app import make_app

    _two_clients(database)
    app = make_app(database, today=TODAY, start="customers")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert app.sub_title.endswith("· admin · Default")
        assert [row["name"] for row in app.screen.rows] == ["Home Co"]
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("down", "enter")  # Default (now), then North
        await settle(pilot)
        assert (app.actor.client_name, app.sub_title.endswith("· North")) == ("North", True)
        assert [row["name"] for row in app.screen.rows] == ["North Co"]
        await pilot.press("1")  # another screen reads the new client too
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert [row["name"] for row in app.screen.rows] == ["North Co"]


async def test_settings_shows_the_api_log(database: Any) -> None:
    from iqcadence.core.store import api_log
    from iqcadence.tui.app import make_app
    from iqcadence.tui.widgets.api_log import ApiLogPanel

    with database.session() as session:
        call = api_log.CallRecord(
            datetime(2026, 11, 27, 9), "POST", "upsert_account", 200, 4.2, 1, "zapier", 1, "Acme"
        )
        api_log.record_calls(session, [call])
        session.commit()
    app = make_app(database, today=TODAY, start="settings")
    async with app.run_test(size=(140, 60)) as pilot:
        await settle(pilot)
        from rich.console import Console

        console = Console(record=True, width=140)
        console.print(app.screen.query_one(ApiLogPanel).shown)
        text = console.export_text()
        assert "zapier" in text and "upsert_account" in text and "Acme" in text
