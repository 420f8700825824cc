"""Everything that differs between SQLite and PostgreSQL, in one place.

The rest of the core writes portable SQL and asks here for the few pieces that
cannot be: connection pragmas, date arithmetic, integer flooring and the
full-text search index (FTS5 on SQLite, ILIKE on other engines).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
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

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_LOCK_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_LOCK_OPTION = "iqcadence_write_lock"


def write_lock_options(bind: Engine | Connection) -> dict[str, Any]:
    """Execution options making a transaction take the write lock when it
    begins (SQLite BEGIN IMMEDIATE), so what it reads cannot change before it
    writes: two processes upgrading or restoring at once run one after the
    other instead of failing. Other engines lock rows as they go."""
    return {WRITE_LOCK_OPTION: True} if is_sqlite(bind) else {}


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


# --- full-text search over name, manager and tags ----------------------------

_FTS_TRIGGERS = {
    "customer_fts_ai": """
        CREATE TRIGGER IF NOT EXISTS customer_fts_ai AFTER INSERT ON customer BEGIN
          INSERT INTO customer_fts(rowid, name, manager, tags)
          VALUES (new.id, new.name, new.manager, new.tags);
        END""",
    "customer_fts_ad": """
        CREATE TRIGGER IF NOT EXISTS customer_fts_ad AFTER DELETE ON customer BEGIN
          INSERT INTO customer_fts(customer_fts, rowid, name, manager, tags)
          VALUES ('delete', old.id, old.name, old.manager, old.tags);
        END""",
    "customer_fts_au": """
        CREATE TRIGGER IF NOT EXISTS customer_fts_au
        AFTER UPDATE OF name, manager, tags ON customer BEGIN
          INSERT INTO customer_fts(customer_fts, rowid, name, manager, tags)
          VALUES ('delete', old.id, old.name, old.manager, old.tags);
          INSERT INTO customer_fts(rowid, name, manager, tags)
          VALUES (new.id, new.name, new.manager, new.tags);
        END""",
}


def create_search_index(conn: Connection) -> None:
    """Create the search index and the triggers that keep it in step."""
    if not is_sqlite(conn):
        return
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS customer_fts USING fts5("
            "name, manager, tags, content='customer', content_rowid='id', "
            "tokenize=\"unicode61 remove_diacritics 2 tokenchars '-_'\")"
        )
    )
    for ddl in _FTS_TRIGGERS.values():
        conn.execute(text(ddl))


def drop_search_index(conn: Connection) -> None:
    if not is_sqlite(conn):
        return
    for name in _FTS_TRIGGERS:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
    conn.execute(text("DROP TABLE IF EXISTS customer_fts"))


def suspend_search_triggers(conn: Connection) -> None:
    """Before a bulk write: stop per-row index upkeep (rebuilt afterwards)."""
    if not is_sqlite(conn):
        return
    for name in _FTS_TRIGGERS:
        conn.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild_search_index(conn: Connection) -> None:
    """After a bulk write: rebuild the index in one pass and restore triggers."""
    if not is_sqlite(conn):
        return
    conn.execute(text("INSERT INTO customer_fts(customer_fts) VALUES ('rebuild')"))
    for ddl in _FTS_TRIGGERS.values():
        conn.execute(text(ddl))


_TOKEN = re.compile(r"[\w\-]+", re.UNICODE)


def _fts_match(words: list[str]) -> str:
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words)


def search_clause(
    bind: Engine | Connection, query: str, *, walk: bool = False
) -> tuple[str, dict[str, Any]]:
    """A WHERE fragment (over table `customer`) matching a search text.

    Every word must match the start of a word in name, manager or tags.
    `walk` is for a search matching many customers: the page is then read by
    walking the sort's index and checking each row against the matches,
    instead of fetching every match and sorting them.
    """
    words = _TOKEN.findall(query)
    if not words:
        return "1 = 1", {}
    if is_sqlite(bind):
        # `+ 0` keeps the planner from driving the query by rowid from the matches
        target = "customer.id + 0" if walk else "customer.id"
        return (
            f"{target} IN (SELECT rowid FROM customer_fts WHERE customer_fts MATCH :fts_query)",
            {"fts_query": _fts_match(words)},
        )
    clauses = []
    params: dict[str, Any] = {}
    for index, word in enumerate(words):
        key = f"search_{index}"
        params[key] = f"%{word}%"
        clauses.append(
            f"(customer.name ILIKE :{key} OR customer.manager ILIKE :{key} "
            f"OR customer.tags ILIKE :{key})"
        )
    return " AND ".join(clauses), params


def search_matches_more_than(bind: Connection, query: str, limit: int) -> bool:
    """Whether a search matches more than `limit` customers (the full-text
    index answers this in a few milliseconds; other engines say False)."""
    words = _TOKEN.findall(query)
    if not words or not is_sqlite(bind):
        return False
    count = bind.execute(
        text(
            "SELECT COUNT(*) FROM (SELECT rowid FROM customer_fts "
            "WHERE customer_fts MATCH :fts_query LIMIT :cap) AS matches"
        ),
        {"fts_query": _fts_match(words), "cap": limit + 1},
    ).scalar_one()
    return int(count) > limit


_PREFIX_WORD = re.compile(r"[a-z0-9]+")


def name_prefix_word(bind: Engine | Connection, query: str) -> str | None:
    """The search's one word, lowercased, when a page sorted by name may be
    read from the name index (SQLite, one plain ASCII word); else None.

    Names starting with the word are then one range of `name_key`; only the
    other matches (see `search_outside_name_start`) are fetched and merged.
    """
    if not is_sqlite(bind):
        return None
    words = _TOKEN.findall(query)
    if len(words) != 1:
        return None
    word = words[0].lower()
    return word if _PREFIX_WORD.fullmatch(word) else None


def search_outside_name_start(conn: Connection, word: str, cap: int) -> list[int] | None:
    """Ids of customers matching `word` anywhere but at the start of the
    name's first word (manager, tags, later words of the name), or None when
    there are more than `cap` of them.

    The index still reads every customer with a word starting so (about 10 ms
    for 100k of them); listing the distinct words first through an fts5vocab
    table and searching those exactly costs as much.
    """
    quoted = '"' + word.replace('"', '""') + '"*'
    rows = conn.execute(
        text("SELECT rowid FROM customer_fts WHERE customer_fts MATCH :fts_query LIMIT :cap"),
        {"fts_query": f"{quoted} NOT {{name}} : ^ {quoted}", "cap": cap + 1},
    ).all()
    if len(rows) > cap:
        return None
    return [int(row[0]) for row in rows]


def search_matches_customer(conn: Connection, query: str, customer_id: int) -> bool:
    """Whether one customer matches a search (a few milliseconds on SQLite)."""
    words = _TOKEN.findall(query)
    if not words:
        return True
    found = conn.execute(
        text("SELECT 1 FROM customer_fts WHERE customer_fts MATCH :fts_query AND rowid = :id"),
        {"fts_query": _fts_match(words), "id": customer_id},
    ).first()
    return found is not None
