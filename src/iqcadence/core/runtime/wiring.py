"""Wiring: who hears about changes, who delivers what the lower layers
cannot render, and which restore rules come from above `io` (a report
schedule is checked by `reports`). Every entry point (CLI, app, API,
tests) calls `install()` once before it changes anything; it is
idempotent and cheap.

Order of the change handlers is part of the behaviour: the timeline records
a health change first, playbooks then see the customer as changed, the
current alerts follow, and the alert rules come last, so a notification can
mention what the playbooks started.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from iqcadence.core.accounts import changes, health_changes, playbook_triggers
from iqcadence.core.alerts import connections, outbox
from iqcadence.core.alerts import current as current_alerts
from iqcadence.core.alerts import engine as alert_engine
from iqcadence.core.base.actor import Actor
from iqcadence.core.io import row_rules

if TYPE_CHECKING:
    from iqcadence.core.accounts.changes import BulkChange, Touched
    from iqcadence.core.accounts.customers import ChangeOutcome
    from iqcadence.core.alerts.connections import Notification


def _timeline_one(session: Session, actor: Actor, outcome: ChangeOutcome, cause: str) -> None:
    health_changes.on_customer_changed(session, actor, outcome, cause=cause)


def _timeline_bulk(session: Session, actor: Actor, change: BulkChange) -> None:
    health_changes.record_bulk_health_changes(session, actor, change)


def _playbooks_one(session: Session, actor: Actor, outcome: ChangeOutcome, cause: str) -> None:
    playbook_triggers.on_customer_changed(session, actor, outcome, cause=cause)


def _playbooks_bulk(session: Session, actor: Actor, change: BulkChange) -> None:
    playbook_triggers.on_customers_changed_in_bulk(session, actor, change)


def _current_one(session: Session, actor: Actor, outcome: ChangeOutcome, cause: str) -> None:
    del cause
    current_alerts.on_customer_changed(session, actor, outcome)


def _current_bulk(session: Session, actor: Actor, change: BulkChange) -> None:
    current_alerts.on_customers_changed(session, actor, change)


def _current_touched(session: Session, actor: Actor, touched: Touched) -> None:
    current_alerts.on_customers_touched(session, actor, touched)


def _alerts_one(session: Session, actor: Actor, outcome: ChangeOutcome, cause: str) -> None:
    del cause
    alert_engine.on_customer_changed(session, actor.client_id, outcome, acting_user=actor.email)


def _alerts_bulk(session: Session, actor: Actor, change: BulkChange) -> None:
    alert_engine.on_customers_changed(
        session,
        actor.client_id,
        change.customer_ids,
        acting_user=actor.email,
        changes_table=change.changes_table,
    )


def _alerts_touched(session: Session, actor: Actor, touched: Touched) -> None:
    alert_engine.on_customers_touched(
        session,
        actor.client_id,
        touched.customer_ids,
        cause=touched.cause,
        acting_user=actor.email,
    )


# Reports are imported when a report is due, not at start: they bring the PDF
# library, which a command that only reads or writes customers never needs.
def _send_report(session: Session, client_id: int, note: Notification, *, timeout: float) -> None:
    from iqcadence.core.reports import schedules

    data: dict[str, Any] = note.data
    schedules.send_report(session, client_id, note.key, note.title, data, timeout=timeout)


def _queue_reports(session: Session, client_id: int, now: datetime) -> int:
    from iqcadence.core.reports import schedules

    return schedules.queue_due(session, client_id, now=now)


def _check_restored_schedule(row: Mapping[str, Any]) -> None:
    from iqcadence.core.reports import schedules

    schedules.check_stored_schedule(row)


def install() -> None:
    """Subscribe the change handlers, register the senders and the restore
    rules that live above `io` (idempotent)."""
    changes.subscribe("timeline", one=_timeline_one, bulk=_timeline_bulk)
    changes.subscribe("playbooks", one=_playbooks_one, bulk=_playbooks_bulk)
    changes.subscribe(
        "current_alerts", one=_current_one, bulk=_current_bulk, touched=_current_touched
    )
    changes.subscribe("alerts", one=_alerts_one, bulk=_alerts_bulk, touched=_alerts_touched)
    connections.register_sender("report", _send_report)
    outbox.register_due_producer(_queue_reports)
    row_rules.register_row_hook("report_schedule", _check_restored_schedule)
    changes.mark_installed()
