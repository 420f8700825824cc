"""Searches over customers as SQL: reading a search text once, and the
WHERE fragments matching it.

On SQLite a search asks the FTS5 index (see `search_index`), lists the
indexed words a typed word stands for, or checks rows one by one when a page
is read by walking the sort's index; other engines match with LIKE over
accent-folded text.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from iqcadence.core.store.dialect import is_sqlite
from iqcadence.core.store.search_index import search_tokens

_TOKEN = re.compile(r"[\w\-]+", re.UNICODE)
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
