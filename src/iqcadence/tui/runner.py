"""Running core calls from the app: a session per call, off the UI thread,
and every failure turned into one plain sentence for a notification.

Reads run in read sessions (they never wait for a writer). Writes run in
write sessions, one at a time in the order they were asked for, and a write
that finds the database busy past the busy timeout (another program's long
import or restore) is tried again rather than lost, for up to
WRITE_PATIENCE seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Generic, TypeVar

from iqcadence.core.runtime import freshness
from iqcadence.core.store.db import Database, describe_failure

if TYPE_CHECKING:
    from sqlmodel import Session

T = TypeVar("T")


class Cancelled(Exception):
    """Raised inside a core call whose worker was cancelled, to stop early."""


class Failed(Exception):
    """A core call failed; `message` is what the user is told."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def friendly(exc: BaseException) -> str:
    """One sentence for any failure: core errors speak for themselves."""
    return describe_failure(exc)


def call(database: Database, fn: Callable[[Session], T]) -> T:
    """Run `fn` with a fresh read session; raise `Failed` with a plain message.

    The first read of each day brings stored scores in line with that day's
    decay first (runtime.freshness; a date comparison on the other reads),
    so an app left open overnight shows true scores in the morning."""
    try:
        freshness.ensure_scores_current(database)
        with database.session() as session:
            try:
                return fn(session)
            except BaseException:
                session.rollback()
                raise
    except Failed:
        raise
    except Exception as exc:  # every failure becomes a notification, never a crash
        raise Failed(friendly(exc)) from exc


# s: how long an app write keeps trying a database another program keeps busy
WRITE_PATIENCE = 120.0
# The app's writes take turns: the next one starts when the last has ended.
_write_turn = threading.Lock()


def write(
    database: Database,
    fn: Callable[[Session], T],
    *,
    on_wait: Callable[[], None] | None = None,
    patience: float = WRITE_PATIENCE,
) -> T:
    """Run `fn` with a fresh write session, after the app's earlier writes;
    raise `Failed` with a plain message. While another program holds the
    write lock the write waits, and tries again, for up to `patience`
    seconds (Database.run_write); `on_wait` is called once if it has to."""
    try:
        with _write_turn:
            return database.run_write(fn, patience=patience, on_lock_wait=on_wait)
    except Failed:
        raise
    except Exception as exc:  # every failure becomes a notification, never a crash
        raise Failed(friendly(exc)) from exc


class Prefetch(Generic[T]):
    """A core call started on its own thread right away (before the app has
    an event loop), whose result a screen collects when it mounts.

    `wait`: how long the caller waits for it at once (`waited` says how
    long it did). A call reading many rows beside a busy UI thread gets the
    interpreter back only when the UI thread hands it over (every few
    milliseconds), once for every row it reads: several times slower, and
    slowing the UI thread each time. While the caller waits the call runs
    alone; if it takes longer than `wait` (a busy or very large database),
    it goes on beside the app. (A call that spends its time inside SQLite
    on a few rows is better left to run beside the app from the start.)"""

    def __init__(
        self, database: Database, fn: Callable[[Session], T], *, wait: float = 0.0
    ) -> None:
        self._result: T | None = None
        self._thread = threading.Thread(target=self._run, args=(database, fn), daemon=True)
        started = time.perf_counter()
        self._thread.start()
        if wait > 0:
            self._thread.join(wait)
        self.waited = time.perf_counter() - started

    def _run(self, database: Database, fn: Callable[[Session], T]) -> None:
        try:
            self._result = call(database, fn)
        except Failed:
            self._result = None  # the screen reads it again in a worker and reports

    def result(self, timeout: float = 5.0) -> T | None:
        """The call's result (waiting up to `timeout` more for it); None when
        it failed or has not finished."""
        if timeout > 0:
            self._thread.join(timeout)
        return None if self._thread.is_alive() else self._result
