"""Customer 360: the header and breakdown, explain, archive, the admin-only
typed delete, notes, tasks, outreach and the timeline filter (editing a
field: test_field_editor.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.tui.conftest import customer, settle

pytestmark = pytest.mark.anyio


def add_user(database: Any, email: str, role: str) -> None:
    from iqcadence.core.store import users
    from iqcadence.core.store.users import resolve_actor

    with database.session() as session:
        users.add_user(session, resolve_actor(session), email, role=role)


async def open_record(pilot: Any, name: str) -> Any:
    app = pilot.app
    await settle(pilot)
    target = customer(app.database, name)
    app.open_customer(target.id)
    await settle(pilot)
    return app.screen


class TestFields:
    async def test_header_and_breakdown(self, make: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Acme Corp")
            head = str(screen.query_one("#c360-head").render())
            assert "Acme Corp" in head and "ARR $60,000" in head and "renews 2026-12-20" in head
            signals = [line["signal"] for line in screen.record.breakdown["signals"]]
            assert signals[:2] == ["logins", "adoption"]
            assert screen.query_one("#breakdown").row_count == 7


class TestActions:
    async def test_explain_opens_a_panel(self, make: Any) -> None:
        from iqcadence.tui.modals.text import TextModal

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            await open_record(pilot, "Globex")
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            assert "Logins" in app.screen.body
            await pilot.press("escape")
            await settle(pilot)

    async def test_archive_after_confirmation(self, make: Any, portfolio_db: Any) -> None:
        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Globex")
            await pilot.press("a")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert screen.record.customer.status == "archived"
        assert customer(portfolio_db, "Globex").status == "archived"

    async def test_admin_deletes_after_typing_the_name(self, make: Any, portfolio_db: Any) -> None:
        from iqcadence.tui.screens.customer360 import Customer360Screen

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            await open_record(pilot, "Globex")
            await pilot.press("D")
            await settle(pilot)
            await pilot.press(*"Globe", "enter")  # wrong text: nothing happens
            await settle(pilot)
            assert customer(portfolio_db, "Globex") is not None
            await pilot.press("x", "enter")
            await settle(pilot)
            assert not isinstance(app.screen, Customer360Screen)
        assert customer(portfolio_db, "Globex") is None

    async def test_csm_cannot_delete(self, make: Any, portfolio_db: Any) -> None:
        add_user(portfolio_db, "csm@example.com", "csm")
        app = make(as_user="csm@example.com")
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Globex")
            await pilot.press("D")
            await settle(pilot)
            assert app.screen is screen
            assert any("only an admin" in n.message for n in app._notifications)
        assert customer(portfolio_db, "Globex") is not None


class TestRecordActions:
    async def test_note_task_and_timeline_filter(self, make: Any, portfolio_db: Any) -> None:
        from iqcadence.core.accounts import tasks, timeline
        from iqcadence.core.store.users import resolve_actor

        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Initech")
            await pilot.press("n")
            await settle(pilot)
            await pilot.press(*"Kickoff call went well")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert [e["title"] for e in screen.record.timeline] == ["Kickoff call went well"], [
                n.message for n in app._notifications
            ]
            await pilot.press("t")
            await settle(pilot)
            await pilot.press(*"Send QBR deck")
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("f")  # timeline filter: only tasks → none logged
            await settle(pilot)
            app.screen.query_one("#field-type").value = "task"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.record.timeline == []
            assert "Timeline (Task)" in str(screen.query_one("#timeline-title").render())
        with portfolio_db.session() as session:
            actor = resolve_actor(session)
            events = timeline.list_events(session, actor, "Initech")
            todo = tasks.list_tasks(session, actor, customer="Initech")
        assert [e.kind for e in events] == ["note"]
        assert [(t.title, t.owner, str(t.due)) for t in todo] == [
            ("Send QBR deck", "admin@example.com", "2026-11-27")
        ]

    async def test_email_meeting_playbook_and_brief(self, make: Any, portfolio_db: Any) -> None:
        from iqcadence.core.accounts import contacts, playbooks, timeline
        from iqcadence.core.store.users import resolve_actor
        from iqcadence.tui.modals.text import TextModal

        with portfolio_db.session() as session:
            actor = resolve_actor(session)
            contacts.add_contact(
                session, actor, "Globex", "Hank Scorpio", role="champion", email="hank@globex.test"
            )
            playbooks.save_playbook(
                session,
                actor,
                playbooks.spec_from_dict(
                    {"name": "Rescue", "steps": [{"title": "Call the champion", "offset_days": 0}]}
                ),
            )
        app = make()
        async with app.run_test(size=(140, 45)) as pilot:
            screen = await open_record(pilot, "Globex")
            assert [c["name"] for c in screen.record.contacts] == ["Hank Scorpio"]
            assert screen.record.next_action == (
                "Hold a support escalation call with the customer and support lead: "
                "5 open support tickets (alert at 5 or more)."
            )
            await pilot.press("e")
            await settle(pilot)
            app.screen.query_one("#field-subject").value = "Renewal"
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("m")
            await settle(pilot)
            app.screen.query_one("#field-title").value = "QBR"
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert [p["playbook"] for p in screen.record.playbooks] == ["Rescue"]
            await pilot.press("b")
            await settle(pilot)
            assert isinstance(app.screen, TextModal)
            assert "Globex" in app.screen.body
        with portfolio_db.session() as session:
            actor = resolve_actor(session)
            kinds = sorted(e.kind for e in timeline.list_events(session, actor, "Globex"))
        assert "email" in kinds and "meeting" in kinds


async def test_export_record_pdf(make: Any, tmp_path: Any) -> None:
    app = make()
    target = tmp_path / "out" / "acme.pdf"
    async with app.run_test(size=(140, 45)) as pilot:
        await open_record(pilot, "Acme Corp")
        await pilot.press("E")
        await settle(pilot)
        app.screen.query_one("#field-path").value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert target.read_bytes().startswith(b"%PDF")


async def test_enter_on_a_contact_filters_the_timeline(make: Any, portfolio_db: Any) -> None:
    from textual.widgets import DataTable

    from iqcadence.core.accounts import contacts, timeline
    from iqcadence.core.store.users import resolve_actor

    with portfolio_db.session() as session:
        actor = resolve_actor(session)
        contacts.add_contact(session, actor, "Globex", "Hank Scorpio", role="champion")
        contacts.add_contact(session, actor, "Globex", "Mindy Simmons", role="billing")
        timeline.log_event(
            session, actor, "Globex", kind="call", title="Hank call", contact="Hank Scorpio"
        )
        timeline.log_event(
            session, actor, "Globex", kind="note", title="Mindy note", contact="Mindy Simmons"
        )
        timeline.log_event(session, actor, "Globex", kind="note", title="Nobody in particular")
    app = make()
    async with app.run_test(size=(140, 45)) as pilot:
        screen = await open_record(pilot, "Globex")
        titles = {e["title"] for e in screen.record.timeline}
        assert {"Hank call", "Mindy note", "Nobody in particular"} <= titles
        table = screen.query_one("#contacts", DataTable)
        table.focus()
        names = [c["name"] for c in screen.record.contacts]
        table.move_cursor(row=names.index("Mindy Simmons"))
        await pilot.press("enter")
        await settle(pilot)
        assert screen.timeline_filter == {"contact": "Mindy Simmons"}
        assert [e["title"] for e in screen.record.timeline] == ["Mindy note"]
        assert "with Mindy Simmons" in str(screen.query_one("#timeline-title").render())
        # Enter on the same contact again: everyone's timeline.
        await pilot.press("enter")
        await settle(pilot)
        assert screen.timeline_filter == {}
        assert {"Hank call", "Mindy note"} <= {e["title"] for e in screen.record.timeline}
