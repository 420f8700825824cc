"""The full-text search index over customer name, manager and tags.

SQLite keeps an FTS5 table in step with `customer` through triggers; other
engines have no index (their searches match with LIKE, see `search_sql`). This
module owns the index's DDL, its suspension around bulk writes, and how it
splits text into words, so that checks made outside the index agree with it.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from functools import lru_cache

from sqlalchemy import text
from sqlalchemy.engine import Connection

from iqcadence.core.store.dialect import is_sqlite

# How the search index splits and folds text: words of letters, digits, "-"
# and "_", lowercased, accents removed. Everything that checks a customer
# against a search outside the index reads text the same way (search_tokens).
SEARCH_TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '-_'"

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
            f'tokenize="{SEARCH_TOKENIZER}")'
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


_ASCII_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")

_scratch = threading.local()


def _indexed_tokens(value: str) -> tuple[str, ...]:
    """The words the search index makes of `value`, read from an in-memory
    FTS5 table with the same tokenizer."""
    db: sqlite3.Connection | None = getattr(_scratch, "db", None)
    if db is None:
        db = sqlite3.connect(":memory:", isolation_level=None)
        db.execute(f'CREATE VIRTUAL TABLE words USING fts5(x, tokenize="{SEARCH_TOKENIZER}")')
        db.execute("CREATE VIRTUAL TABLE word_terms USING fts5vocab(words, instance)")
        _scratch.db = db
    db.execute("INSERT INTO words(rowid, x) VALUES (1, ?)", (value,))
    try:
        rows = db.execute("SELECT term FROM word_terms ORDER BY offset").fetchall()
    finally:
        db.execute("DELETE FROM words WHERE rowid = 1")
    return tuple(str(row[0]) for row in rows)


@lru_cache(maxsize=8192)
def search_tokens(value: str) -> tuple[str, ...]:
    """The words of a text as the search index reads them (ASCII text is
    split here, other text by the index's own tokenizer)."""
    if value.isascii():
        return tuple(token.lower() for token in _ASCII_TOKEN.findall(value))
    return _indexed_tokens(value)
