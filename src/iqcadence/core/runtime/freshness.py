"""Scores that match their signals wherever they are read: every entry point
(the CLI as it opens the database, the app before each read, the API)
calls `ensure_scores_current(database)`.

On the first call of a day it reads, in one query, which clients have not
had today's decay refresh, and runs it for each as the system (the acting
user may be a viewer, and nobody need have cron): `accounts.decay`. Later
calls that day in the same program cost a date comparison. A database that
is busy with another program's write, or that cannot be written here
(read-only file or role), is read as it is: the refresh is left for the
next open instead of failing or holding up the read for long, and this
program tries again after RETRY_AFTER seconds.
"""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from iqcadence.core.base import clock
from iqcadence.core.base.actor import system_actor
from iqcadence.core.store.busy import cannot_write_now

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from iqcadence.core.accounts.rescore import RescoreSummary
    from iqcadence.core.store.db import Database

# s: the longest a read waits for another program's write lock before it
# leaves the refresh for later (a write from the app or a command is over
# long before; an import or a restore is not)
QUICK_PATIENCE = 0.5
# s: after a refresh was left for later, how long this program reads without
# trying again (the app reads on every keystroke of a search)
RETRY_AFTER = 60.0


@dataclass(frozen=True)
class Freshness:
    """What one call did: `refreshed` maps a client id to its refresh's
    summary (only clients where customers were rescored); `skipped` lists
    the clients whose refresh was left for later."""

    refreshed: dict[int, RescoreSummary] = field(default_factory=dict)
    skipped: tuple[int, ...] = ()


@dataclass
class _Known:
    """What this program knows of one database (by engine)."""

    turn: threading.Lock = field(default_factory=threading.Lock)
    current_on: date | None = None
    skipped: tuple[int, ...] = ()
    skipped_on: date | None = None
    skipped_at: float = 0.0


_known: weakref.WeakKeyDictionary[Engine, _Known] = weakref.WeakKeyDictionary()
_known_lock = threading.Lock()


def ensure_scores_current(
    database: Database, *, patience: float | None = QUICK_PATIENCE
) -> Freshness:
    """Make today's decay refresh happen if it has not (see the module notes).

    `patience`: seconds to wait for another program's write lock before
    leaving the refresh for later; None waits as any write does (cron's
    `automations run`). Threads of one program take turns: the ones that
    come while it runs wait for it and then read refreshed scores.
    """
    known = _known_of(database.engine)
    today = clock.today()
    if known.current_on == today:
        return Freshness()
    with known.turn:
        if known.current_on == today:
            return Freshness()
        recently = time.monotonic() - known.skipped_at < RETRY_AFTER
        if patience is not None and known.skipped_on == today and recently:
            return Freshness(skipped=known.skipped)
        outcome = _refresh(database, today, patience)
        if outcome.skipped:
            known.skipped, known.skipped_on = outcome.skipped, today
            known.skipped_at = time.monotonic()
        else:
            known.current_on, known.skipped_on = today, None
        return outcome


def _refresh(database: Database, today: date, patience: float | None) -> Freshness:
    from iqcadence.core.accounts import decay

    with database.session() as session:
        due = decay.due_clients(session, today)
    refreshed: dict[int, RescoreSummary] = {}
    skipped: list[int] = []
    patience_ms = None if patience is None else int(patience * 1000)
    for client_id, client_name in due:
        with database.session() as session:
            try:
                summary = decay.refresh_decay(
                    session,
                    system_actor(client_id, client_name),
                    patience_ms=patience_ms,
                    on_wait=database.on_lock_wait,
                )
            except Exception as exc:
                session.rollback()
                if not cannot_write_now(exc):
                    raise
                skipped.append(client_id)
                continue
        if summary is not None:
            refreshed[client_id] = summary
    return Freshness(refreshed=refreshed, skipped=tuple(skipped))


def _known_of(engine: Engine) -> _Known:
    with _known_lock:
        known = _known.get(engine)
        if known is None:
            known = _known[engine] = _Known()
        return known
