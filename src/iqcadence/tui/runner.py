"""Running core calls from the app: a session per call, off the UI thread,
and every failure turned into one plain sentence for a notification."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlmodel import Session

from iqcadence.core.db import Database
from iqcadence.core.errors import IQError

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
    if isinstance(exc, IQError):
        return str(exc)
    if isinstance(exc, OperationalError):
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        if "locked" in detail or "busy" in detail:
            return "The database is busy (another program holds a lock); try again in a moment."
        return f"The database could not be read or written ({detail})."
    if isinstance(exc, SQLAlchemyError):
        return f"The database refused the operation ({exc.__class__.__name__})."
    return f"Something went wrong: {exc}"


def call(database: Database, fn: Callable[[Session], T]) -> T:
    """Run `fn` with a fresh session; raise `Failed` with a plain message."""
    try:
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


class Prefetch(Generic[T]):
    """A core call started on its own thread right away (before the app has
    an event loop), whose result a screen collects when it mounts."""

    def __init__(self, database: Database, fn: Callable[[Session], T]) -> None:
        self._result: T | None = None
        self._thread = threading.Thread(target=self._run, args=(database, fn), daemon=True)
        self._thread.start()

    def _run(self, database: Database, fn: Callable[[Session], T]) -> None:
        try:
            self._result = call(database, fn)
        except Failed:
            self._result = None  # the screen reads it again in a worker and reports

    def result(self, timeout: float = 5.0) -> T | None:
        self._thread.join(timeout)
        return None if self._thread.is_alive() else self._result
