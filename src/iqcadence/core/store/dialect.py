"""What differs between SQLite and PostgreSQL outside the search index.

The rest of the core writes portable SQL and asks here for the few pieces that
cannot be: connection pragmas, transaction options (write lock, bulk load,
read snapshot), foreign-key suspension, id sequences, date arithmetic,
integer flooring, JSON building and numbered bulk inserts. The full-text
search index lives in `search_index` (upkeep) and `search_sql` (queries).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.engine import Connection, Engine

BUSY_TIMEOUT_MS = 10_000


def is_sqlite(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "sqlite"


def install_sqlite_pragmas(engine: Engine) -> None:
    """WAL (a TUI and a cron job share the file), a busy timeout, foreign keys
    and synchronous=NORMAL on every new connection. SQLite's own transaction
    handling is switched off so that BEGIN is explicit and DDL is
    transactional (a failed migration then leaves nothing behind)."""

    on_disk = engine.url.database not in (None, "", ":memory:")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if on_disk:
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                # a bulk load is writing without the WAL (see bulk_load_options)
                # and puts it back when it ends
                pass
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        options = conn.get_execution_options()
        if options.get(BULK_LOAD_OPTION) and on_disk:
            _leave_wal(conn)
        if options.get(WRITE_LOCK_OPTION) or options.get(BULK_LOAD_OPTION):
            patience = options.get(LOCK_PATIENCE_OPTION)
            if patience is not None:
                _begin_immediate_within(conn, int(patience))
            else:
                _begin_immediate(conn, options.get(LOCK_WAIT_OPTION))
        else:
            conn.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        if record.info.pop(_RESTORE_WAL, False) and dbapi_connection is not None:
            try:
                dbapi_connection.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # another connection is open: the next one to connect sets it


WRITE_LOCK_OPTION = "iqcadence_write_lock"
LOCK_WAIT_OPTION = "iqcadence_on_lock_wait"
LOCK_PATIENCE_OPTION = "iqcadence_lock_patience_ms"
BULK_LOAD_OPTION = "iqcadence_bulk_load"
_RESTORE_WAL = "iqcadence_restore_wal"
# How long a writer waits for the write lock before it is told it is waiting.
LOCK_NOTICE_AFTER_MS = 1_000


def _begin_immediate(conn: Connection, on_wait: Callable[[], None] | None) -> None:
    """BEGIN IMMEDIATE: the write lock up front, waiting up to the busy
    timeout for it. With `on_wait`, the wait is split in two and `on_wait`
    is called between them, so a writer kept waiting by a long one can say
    so while it still waits."""
    if on_wait is None or LOCK_NOTICE_AFTER_MS >= BUSY_TIMEOUT_MS:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA busy_timeout = {LOCK_NOTICE_AFTER_MS}")
    try:
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
        on_wait()
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS - LOCK_NOTICE_AFTER_MS}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def _begin_immediate_within(conn: Connection, patience_ms: int) -> None:
    """BEGIN IMMEDIATE, waiting at most `patience_ms` for the write lock
    (then "database is locked"); the rest of the transaction keeps the usual
    busy timeout."""
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute(f"PRAGMA busy_timeout = {max(0, patience_ms)}")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def bulk_load_options(bind: Engine | Connection) -> dict[str, Any]:
    """Execution options for a transaction that writes a large amount of new
    data (SQLite; call `session.connection(execution_options=...)` before the
    transaction begins). When no other connection has the file open, the
    transaction runs with a rollback journal instead of the WAL, so each new
    page is written once instead of to the WAL and then again when it is
    checkpointed, and the WAL never grows to the size of the load: a third
    less I/O for a million-row import. Other processes opening the database
    meanwhile wait for it (busy timeout) instead of reading the old state.
    The WAL comes back when the connection is returned to the pool."""
    return {BULK_LOAD_OPTION: True, WRITE_LOCK_OPTION: True} if is_sqlite(bind) else {}


def _leave_wal(conn: Connection) -> None:
    """Switch this connection's database to a rollback journal if it can
    (outside any transaction; SQLite refuses while others have it open)."""
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        mode = raw.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
    except sqlite3.OperationalError:
        return  # in use elsewhere: stay in WAL
    if mode == "delete":
        conn.connection.info[_RESTORE_WAL] = True


def lock_name(conn: Connection, space: int, name: str) -> None:
    """Take turns with every other transaction writing `name` in `space` (a
    client): on PostgreSQL an advisory lock held until the transaction ends,
    which serialises two writers of one record even before it exists (two
    creating it at once would otherwise clash on its unique name, and two
    updating it would each score it from a stale read). SQLite writers hold
    the database's write lock already (see write_lock_options)."""
    if is_sqlite(conn):
        return
    conn.execute(
        text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
        {"space": space, "name": name},
    )


def write_lock_options(
    bind: Engine | Connection,
    *,
    on_wait: Callable[[], None] | None = None,
    patience_ms: int | None = None,
) -> dict[str, Any]:
    """Execution options making a transaction take the write lock when it
    begins (SQLite BEGIN IMMEDIATE), so what it reads cannot change before it
    writes: two writers run one after the other instead of the second failing
    when its read turns into a write (SQLite refuses that at once, busy
    timeout or not, once another writer has committed since the read).
    `on_wait` is called once when the lock is not free within
    LOCK_NOTICE_AFTER_MS (the wait goes on). With `patience_ms` the wait
    ends after that long instead of the busy timeout ("database is
    locked"), for work that had better be left for later than wait.
    Other engines lock rows as they go (see `limit_lock_waits`)."""
    if not is_sqlite(bind):
        return {}
    options: dict[str, Any] = {WRITE_LOCK_OPTION: True}
    if patience_ms is not None:
        options[LOCK_PATIENCE_OPTION] = patience_ms
    elif on_wait is not None:
        options[LOCK_WAIT_OPTION] = on_wait
    return options


def limit_lock_waits(conn: Connection, patience_ms: int) -> None:
    """PostgreSQL: for the rest of this transaction, a lock not granted
    within `patience_ms` fails the statement (SQLSTATE 55P03) instead of
    waiting for it. SQLite takes its one lock as the transaction begins
    (`write_lock_options(patience_ms=...)`)."""
    if is_sqlite(conn):
        return
    conn.execute(text(f"SET LOCAL lock_timeout = {max(1, int(patience_ms))}"))


def no_write_lock_options(bind: Engine | Connection) -> dict[str, Any]:
    """Execution options for a transaction of a write session that only
    reads before something slow (a notification being sent): it begins
    deferred, so no other writer waits on it meanwhile."""
    return {WRITE_LOCK_OPTION: False} if is_sqlite(bind) else {}


@contextmanager
def foreign_keys_suspended(conn: Connection) -> Iterator[None]:
    """SQLite: foreign keys off for a schema change (call before `conn.begin()`).

    Batch migrations rebuild a table by copying it and dropping the old one;
    with foreign keys on, that drop deletes the children of every row (ON
    DELETE CASCADE) or fails. Check `foreign_key_problems` before committing.
    """
    if not is_sqlite(conn):
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")  # outside any transaction: takes effect
    try:
        yield
    finally:
        if conn.in_transaction():
            # the pragma would be ignored inside a transaction: drop this
            # connection so the pool never hands it out with foreign keys off
            conn.invalidate()
        else:
            raw.execute("PRAGMA foreign_keys = ON")


def foreign_key_problems(conn: Connection) -> list[str]:
    """Rows whose foreign key points at nothing (SQLite; other engines enforce them)."""
    if not is_sqlite(conn):
        return []
    rows = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    return [f"{row[0]} row {row[1]} refers to a missing {row[2]}" for row in rows]


def read_snapshot_options(bind: Engine | Connection) -> dict[str, Any]:
    """Execution options giving one consistent view over several SELECTs.

    A SQLite read transaction already is a snapshot; PostgreSQL needs
    REPEATABLE READ for that.
    """
    return {} if is_sqlite(bind) else {"isolation_level": "REPEATABLE READ"}


def reset_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """PostgreSQL: move each integer id sequence past the highest id (after rows
    were inserted with explicit ids). SQLite needs nothing."""
    if is_sqlite(conn):
        return
    for table in tables:
        pks = list(table.primary_key.columns)
        if len(pks) != 1 or pks[0].autoincrement is False:
            continue
        column = pks[0]
        if column.type.python_type is not int:
            continue
        sequence = conn.execute(
            text("SELECT pg_get_serial_sequence(:table, :column)"),
            {"table": f'"{table.name}"', "column": column.name},
        ).scalar()
        if sequence is None:
            continue
        conn.execute(
            text(
                f'SELECT setval(:sequence, COALESCE(MAX("{column.name}"), 1), '
                f'MAX("{column.name}") IS NOT NULL) FROM "{table.name}"'
            ),
            {"sequence": sequence},
        )


def floor_sql(bind: Engine | Connection, expr: str) -> str:
    """Floor of a non-negative number as SQL."""
    if is_sqlite(bind):
        return f"CAST({expr} AS INTEGER)"
    return f"FLOOR({expr})"


def date_literal(bind: Engine | Connection, day: date) -> str:
    if is_sqlite(bind):
        return f"'{day.isoformat()}'"
    return f"DATE '{day.isoformat()}'"


def days_between_sql(bind: Engine | Connection, later: date, earlier_column: str) -> str:
    """Whole days from a date column to a fixed date."""
    if is_sqlite(bind):
        return f"CAST(julianday('{later.isoformat()}') - julianday({earlier_column}) AS INTEGER)"
    return f"(DATE '{later.isoformat()}' - {earlier_column})"


def effective_days_sql(bind: Engine | Connection, today: date) -> str:
    """Days since contact with decay: baseline + days elapsed since its date."""
    elapsed = days_between_sql(bind, today, "days_as_of")
    return (
        "(CASE WHEN days_baseline IS NULL THEN NULL "
        "WHEN days_as_of IS NULL THEN days_baseline "
        f"ELSE days_baseline + (CASE WHEN {elapsed} > 0 THEN {elapsed} ELSE 0 END) END)"
    )


def json_object_sql(bind: Engine | Connection, pairs: list[tuple[str, str]]) -> str:
    """SQL building a JSON object from (key, SQL expression) pairs (keys are
    trusted identifiers); nest `json_array_sql` or another object as values."""
    function = "json_object" if is_sqlite(bind) else "json_build_object"
    return f"{function}(" + ", ".join(f"'{key}', {expr}" for key, expr in pairs) + ")"


def json_array_sql(bind: Engine | Connection) -> str:
    """SQL for an empty JSON array."""
    return "json_array()" if is_sqlite(bind) else "json_build_array()"


def table_triggers(conn: Connection, table: str) -> list[str]:
    """SQLite: the CREATE TRIGGER statements on a table, to restore after a
    batch migration rebuilds it (dropping a table drops its triggers).
    Other engines keep triggers across ALTER TABLE: nothing to restore."""
    if not is_sqlite(conn):
        return []
    rows = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"),
        {"table": table},
    )
    return [str(sql) for (sql,) in rows if sql]


def insert_numbered(
    conn: Connection, table: str, column: str, first_id: int, values: Sequence[Any]
) -> None:
    """Rows (first_id + i, values[i]) into `table` (id, column). SQLite: one
    statement reading a JSON array, half the cost of an executemany of pairs."""
    if not values:
        return
    if is_sqlite(conn):
        import json

        conn.execute(
            text(
                f"INSERT INTO {table} (id, {column}) "
                "SELECT :first + key, value FROM json_each(:values)"
            ),
            {"first": first_id, "values": json.dumps(list(values))},
        )
        return
    conn.execute(
        text(f"INSERT INTO {table} (id, {column}) VALUES (:id, :value)"),
        [{"id": first_id + i, "value": v} for i, v in enumerate(values)],
    )
