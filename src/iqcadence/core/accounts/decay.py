"""The daily decay refresh: stored scores brought in line with days since
contact, which grows by one every day by itself (SPEC §3 "Decay": a decayed
days value never sits beside a score computed before the decay).

Once a day per client (the day is noted in the settings block "decay" →
`refreshed_on`), the customers decay can move are rescored through
`rescore.rescore_where`, so snapshots, lifecycle moves, band-move events,
the timeline and alerts follow as for any rescore (cause "decay"). Those
customers are the ones whose days signal is present and dated, weighted in
their weight set, not held by a manual score, and whose sub-score was not
already 0 (180 days or more) on the day of the last refresh. Days without
any refresh are caught up by the next one: it scores today's signals.

`runtime.freshness` runs it as the system whenever a program opens the
database on a new day; `automations run` does too, waiting its turn.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import JSON, Integer, String, column, text
from sqlmodel import Session

from iqcadence.core.accounts import rescore
from iqcadence.core.accounts.rescore import RescoreSummary
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.scoring.formula import DAYS_TO_ZERO
from iqcadence.core.store import dialect, settings
from iqcadence.core.store.busy import cannot_write_now
from iqcadence.core.store.models import Setting

DECAY_KEY = "decay"
CAUSE = "decay"  # the rescore's cause: its snapshots, audit entry and bulk change
LOCK_NAME = "decay_refresh"  # PostgreSQL: one refresh of a client at a time


def refreshed_on(session: Session, client_id: int) -> date | None:
    """The day the client's scores were last refreshed for decay."""
    block = settings.get_block(session, client_id, DECAY_KEY) or {}
    return _day(block.get("refreshed_on"))


def due_clients(session: Session, today: date) -> list[tuple[int, str]]:
    """(id, name) of the clients whose scores are not refreshed for `today`,
    in one read (every program runs it as it opens the database)."""
    query = text(
        "SELECT client.id, client.name, setting.value FROM client "
        "LEFT JOIN setting ON setting.client_id = client.id AND setting.key = :key "
        "ORDER BY client.id"
    ).columns(column("id", Integer), column("name", String), column("value", JSON))
    rows = session.connection().execute(query, {"key": DECAY_KEY}).all()
    return [
        (int(client_id), str(name))
        for client_id, name, value in rows
        if _day((value or {}).get("refreshed_on")) != today
    ]


def refresh_decay(
    session: Session,
    actor: Actor,
    *,
    patience_ms: int | None = None,
    on_wait: Callable[[], None] | None = None,
) -> RescoreSummary | None:
    """Today's refresh of the actor's client, unless it is done; None then,
    or when no customer could move. The refresh is audited (a `rescore`
    entry, cause "decay") when it moved a score or a band.

    A day other than the last refresh's counts as not done, earlier ones too
    (IQCADENCE_TODAY set back): scores follow the signals of the day shown.
    The transaction takes the write lock first and looks again, so programs
    opening the database at once refresh it once. With `patience_ms` a lock
    not granted within that time fails the refresh (busy, see
    `busy.cannot_write_now`) instead of waiting; otherwise it waits as any
    write does, telling `on_wait`. When no customer can move, only the day
    is noted, and only if the lock is free at once (else the next open
    looks again); a client without customers is left alone, so opening a
    new database writes nothing. Commits.
    """
    client_id = actor.client_id
    today = clock.today()
    last = refreshed_on(session, client_id)
    if last == today:
        return None
    if not _any(session, client_id, "1 = 1", {}):
        session.rollback()
        return None
    where, params = movable_sql(session, client_id, since=last, today=today)
    movable = _any(session, client_id, where, params)
    session.rollback()
    if not movable:
        # Nothing is out of date: write nothing, so a read (or a refused
        # command) leaves the database exactly as it was.
        return None
    try:
        _begin_writing(session, client_id, patience_ms if movable else 0, on_wait)
    except Exception as exc:
        session.rollback()
        if movable or not cannot_write_now(exc):
            raise
        return None  # nothing was out of date: no need to wait for the lock
    last = refreshed_on(session, client_id)
    if last == today:  # another program did it meanwhile
        session.rollback()
        return None
    where, params = movable_sql(session, client_id, since=last, today=today)
    summary = None
    if _any(session, client_id, where, params):
        summary = rescore.rescore_where(
            session, actor, where, params, cause=CAUSE, commit=False, record_unchanged=False
        )
    _note(session, actor, today)
    session.commit()
    return summary


def _begin_writing(
    session: Session, client_id: int, patience_ms: int | None, on_wait: Callable[[], None] | None
) -> None:
    """Begin the session's transaction holding the write lock (SQLite) and
    the client's refresh turn (PostgreSQL), within `patience_ms`."""
    options = dialect.write_lock_options(
        session.get_bind(), on_wait=on_wait, patience_ms=patience_ms
    )
    conn = session.connection(execution_options=options)
    if patience_ms is not None:
        dialect.limit_lock_waits(conn, patience_ms)
    dialect.lock_name(conn, client_id, LOCK_NAME)


def movable_sql(
    session: Session, client_id: int, *, since: date | None, today: date
) -> tuple[str, dict[str, Any]]:
    """A condition on `customer` (with its params) for the customers whose
    score decay may have moved since the refresh of `since` (None: never)."""
    conn = session.connection()
    config = settings.load_scoring_config(session, client_id)
    sets = rescore.weight_sets(config, settings.profile_weights(session, client_id))
    parts = [
        "customer.days_baseline IS NOT NULL",
        "customer.days_as_of IS NOT NULL",
        "NOT (customer.score_manual = :decay_manual AND customer.score IS NOT NULL)",
    ]
    params: dict[str, Any] = {"decay_manual": True}
    for clause, clause_params, weights in sets:
        if not weights.get("days"):  # (a NULL profile is in no profile's set)
            parts.append(f"CASE WHEN {clause} THEN 0 ELSE 1 END = 1")
            params.update(clause_params)
    if since is not None:
        # at 180 days or more on the last refresh's day (or today, if earlier)
        # the sub-score was 0 then and is 0 now
        seen = dialect.effective_days_sql(conn, min(since, today))
        parts.append(f"{seen} < {DAYS_TO_ZERO}")
    return " AND ".join(f"({part})" for part in parts), params


def _any(session: Session, client_id: int, where: str, params: dict[str, Any]) -> bool:
    found = session.connection().execute(
        text(f"SELECT 1 FROM customer WHERE customer.client_id = :client_id AND {where} LIMIT 1"),
        {**params, "client_id": client_id},
    )
    return found.first() is not None


def _note(session: Session, actor: Actor, today: date) -> None:
    """Note the day done (bookkeeping, not a setting anyone changed: the
    refresh's own `rescore` audit entry records what it did)."""
    row = session.get(Setting, (actor.client_id, DECAY_KEY))
    value = {"refreshed_on": today.isoformat()}
    if row is None:
        row = Setting(client_id=actor.client_id, key=DECAY_KEY, value=value)
    else:
        row.value = value
    row.updated_at = clock.now()
    row.updated_by = actor.email
    session.add(row)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
