"""Everything that differs between SQLite and PostgreSQL, in one place.

The rest of the core writes portable SQL and asks here for the few pieces that
cannot be: connection pragmas, date arithmetic, integer flooring and the
full-text search index (FTS5 on SQLite, ILIKE on other engines).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
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
        immediate = options.get(WRITE_LOCK_OPTION) or options.get(BULK_LOAD_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: sqlite3.Connection, record: Any) -> None:
        if record.info.pop(_RESTORE_WAL, False) and dbapi_connection is not None:
            try:
                dbapi_connection.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                pass  # another connection is open: the next one to connect sets it


WRITE_LOCK_OPTION = "iqcadence_write_lock"
BULK_LOAD_OPTION = "iqcadence_bulk_load"
_RESTORE_WAL = "iqcadence_restore_wal"


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


_TOKEN = re.compile(r"[\w\-]+", re.UNICODE)
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9_\-]+")
_PREFIX_WORD = re.compile(r"[a-z0-9]+")

# A word is searched as the index terms starting with it, listed one by one,
# when there are at most this many: FTS5 reads every row of a prefix query
# ("summit"*) before returning the first, while exact terms are read lazily,
# so a capped count or a LIMIT stops early (a broad word: ~2 ms instead of 10).
TERMS_PER_WORD = 24
# the index's terms, read through fts5vocab (one per connection, no storage)
_TERMS_TABLE = "temp.iq_customer_terms"
# SQL function checking a customer whose name, manager or tags are not ASCII
_ROW_MATCH_FUNCTION = "iq_search_match"


@dataclass(frozen=True)
class Search:
    """A search text as the index reads it.

    - `words`: the words as typed (every one must match the start of a word
      of the name, manager or tags);
    - `tokens`: each word folded as the index folds it, or None when a word
      is not exactly one index word (it is then matched as a phrase);
    - `match`: the FTS5 expression; None when no customer can match (a word
      starts no indexed word);
    - `terms`: for each word, the indexed words it stands for (None: more
      than TERMS_PER_WORD, searched as a prefix).
    """

    words: tuple[str, ...]
    tokens: tuple[str, ...] | None
    match: str | None
    terms: tuple[tuple[str, ...] | None, ...] = ()


def _quote(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def _after_prefix(prefix: str) -> str | None:
    """The smallest text after every text starting with `prefix`."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return None
    return prefix[:-1] + chr(last + 1)


def _terms_starting(conn: Connection, prefix: str) -> tuple[str, ...] | None:
    """The indexed words starting with `prefix` (None: more than TERMS_PER_WORD).

    One index seek each: the next word is the first one at or after the
    previous word followed by a control character (never part of a word).
    """
    high = _after_prefix(prefix)
    if high is None:
        return None
    conn.execute(
        text(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {_TERMS_TABLE} "
            "USING fts5vocab(main, customer_fts, instance)"
        )
    )
    found: list[str] = []
    low = prefix
    while len(found) <= TERMS_PER_WORD:
        term = conn.execute(
            text(f"SELECT term FROM {_TERMS_TABLE} WHERE term >= :low AND term < :high LIMIT 1"),
            {"low": low, "high": high},
        ).scalar()
        if term is None:
            return tuple(found)
        found.append(str(term))
        low = str(term) + "\x01"
    return None


def parse_search(bind: Engine | Connection, query: str | Search) -> Search:
    """Read a search text once (a Search is returned as it is)."""
    if isinstance(query, Search):
        return query
    words = tuple(_TOKEN.findall(query))
    folded = [search_tokens(word) for word in words]
    tokens = tuple(f[0] for f in folded) if all(len(f) == 1 for f in folded) else None
    if not words or not is_sqlite(bind):
        return Search(words, tokens, None)
    parts: list[str] = []
    terms: list[tuple[str, ...] | None] = []
    for word, word_tokens in zip(words, folded, strict=True):
        found = None
        if isinstance(bind, Connection) and len(word_tokens) == 1:
            found = _terms_starting(bind, word_tokens[0])
        terms.append(found)
        if found is None:
            parts.append(_quote(word) + "*")
        elif not found:
            return Search(words, tokens, None, tuple(terms))
        else:
            parts.append("(" + " OR ".join(_quote(term) for term in found) + ")")
    return Search(words, tokens, " AND ".join(parts), tuple(terms))


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


def _row_matches(name: Any, manager: Any, tags: Any, wanted: Any) -> int:
    words = [t for value in (name, manager, tags) if value for t in search_tokens(str(value))]
    return int(
        all(any(word.startswith(token) for word in words) for token in str(wanted).split("\x1f"))
    )


# the name, manager and tags of a row as one text, and lowercased
_ROW_RAW = (
    "(customer.name || ' ' || COALESCE(customer.manager, '') || ' ' || COALESCE(customer.tags, ''))"
)
_ROW_TEXT = f"LOWER{_ROW_RAW}"


def search_row_check(
    conn: Connection, query: str | Search, *, skip: Collection[int] = ()
) -> tuple[str, dict[str, Any]] | None:
    """A WHERE fragment checking each row against the search words (all but
    the word numbers in `skip`), without the search index; None when a word
    is not one index word.

    Names, managers and tags in plain ASCII (as many characters as bytes)
    are checked by GLOB (each word starts the text or follows a character
    that is not a letter, digit, "-" or "_"), after a plain substring test
    turning most rows away; other rows by a SQL function reading them with
    the index's own tokenizer. For a page read by walking the sort's index:
    a row costs a microsecond or two, where asking the search index costs far
    more. Conditions of CASE WHEN stop at the first false one (AND in a
    value does not), hence its shape.
    """
    search = parse_search(conn, query)
    if search.tokens is None:
        return None
    tokens = [t for index, t in enumerate(search.tokens) if index not in skip]
    if not tokens:
        return "1 = 1", {}
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.create_function(_ROW_MATCH_FUNCTION, 4, _row_matches, deterministic=True)
    params: dict[str, Any] = {"search_tokens": "\x1f".join(tokens)}
    contains, starts = [], []
    for index, token in enumerate(tokens):
        params[f"search_word_{index}"] = token
        params[f"search_glob_{index}"] = f"*[^a-z0-9_-]{token}*"
        contains.append(f"instr({_ROW_TEXT}, :search_word_{index})")
        starts.append(f"(' ' || {_ROW_TEXT}) GLOB :search_glob_{index}")
    return (
        f"(CASE WHEN length({_ROW_RAW}) <> length(CAST({_ROW_RAW} AS BLOB)) "
        f"THEN {_ROW_MATCH_FUNCTION}("
        "customer.name, customer.manager, customer.tags, :search_tokens) "
        f"WHEN {' AND '.join(contains + starts)} THEN 1 ELSE 0 END)",
        params,
    )


def search_clause(
    bind: Engine | Connection,
    query: str | Search,
    *,
    walk: bool = False,
    check_rows: bool = True,
) -> tuple[str, dict[str, Any]]:
    """A WHERE fragment (over table `customer`) matching a search text.

    Every word must match the start of a word in name, manager or tags.
    `walk` is for a search matching many customers: the page is then read by
    walking the sort's index and checking each row (search_row_check; with
    `check_rows` False, looking it up in the list of matches), instead of
    fetching every match and sorting them.
    """
    search = parse_search(bind, query)
    if not search.words:
        return "1 = 1", {}
    if is_sqlite(bind):
        if search.match is None:
            return "1 = 0", {}
        if walk and check_rows and isinstance(bind, Connection):
            check = search_row_check(bind, search)
            if check is not None:
                return check
        return _in_matches(search.match, walk=walk)
    clauses = []
    params: dict[str, Any] = {}
    columns = [_folded_sql(f"customer.{c}") for c in ("name", "manager", "tags")]
    for index, word in enumerate(search.words):
        key = f"search_{index}"
        params[key] = f"%{_fold(word)}%"
        clauses.append("(" + " OR ".join(f"{c} LIKE :{key}" for c in columns) + ")")
    return " AND ".join(clauses), params


# Other engines: accents are folded as the SQLite search index folds them
# (remove_diacritics), with the built-in translate() rather than an extension
# the server may not have: the accented lower-case Latin letters that decompose
# into a base letter and a mark (like SQLite, ø and ł stay as they are).
_ACCENTED = "àáâãäåāăąçćčďèéêëēėęěìíîïīįñńňòóôõöōőŕřśšşťùúûüūůűųýÿźżž"


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_PLAIN = "".join(_fold(ch) for ch in _ACCENTED)


def _folded_sql(column: str) -> str:
    return f"translate(lower({column}), '{_ACCENTED}', '{_PLAIN}')"


# matches read first to estimate how many there are (see search_match_list)
SAMPLE_MATCHES = 500


def search_match_list(
    conn: Connection, query: str | Search, cap: int, *, walk_above: int, size: int
) -> tuple[str, dict[str, Any]] | None:
    """SQLite: a WHERE fragment looking rows up in the matches of the search
    index, or None when there are more than `cap` of them.

    How many there are is estimated from the first SAMPLE_MATCHES: the index
    returns matches by ascending id, so where the last of them falls among
    `size` ids tells without reading the others. With more than
    `walk_above` matches, `customer.id + 0` makes the planner walk the sort's
    index and look each row up in the matches (before reading the row); with
    fewer, it reads the matches by id and sorts them.
    """
    search = parse_search(conn, query)
    if not search.words:
        return "1 = 1", {}
    if search.match is None:
        return "1 = 0", {}
    count, last = conn.execute(
        text(
            "SELECT COUNT(*), MAX(rowid) FROM (SELECT rowid FROM customer_fts "
            "WHERE customer_fts MATCH :fts_query LIMIT :cap) AS matches"
        ),
        {"fts_query": search.match, "cap": SAMPLE_MATCHES},
    ).one()
    matches = int(count)
    if matches == SAMPLE_MATCHES:
        matches = SAMPLE_MATCHES * size // max(int(last), 1)
    if matches > cap:
        return None
    return _in_matches(search.match, walk=matches > walk_above)


def _in_matches(match: str, *, walk: bool) -> tuple[str, dict[str, Any]]:
    """SQLite: a WHERE fragment looking rows up in the search index's matches;
    with `walk`, `+ 0` keeps the planner from driving the query by rowid from
    the matches (it walks the sort's index instead)."""
    target = "customer.id + 0" if walk else "customer.id"
    return (
        f"{target} IN (SELECT rowid FROM customer_fts WHERE customer_fts MATCH :fts_query)",
        {"fts_query": match},
    )


def search_matches_more_than(bind: Connection, query: str | Search, limit: int) -> bool:
    """Whether a search matches more than `limit` customers (the full-text
    index answers this in a few milliseconds; other engines say False)."""
    search = parse_search(bind, query)
    if not search.words or search.match is None or not is_sqlite(bind):
        return False
    count = bind.execute(
        text(
            "SELECT COUNT(*) FROM (SELECT rowid FROM customer_fts "
            "WHERE customer_fts MATCH :fts_query LIMIT :cap) AS matches"
        ),
        {"fts_query": search.match, "cap": limit + 1},
    ).scalar_one()
    return int(count) > limit


def name_prefix_words(bind: Engine | Connection, query: str | Search) -> list[tuple[int, str]]:
    """The search's plain ASCII words (number, lowercased word) for which a
    page sorted by name may read the names starting with the word from one
    `name_key` range (SQLite); the other matches come from
    `search_outside_name_start`."""
    if not is_sqlite(bind):
        return []
    search = parse_search(bind, query)
    out = []
    for index, word in enumerate(search.words):
        lowered = word.lower()
        if _PREFIX_WORD.fullmatch(lowered):
            out.append((index, lowered))
    return out


def search_outside_name_start(
    conn: Connection, query: str | Search, lead: Sequence[int], cap: int
) -> list[int] | None:
    """Ids of customers matching the search whose name does not start with
    its words numbered `lead`, in that order (the first words of the name
    equal to them, the last one starting with it: a match in manager, tags
    or later words of the name), or None when there are more than `cap` of
    them.

    The index still reads every customer with a word starting so (a few
    milliseconds for 100k of them).
    """
    search = parse_search(conn, query)
    if search.match is None:
        return []
    *first, last = lead
    head = "".join(f"{_quote(search.words[n].lower())} + " for n in first)
    terms = search.terms[last] if last < len(search.terms) else None
    if terms:
        start = "(" + " OR ".join(f"^ {head}{_quote(term)}" for term in terms) + ")"
    else:
        start = f"^ {head}{_quote(search.words[last])} *"
    rows = conn.execute(
        text("SELECT rowid FROM customer_fts WHERE customer_fts MATCH :fts_query LIMIT :cap"),
        {"fts_query": f"({search.match}) NOT {{name}} : {start}", "cap": cap + 1},
    ).all()
    if len(rows) > cap:
        return None
    return [int(row[0]) for row in rows]


def search_matches_customer(conn: Connection, query: str | Search, customer_id: int) -> bool:
    """Whether one customer matches a search."""
    search = parse_search(conn, query)
    if not search.words:
        return True
    check = search_row_check(conn, search) if is_sqlite(conn) else None
    clause, params = check or search_clause(conn, search)
    found = conn.execute(
        text(f"SELECT 1 FROM customer WHERE customer.id = :iq_id AND {clause}"),
        {**params, "iq_id": customer_id},
    ).first()
    return found is not None


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
