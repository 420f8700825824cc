"""Playbook triggers: a playbook starts by itself when its trigger becomes true
for a customer as it is scored or changed (see `playbooks` for the rules).
Subscribed to the change events by `runtime.wiring`."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, text
from sqlmodel import Session, col, select

from iqcadence.core.accounts.changes import BulkChange
from iqcadence.core.accounts.playbooks import (
    BULK_MOVING,
    owner_emails,
    pick_owner,
    start_playbook,
    user_emails_by_name,
)
from iqcadence.core.accounts.run_progress import active_run
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.scoring.conditions.facts import columns_for, customer_facts
from iqcadence.core.scoring.conditions.parse import parse_condition
from iqcadence.core.scoring.conditions.tree import Condition
from iqcadence.core.store import settings
from iqcadence.core.store.models.customer360 import Playbook, PlaybookRun, Task

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome


def triggered_playbooks(session: Session, client_id: int) -> list[tuple[Playbook, Condition]]:
    """Enabled playbooks with a trigger, with their parsed conditions."""
    out = []
    for book in session.exec(
        select(Playbook).where(
            Playbook.client_id == client_id,
            Playbook.enabled == True,  # noqa: E712 - SQL comparison
            col(Playbook.trigger).is_not(None),
        )
    ).all():
        if book.trigger:
            out.append((book, parse_condition(book.trigger)))
    return out


def _momentum_base(session: Session, customer_ids: list[int]) -> dict[int, float]:
    from iqcadence.core.accounts import history

    cutoff = clock.start_of(clock.today() - timedelta(days=history.MOMENTUM_DAYS - 1))
    return history.scores_as_of(session, customer_ids, cutoff)


def _momentum(score: Any, base: float | None) -> float | None:
    if score is None or base is None:
        return None
    return round(float(score) - base, 1)


def on_customer_changed(
    session: Session, actor: Actor, outcome: ChangeOutcome, *, cause: str
) -> list[PlaybookRun]:
    """Start the playbooks whose trigger became true with this change."""
    customer = outcome.customer
    books = triggered_playbooks(session, customer.client_id)
    if not books or customer.id is None:
        return []
    config = settings.load_scoring_config(session, customer.client_id)
    today = clock.today()
    base = None
    if any("momentum" in cond.fields() for _, cond in books):
        base = _momentum_base(session, [customer.id]).get(customer.id)
    after = customer_facts(
        session, customer, today=today, config=config, momentum=_momentum(customer.score, base)
    )
    before = None
    if outcome.before:
        before = customer_facts(
            session,
            outcome.before,
            today=today,
            config=config,
            momentum=_momentum(outcome.before.get("score"), base),
        )
    started = []
    for book, condition in books:
        if not condition.evaluate(after):
            continue
        if before is not None and condition.evaluate(before):
            continue
        assert book.id is not None
        if active_run(session, book.id, customer.id) is not None:
            continue
        started.append(
            start_playbook(
                session,
                actor,
                book,
                customer,
                trigger=book.trigger or "",
                check_owner=False,
                commit=False,
            )
        )
    return started


def on_customers_changed_in_bulk(session: Session, actor: Actor, change: BulkChange) -> list[int]:
    """The bulk counterpart of `on_customer_changed`: the state before is the
    current row with the old score, band and lifecycle (`health_changes.bulk_moves`;
    set-based paths change those). Costs one query when no playbook has a
    trigger; runs are written with multi-row INSERTs. Returns the new run ids."""
    from iqcadence.core.accounts import health_changes

    customer_ids = change.customer_ids
    if not customer_ids:
        return []
    books = triggered_playbooks(session, actor.client_id)
    if not books:
        return []
    # Set-based paths move score, band and lifecycle only: a condition over
    # other fields reads the same before and after, so it cannot become true.
    books = [(book, cond) for book, cond in books if cond.fields() & BULK_MOVING]
    if not books:
        return []
    config = settings.load_scoring_config(session, actor.client_id)
    today = clock.today()
    wanted: set[str] = set().union(*(cond.fields() for _, cond in books))
    columns = sorted(columns_for(wanted) | {"id", "name", "manager", "score", "lifecycle"})
    select_rows = text(f"SELECT {', '.join(columns)} FROM customer WHERE id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    select_active = text(
        "SELECT playbook_id, customer_id FROM playbook_run "
        "WHERE status = 'active' AND customer_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    conn = session.connection()
    all_ids = sorted({int(i) for i in customer_ids})
    started: list[int] = []
    matches: dict[int, list[dict[str, Any]]] = {}
    for start in range(0, len(all_ids), 500):
        moves = health_changes.bulk_moves(
            session, all_ids[start : start + 500], changes_table=change.changes_table
        )
        chunk = sorted(moves)
        if not chunk:
            continue
        rows = [dict(r) for r in conn.execute(select_rows, {"ids": chunk}).mappings()]
        active = {(int(pid), int(cid)) for pid, cid in conn.execute(select_active, {"ids": chunk})}
        bases = _momentum_base(session, chunk) if "momentum" in wanted else {}
        for row in rows:
            cid = int(row["id"])
            move = moves[cid]
            base = bases.get(cid)
            after = customer_facts(
                session,
                row,
                today=today,
                config=config,
                momentum=_momentum(row["score"], base),
                fields=wanted,
            )
            before = dict(after)
            before.update(
                score=move.old_score,
                band=move.old_band,
                lifecycle=move.old_lifecycle or row.get("lifecycle"),
                momentum=_momentum(move.old_score, base),
            )
            for book, condition in books:
                assert book.id is not None
                if (book.id, cid) in active:
                    continue
                if condition.evaluate(after) and not condition.evaluate(before):
                    matches.setdefault(book.id, []).append(row)
                    active.add((book.id, cid))
        for book, _condition in books:
            found = matches.pop(book.id or 0, [])
            if found:
                started.extend(_start_runs_bulk(session, actor, book, found))
    return started


def _start_runs_bulk(
    session: Session, actor: Actor, book: Playbook, rows: list[dict[str, Any]]
) -> list[int]:
    """Start one playbook on many customers with multi-row INSERTs (runs,
    tasks, audit entries); the same records `start_playbook` writes."""
    from sqlalchemy import insert

    from iqcadence.core.store.models import AuditEntry

    conn = session.connection()
    now = clock.now()
    today = clock.today()
    owners = owner_emails(session, [int(r["id"]) for r in rows])
    users_by_name = user_emails_by_name(session)
    trigger = book.trigger or ""
    result = conn.execute(
        insert(PlaybookRun).returning(col(PlaybookRun.id), sort_by_parameter_order=True),
        [
            {
                "playbook_id": book.id,
                "customer_id": int(row["id"]),
                "status": "active",
                "started_at": now,
                "finished_at": None,
                "started_by": actor.email,
                "trigger": trigger,
            }
            for row in rows
        ],
    )
    run_ids = [int(str(r[0])) for r in result]
    tasks: list[dict[str, Any]] = []
    audits: list[dict[str, Any]] = []
    for row, run_id in zip(rows, run_ids, strict=True):
        cid = int(row["id"])
        known = owners.get(cid, {})
        for index, step in enumerate(book.steps, start=1):
            tasks.append(
                {
                    "customer_id": cid,
                    "title": str(step["title"]),
                    "description": step.get("description"),
                    "due": today + timedelta(days=int(step.get("offset_days", 0))),
                    "owner": pick_owner(
                        str(step.get("owner", "primary")),
                        primary=known.get("primary"),
                        co_owner=known.get("co_owner"),
                        manager=row.get("manager"),
                        users_by_name=users_by_name,
                        fallback=actor.email,
                    ),
                    "status": "open",
                    "outcome": None,
                    "playbook_run_id": run_id,
                    "step": index,
                    "created_by": actor.email,
                    "created_at": now,
                    "completed_at": None,
                }
            )
        audits.append(
            {
                "client_id": actor.client_id,
                "at": now,
                "user_email": actor.email,
                "action": "playbook.start",
                "customer_id": cid,
                "customer_name": row.get("name"),
                "details": {"playbook": book.name, "run": run_id, "trigger": trigger},
            }
        )
    for start in range(0, len(tasks), 2_000):
        conn.execute(insert(Task), tasks[start : start + 2_000])
    if audits:
        conn.execute(insert(AuditEntry), audits)
    return run_ids
