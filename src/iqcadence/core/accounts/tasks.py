"""Tasks: to-dos on a customer, by hand or from a playbook run.

* The owner is a user's e-mail; by default the person who adds the task.
  It is stored as given and matched in any case (`--owner`, `--mine`).
* `done` records the outcome and writes a `task` event on the customer's
  timeline (source `tasks`, external id = the task id, so completing a
  reopened task again updates that one event instead of adding another).
* Completing or reopening a task of a playbook run updates the run: it is
  completed once every task that is not cancelled is done, and becomes
  active again when one of its tasks is reopened.
* Due filters: `today` (due today), `overdue` (due before today, still
  open), `week` (due from today through the next 7 days).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from iqcadence.core.accounts import run_progress
from iqcadence.core.accounts.contacts import require_edit, resolve_customer
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.scoring.fields import check_multiline, is_blank, parse_date, parse_name
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import TASK_STATUSES, Playbook, PlaybookRun, Task

DUE_FILTERS: tuple[str, ...] = ("today", "overdue", "week")
STATUS_FILTERS: tuple[str, ...] = (*TASK_STATUSES, "all")
WEEK_DAYS = 7
TASK_SOURCE = "tasks"
TITLE_MAX = 500
TEXT_MAX = 10_000  # description and outcome


def _clean(field: str, value: Any, limit: int, *, required: bool = False) -> str | None:
    if is_blank(value):
        if required:
            raise InvalidValue(f"{field}: must not be empty.")
        return None
    if field == "title":
        return parse_name(field, value, limit=limit)
    text = check_multiline(field, str(value).strip())
    if len(text) > limit:
        raise InvalidValue(f"{field}: must be at most {limit} characters.")
    return text


def parse_owner(value: Any, default: str) -> str:
    if is_blank(value):
        return default
    owner = str(value).strip()
    if "@" not in owner or " " in owner:
        raise InvalidValue(f"owner: {owner!r} is not an e-mail address.")
    return owner


def add_task(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    title: str,
    *,
    due: Any = None,
    owner: str | None = None,
    description: str | None = None,
    playbook_run_id: int | None = None,
    step: int | None = None,
    check_owner: bool = True,
    commit: bool = True,
) -> Task:
    actor.require_write()
    target = resolve_customer(session, actor, customer)
    if check_owner:
        require_edit(session, actor, target)
    assert target.id is not None
    task = Task(
        customer_id=target.id,
        title=_clean("title", title, TITLE_MAX, required=True) or "",
        description=_clean("description", description, TEXT_MAX),
        due=parse_date("due", due),
        owner=parse_owner(owner, actor.email),
        playbook_run_id=playbook_run_id,
        step=step,
        created_by=actor.email,
    )
    session.add(task)
    session.flush()
    audit.record(
        session,
        actor,
        "task.add",
        customer=target,
        details={"id": task.id, "title": task.title, "due": task.due, "owner": task.owner},
    )
    if commit:
        session.commit()
    return task


def get_task(session: Session, actor: Actor, task_id: int) -> tuple[Task, Customer]:
    task = session.get(Task, task_id)
    customer = session.get(Customer, task.customer_id) if task is not None else None
    if task is None or customer is None or customer.client_id != actor.client_id:
        raise NotFound(f"task {task_id} does not exist.")
    return task, customer


def list_tasks(
    session: Session,
    actor: Actor,
    *,
    mine: bool = False,
    owner: str | None = None,
    due: str | None = None,
    customer: str | Customer | None = None,
    status: str = "open",
    run_id: int | None = None,
    today: date | None = None,
    limit: int | None = None,
) -> list[Task]:
    """Tasks of the acting client, soonest due first (undated last)."""
    if due is not None and due not in DUE_FILTERS:
        raise InvalidValue(f"--due: {due!r} is not one of {', '.join(DUE_FILTERS)}.")
    if status not in STATUS_FILTERS:
        raise InvalidValue(f"--status: {status!r} is not one of {', '.join(STATUS_FILTERS)}.")
    today = today or clock.today()
    query = (
        select(Task)
        .join(Customer, col(Customer.id) == Task.customer_id)
        .where(Customer.client_id == actor.client_id)
    )
    if mine:
        owner = actor.email
    if owner:
        query = query.where(func.lower(col(Task.owner)) == func.lower(owner.strip()))
    if customer is not None:
        target = resolve_customer(session, actor, customer)
        query = query.where(Task.customer_id == target.id)
    if run_id is not None:
        query = query.where(Task.playbook_run_id == run_id)
    if status != "all":
        query = query.where(Task.status == status)
    if due == "today":
        query = query.where(Task.due == today)
    elif due == "overdue":
        query = query.where(col(Task.due) < today, Task.status == "open")
    elif due == "week":
        query = query.where(col(Task.due) >= today, col(Task.due) <= today + timedelta(WEEK_DAYS))
    query = query.order_by(col(Task.due).is_(None), col(Task.due), col(Task.step), col(Task.id))
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def complete_task(
    session: Session,
    actor: Actor,
    task_id: int,
    *,
    outcome: str | None = None,
    commit: bool = True,
) -> Task:
    """Mark a task done with its outcome and log it on the timeline."""
    from iqcadence.core.accounts import timeline

    task, customer = get_task(session, actor, task_id)
    require_edit(session, actor, customer)
    if task.status == "done":
        raise Conflict(f"task {task_id} is already done.")
    if task.status == "cancelled":
        raise Conflict(f"task {task_id} was cancelled; reopen it first.")
    task.status = "done"
    task.outcome = _clean("outcome", outcome, TEXT_MAX)
    task.completed_at = clock.now()
    session.add(task)
    audit.record(
        session,
        actor,
        "task.done",
        customer=customer,
        details={"id": task.id, "title": task.title, "outcome": task.outcome},
    )
    timeline.log_event(
        session,
        actor,
        customer,
        kind="task",
        title=task.title,
        body=task.outcome,
        at=task.completed_at,
        status="done",
        properties={
            "task_id": task.id,
            "due": task.due.isoformat() if task.due else None,
            "playbook_run_id": task.playbook_run_id,
        },
        source=TASK_SOURCE,
        external_id=str(task.id),
        allowed_kinds=("task",),
        commit=False,
    )
    if task.playbook_run_id is not None:
        run_progress.refresh_run(session, actor, task.playbook_run_id)
    if commit:
        session.commit()
    return task


def reopen_task(session: Session, actor: Actor, task_id: int, *, commit: bool = True) -> Task:
    """Open a done or cancelled task again (its run becomes active again)."""
    task, customer = get_task(session, actor, task_id)
    require_edit(session, actor, customer)
    if task.status == "open":
        raise Conflict(f"task {task_id} is already open.")
    if task.playbook_run_id is not None:
        run = session.get(PlaybookRun, task.playbook_run_id)
        if run is not None and run.status == "cancelled":
            raise Conflict(f"task {task_id} belongs to playbook run {run.id}, which was cancelled.")
    before = task.status
    task.status = "open"
    task.completed_at = None
    session.add(task)
    audit.record(
        session,
        actor,
        "task.reopen",
        customer=customer,
        details={"id": task.id, "title": task.title, "from": before},
    )
    if task.playbook_run_id is not None:
        run_progress.refresh_run(session, actor, task.playbook_run_id)
    if commit:
        session.commit()
    return task


def task_to_dict(
    task: Task,
    *,
    customer: str | None = None,
    playbook: str | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """The JSON object of a task (`tasks list --json`)."""
    today = today or clock.today()
    return {
        "id": task.id,
        "customer": customer,
        "customer_id": task.customer_id,
        "title": task.title,
        "description": task.description,
        "due": task.due.isoformat() if task.due else None,
        "overdue": bool(task.due and task.due < today and task.status == "open"),
        "owner": task.owner,
        "status": task.status,
        "outcome": task.outcome,
        "playbook_run_id": task.playbook_run_id,
        "playbook": playbook,
        "step": task.step,
        "completed_at": task.completed_at.isoformat(timespec="seconds")
        if task.completed_at
        else None,
    }


def task_dicts(session: Session, tasks: Iterable[Task]) -> list[dict[str, Any]]:
    """Tasks as JSON objects with customer and playbook names (two queries)."""
    rows = list(tasks)
    customer_ids = {t.customer_id for t in rows}
    run_ids = {t.playbook_run_id for t in rows if t.playbook_run_id is not None}
    names: dict[int, str] = {}
    if customer_ids:
        for cid, name in session.exec(
            select(Customer.id, Customer.name).where(col(Customer.id).in_(customer_ids))
        ).all():
            if cid is not None:
                names[cid] = name
    playbook_names: dict[int, str] = {}
    if run_ids:
        for rid, name in session.exec(
            select(PlaybookRun.id, Playbook.name)
            .join(Playbook, col(Playbook.id) == PlaybookRun.playbook_id)
            .where(col(PlaybookRun.id).in_(run_ids))
        ).all():
            if rid is not None:
                playbook_names[rid] = name
    today = clock.today()
    return [
        task_to_dict(
            t,
            customer=names.get(t.customer_id),
            playbook=playbook_names.get(t.playbook_run_id or 0),
            today=today,
        )
        for t in rows
    ]
