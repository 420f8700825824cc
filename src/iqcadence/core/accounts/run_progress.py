"""Playbook run progress: a run completes when its tasks are done and becomes
active again when one of them reopens. Tasks and playbooks both call it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import PlaybookRun, Task


def active_run(session: Session, playbook_id: int, customer_id: int) -> PlaybookRun | None:
    return session.exec(
        select(PlaybookRun).where(
            PlaybookRun.playbook_id == playbook_id,
            PlaybookRun.customer_id == customer_id,
            PlaybookRun.status == "active",
        )
    ).first()


def run_progress(session: Session, run_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Task counts per run: done, open, cancelled, total."""
    out: dict[int, dict[str, int]] = {
        rid: {"done": 0, "open": 0, "cancelled": 0, "total": 0} for rid in run_ids
    }
    if not run_ids:
        return out
    session.flush()
    for rid, status, count in session.exec(
        select(Task.playbook_run_id, Task.status, func.count())
        .where(col(Task.playbook_run_id).in_(list(run_ids)))
        .group_by(col(Task.playbook_run_id), col(Task.status))
    ).all():
        if rid is None:
            continue
        counts = out.setdefault(rid, {"done": 0, "open": 0, "cancelled": 0, "total": 0})
        counts[status] = counts.get(status, 0) + int(count)
        counts["total"] += int(count)
    return out


def refresh_run(session: Session, actor: Actor, run_id: int) -> PlaybookRun | None:
    """Complete a run whose tasks are all done; reactivate one with open tasks."""
    run = session.get(PlaybookRun, run_id)
    if run is None or run.status == "cancelled":
        return run
    counts = run_progress(session, [run_id])[run_id]
    countable = counts["total"] - counts["cancelled"]
    customer = session.get(Customer, run.customer_id)
    if run.status == "active" and countable > 0 and counts["done"] == countable:
        run.status = "completed"
        run.finished_at = clock.now()
        session.add(run)
        audit.record(
            session, actor, "playbook.complete", customer=customer, details={"run": run.id}
        )
    elif run.status == "completed" and counts["open"] > 0:
        other = active_run(session, run.playbook_id, run.customer_id)
        if other is not None:
            raise Conflict(
                f"playbook run {other.id} of the same playbook is active for this customer; "
                f"run {run.id} cannot become active again."
            )
        run.status = "active"
        run.finished_at = None
        session.add(run)
        audit.record(session, actor, "playbook.reopen", customer=customer, details={"run": run.id})
    return run
