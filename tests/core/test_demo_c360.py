"""The demo's Customer 360 section: contacts, timeline, tasks and runs exist
and agree with the customers' signals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

demo = pytest.importorskip("iqcadence.core.demo.portfolio")


def test_demo_has_customer360_records(tmp_path: Path) -> None:
    from iqcadence.core.accounts import contacts, customers, playbooks, tasks, timeline
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.users import resolve_actor

    path = tmp_path / "demo.db"
    summary = demo.build_demo(path, customers=40)
    assert summary.sections["customer360"] > 100
    database = open_database(resolve_location(path))
    try:
        with database.session() as session:
            actor = resolve_actor(session)
            conn = session.connection()
            count: dict[str, Any] = {
                table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
                for table in ("contact", "timeline_event", "task", "playbook", "playbook_run")
            }
            assert count["contact"] >= 80 and count["timeline_event"] >= 120
            assert count["playbook"] == 3 and count["task"] > 0
            runs = playbooks.run_dicts(session, playbooks.list_runs(session, actor))
            assert runs and all(r["tasks_total"] == 5 for r in runs)
            name = conn.execute(
                text("SELECT name FROM customer WHERE tickets > 0 ORDER BY id LIMIT 1")
            ).scalar_one()
            customer = customers.get_customer(session, actor, name)
            # the timeline owns the tickets signal and agrees with it
            assert timeline.tickets_owned_by_events(session, customer)
            assert timeline.open_ticket_count(session, customer.id) == customer.tickets
            # the newest conversation is on the last-contact date
            latest = timeline.list_events(
                session, actor, customer, kinds=["email", "meeting", "call", "message"], limit=1
            )
            assert latest[0].at.date() == timeline.last_contact_from_baseline(customer)
            rows = contacts.contact_rows(session, actor, customer)
            assert any(r["role"] == "champion" for r in rows)
            assert len(tasks.list_tasks(session, actor, status="all")) == count["task"]
    finally:
        database.dispose()
