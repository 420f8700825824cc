"""A database another program keeps busy: recognising it, and saying so.

SQLite lets one writer at a time hold the write lock; the others wait for it
up to the busy timeout (dialect.BUSY_TIMEOUT_MS) and then fail with
"database is locked". PostgreSQL instead may roll a transaction back as a
deadlock or serialization failure. Either way nothing was done, and trying
again later may succeed (`is_transient`; Database.run_write does).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.exc import DatabaseError, OperationalError, SQLAlchemyError

from iqcadence.core.base.errors import IQError

# What a user is told when another program holds the write lock past the
# busy timeout. Which program, and why, is not known here: no guess.
BUSY = (
    "the database is busy: another program kept it locked for writing for longer "
    "than this one could wait; try again in a moment."
)


def is_busy(exc: BaseException) -> bool:
    """Whether a database error is SQLite's "database is locked": another
    program held the write lock for longer than the busy timeout."""
    return isinstance(exc, DatabaseError) and "database is locked" in str(exc.orig)


# PostgreSQL's serialization failure and deadlock: the transaction was
# rolled back whole and may succeed if run again.
_RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(exc: BaseException) -> bool:
    """Whether a failure left nothing done and may pass if tried again."""
    if is_busy(exc):
        return True
    return (
        isinstance(exc, DatabaseError)
        and getattr(exc.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES
    )


# PostgreSQL: a lock not granted within lock_timeout; a read-only
# transaction (a standby); a role without the right to write.
_NOT_NOW_SQLSTATES = frozenset({"55P03", "25006", "42501"})


def cannot_write_now(exc: BaseException) -> bool:
    """Whether a write failed because this database cannot take it here and
    now, rather than for a fault in the write: busy (`is_transient`), a lock
    wait cut short, or a database or role that is read-only. Work that may
    as well wait for a later run (see `runtime.freshness`) leaves it then."""
    if is_transient(exc):
        return True
    if not isinstance(exc, DatabaseError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _NOT_NOW_SQLSTATES:
        return True
    # SQLite: a file, folder or connection (query_only) it may not write to
    return "readonly database" in str(exc.orig)


class Once:
    """A callback that runs on its first call only."""

    def __init__(self, fn: Callable[[], None] | None) -> None:
        self._fn = fn

    def __call__(self) -> None:
        fn, self._fn = self._fn, None
        if fn is not None:
            fn()


def describe_failure(exc: BaseException) -> str:
    """One sentence for any failure of a database call (front ends show it)."""
    if isinstance(exc, IQError):
        return str(exc)
    if is_busy(exc):
        return BUSY[0].upper() + BUSY[1:]
    if isinstance(exc, OperationalError):
        detail = str(exc.orig) if exc.orig is not None else str(exc)
        return f"The database could not be read or written ({detail})."
    if isinstance(exc, SQLAlchemyError):
        return f"The database refused the operation ({exc.__class__.__name__})."
    return f"Something went wrong: {exc}"


__all__ = ["BUSY", "Once", "cannot_write_now", "describe_failure", "is_busy", "is_transient"]
