"""Pages of customers: filtered, sorted and searched straight from SQL.

Lists never build ORM objects: at a million rows a page is one indexed query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlmodel import Session

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.formula import (
    BANDS,
    LIFECYCLES,
    STATUSES,
    TIERS,
)
from iqcadence.core.store import dialect, search_sql
from iqcadence.core.store.rows import typed_row

SORTS: dict[str, str] = {
    "name": "customer.name_key",
    "score": "customer.score",
    "mrr": "customer.mrr",
    "arr": "customer.arr",
    "renewal": "customer.renewal_date",
    "updated": "customer.updated_at",
    "created": "customer.created_at",
}


@dataclass
class CustomerFilter:
    band: str | None = None
    manager: str | None = None
    tier: str | None = None
    tag: str | None = None
    lifecycle: str | None = None
    status: str | None = "active"  # None = every status
    search: str | None = None
    where: list[tuple[str, str]] = field(default_factory=list)  # custom fields (later)
    # changed at or after this time (naive UTC): `>=`, so a poller passing the
    # newest `updated_at` it saw (shown to the second) misses nothing
    updated_since: datetime | None = None

    def validate(self) -> None:
        for name, value, allowed in (
            ("band", self.band, BANDS),
            ("tier", self.tier, TIERS),
            ("lifecycle", self.lifecycle, LIFECYCLES),
            ("status", self.status, STATUSES),
        ):
            if value is not None and value not in allowed:
                raise InvalidValue(f"--{name}: {value!r} is not one of {', '.join(allowed)}.")


# A search matching more customers than this reads its page by walking the
# sort's index (see _page_search) instead of sorting every match.
BROAD_SEARCH = 5000
# Reading and checking a row on its columns costs about this many times as
# much as adding one match to the list a walk looks rows up in (see
# _page_search); deep pages list at most LIST_MATCHES_MAX matches.
LIST_MATCHES_FACTOR = 30
LIST_MATCHES_MAX = 100_000
# A walk checking rows gives up after this many times the rows it should
# need (matches bunched at the other end of the order).
WALK_BUDGET = 3


def _stamp_param(session: Session, moment: datetime) -> Any:
    """A date-time as the column holds it (SQLAlchemy's text form on SQLite,
    which compares in time order)."""
    if dialect.is_sqlite(session.connection()):
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def _unindexed(column: str, *, numeric: bool = False) -> str:
    """`column` as an expression no index serves (portable SQL)."""
    return f"({column} + 0)" if numeric else f"({column} || '')"


def filter_sql(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    *,
    sort: str | None = None,
    search: search_sql.Search | None = None,
) -> tuple[str, dict[str, Any]]:
    """The WHERE clause of a customer filter and its parameters (see
    _filter_parts; a page of 50 rows is assumed)."""
    where, params, search_where, search_params, _check = _filter_parts(
        session, client_id, filters, sort=sort, search=search, wanted=50 if sort else None
    )
    if search_where:
        where = f"{where} AND {search_where}"
    return where, {**params, **search_params}


def _filter_parts(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    *,
    sort: str | None,
    search: search_sql.Search | None,
    wanted: int | None,
) -> tuple[str, dict[str, Any], str, dict[str, Any], bool]:
    """The WHERE clause of a customer filter and its parameters, without
    the search, then the search's own clause and parameters, and whether
    that clause checks rows (a page read by walking the sort's index).

    With `sort` (a page of a list), filters on common values (the client,
    status active, a tier unless sorting by score, MRR or ARR) are written so no index
    serves them: the planner then walks the sort's index and stops after one
    page, instead of collecting every matching row and sorting it (it cannot
    tell that `status = 'active'` is most of the table without statistics).
    `search` is `filters.search` already read by `search_sql.parse_search`;
    `wanted` the rows of a page up to its last one (None: every row).
    """
    filters.validate()
    page = sort is not None
    # changes since a time are few (a poller asks for what is new): the
    # updated_at index finds them, rather than the client's or status's rows
    recent = filters.updated_since is not None
    client = "customer.client_id"
    if page or recent:
        client = _unindexed(client, numeric=True)
    clauses = [f"{client} = :client_id"]
    params: dict[str, Any] = {"client_id": client_id}
    if filters.status is not None:
        common = (page or recent) and filters.status == "active"
        status = _unindexed("customer.status") if common else "customer.status"
        clauses.append(f"{status} = :status")
        params["status"] = filters.status
    if filters.band is not None:
        clauses.append("customer.band = :band")
        params["band"] = filters.band
    # (tier, score) and (tier, mrr) serve a tier's pages by score, MRR and ARR:
    # walking them passes only that tier's rows
    by_tier = sort in ("score", "mrr", "arr")
    if filters.tier is not None:
        tier = _unindexed("customer.tier") if page and not by_tier else "customer.tier"
        clauses.append(f"{tier} = :tier")
        params["tier"] = filters.tier
    if filters.lifecycle is not None:
        clauses.append("customer.lifecycle = :lifecycle")
        params["lifecycle"] = filters.lifecycle
    if filters.manager:
        clauses.append("LOWER(customer.manager) = :manager")
        params["manager"] = filters.manager.strip().lower()
    if filters.tag:
        clauses.append("('|' || LOWER(customer.tags) || '|') LIKE :tag")
        params["tag"] = f"%|{filters.tag.strip().lower()}|%"
    if filters.updated_since is not None:
        clauses.append("customer.updated_at >= :updated_since")
        params["updated_since"] = _stamp_param(session, filters.updated_since)
    if filters.where:
        from iqcadence.core.accounts import custom_fields

        where_clauses, where_params = custom_fields.where_sql(session, client_id, filters.where)
        clauses.extend(where_clauses)
        params.update(where_params)
    search_where, check = "", False
    search_params: dict[str, Any] = {}
    if filters.search and filters.search.strip():
        conn = session.connection()
        search = search or search_sql.parse_search(conn, filters.search)
        chosen = None
        if wanted is not None and dialect.is_sqlite(conn):
            plain_filters = not (
                filters.band
                or (filters.tier and not by_tier)
                or filters.lifecycle
                or filters.manager
                or filters.tag
                or filters.where
                or filters.updated_since
                or filters.status not in (None, "active")
            )
            chosen = _page_search(conn, search, wanted, plain_filters=plain_filters)
        if chosen is None:
            search_where, search_params = search_sql.search_clause(conn, search)
        else:
            search_where, search_params, check = chosen
    return " AND ".join(clauses), params, search_where, search_params, check


def _list_cap(wanted: int, size: int) -> int:
    """The most matches listed for a walk (see _page_search)."""
    listed = int(math.sqrt(LIST_MATCHES_FACTOR * max(wanted, 1) * size))
    return max(BROAD_SEARCH, min(listed, LIST_MATCHES_MAX))


def _page_search(
    conn: Connection, search: search_sql.Search, wanted: int, *, plain_filters: bool
) -> tuple[str, dict[str, Any], bool]:
    """How a page of a search is read, cheapest first for the number of
    matches M among N customers:

    - M ≤ BROAD_SEARCH: the matches are read by id and sorted;
    - M up to √(LIST_MATCHES_FACTOR · wanted · N): the sort's index is walked
      and each row looked up in the list of matches (building the list
      costs about as much as checking the rows the walk would pass);
    - more: the sort's index is walked and each row checked on its own
      columns (True), a short walk since matches are frequent. Not with
      other filters than the client and the status (`plain_filters`): rows
      they reject would be read to be checked, where the list is consulted
      before reading a row, and such a filter may be rare at this end of
      the order (a tier sorted by MRR).
    """
    size = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM customer")).scalar_one())
    cap = _list_cap(wanted, size)
    listed = search_sql.search_match_list(conn, search, cap, walk_above=BROAD_SEARCH, size=size)
    if listed is not None:
        return listed[0], listed[1], False
    check = search_sql.search_row_check(conn, search) if plain_filters else None
    if check is not None:
        return check[0], check[1], True
    clause, params = search_sql.search_clause(conn, search, walk=True, check_rows=False)
    return clause, params, False


def list_customers(
    session: Session,
    client_id: int,
    filters: CustomerFilter | None = None,
    *,
    sort: str = "name",
    desc: bool = False,
    limit: int | None = 50,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """One page of customers as plain rows (column name → value)."""
    if sort not in SORTS:
        raise InvalidValue(f"--sort: {sort!r} is not one of {', '.join(SORTS)}.")
    if limit is not None and limit < 0:
        raise InvalidValue("--limit: must not be negative.")
    if offset < 0:
        raise InvalidValue("--offset: must not be negative.")
    filters = filters or CustomerFilter()
    search = None
    if filters.search and filters.search.strip():
        filters.validate()
        search = search_sql.parse_search(session.connection(), filters.search)
    if sort == "name" and limit is not None and search is not None:
        page = _name_prefix_page(
            session, client_id, filters, search, limit=limit, offset=offset, desc=desc
        )
        if page is not None:
            return [typed_row(row) for row in page]
    where, params, search_where, search_params, check = _filter_parts(
        session,
        client_id,
        filters,
        sort=sort,
        search=search,
        wanted=None if limit is None else offset + limit,
    )
    direction = "DESC" if desc else "ASC"
    # ARR is 12 × MRR on every write path: walking the MRR index gives ARR's
    # order, and only ties of MRR are sorted by ARR (no index of its own).
    columns = ["customer.mrr"] if sort == "arr" else []
    columns += [SORTS[sort], "customer.id"]
    order = ", ".join(f"{column} {direction}" for column in columns)
    conn = session.connection()
    if check and limit is not None:
        walked = _walked_page(
            conn,
            where,
            {**params, **search_params},
            search_where,
            order,
            limit=limit,
            offset=offset,
        )
        if walked is not None:
            return [typed_row(row) for row in walked]
        # the matches are rare at this end of the order: look rows up in the list
        assert search is not None
        search_where, search_params = search_sql.search_clause(
            conn, search, walk=True, check_rows=False
        )
    if search_where:
        where = f"{where} AND {search_where}"
    params.update(search_params)
    sql = f"SELECT customer.* FROM customer WHERE {where} ORDER BY {order}"
    if limit is not None:
        sql += " LIMIT :limit OFFSET :offset"
        params.update(limit=limit, offset=offset)
    rows = conn.execute(text(sql), params).mappings().all()
    return [typed_row(dict(row)) for row in rows]


def _walked_page(
    conn: Connection,
    where: str,
    params: dict[str, Any],
    check: str,
    order: str,
    *,
    limit: int,
    offset: int,
    budget: int | None = None,
) -> list[dict[str, Any]] | None:
    """A page read by walking the sort's index and checking each row, or
    None when the matches are rarer than expected at this end of the order
    (the walk stops after `budget` rows, by default WALK_BUDGET times the
    rows it should need)."""
    wanted = offset + limit
    if wanted == 0:
        return []
    if budget is None:
        size = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM customer")).scalar_one())
        cap = _list_cap(wanted, size)
        budget = max(WALK_BUDGET * wanted * size // max(cap, 1), WALK_BUDGET * wanted)
    # the walk is a co-routine read in its own order; the outer LIMIT stops it
    found = conn.execute(
        text(
            f"SELECT iq_id FROM (SELECT customer.id AS iq_id, {check} AS iq_hit "
            f"FROM customer WHERE {where} ORDER BY {order} LIMIT :iq_budget) "
            "WHERE iq_hit LIMIT :iq_wanted"
        ),
        {**params, "iq_budget": budget, "iq_wanted": wanted},
    ).all()
    if len(found) < wanted:
        return None
    return _whole_rows(conn, [{"id": int(row[0])} for row in found[offset:]])


# At most this many customers whose name starts with odd characters (not a
# letter or digit, or a non-ASCII letter within the searched word) are
# looked at, and at most this many of them checked one by one, by the
# name-prefix page below; beyond that the general plan is used.
ODD_NAMES = 64
ODD_CHECKS = 8
# At most this many matches outside the start of names are merged into a
# name-prefix page.
OTHER_MATCHES = 5000
# Names starting with the leading words are checked for the other words up
# to this many times the rows of the page; as many names from the start of
# the name order are checked when more than FEW_OTHERS other matches show.
PREFIX_WALK = 20
FEW_OTHERS = 200


def _next_prefix(prefix: str) -> str:
    """The smallest text after every text starting with `prefix` (ASCII)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def _leading_words(
    conn: Connection, words: list[tuple[int, str]], wanted: int
) -> list[tuple[int, str]]:
    """The searched words that start the most names, in name order: the word
    starting the most names, then, while one does, the word most often
    following it (each counted on the name index alone, up to `wanted`)."""

    def starting(prefix: str) -> int:
        return int(
            conn.execute(
                text(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM customer WHERE customer.name_key >= :low "
                    "AND customer.name_key < :high LIMIT :cap) AS starting"
                ),
                {"low": prefix, "high": _next_prefix(prefix), "cap": max(wanted, 1)},
            ).scalar_one()
        )

    lead: list[tuple[int, str]] = []
    while True:
        phrase = " ".join(word for _number, word in lead)
        best = max(
            (
                (starting(f"{phrase} {word}" if phrase else word), -number, word)
                for number, word in words
                if number not in {n for n, _w in lead}
            ),
            default=(0, 0, ""),
        )
        if best[0] == 0:
            return lead
        lead.append((-best[1], best[2]))


# characters no word of a name_key is made of (ASCII below 0x80)
_NOT_WORD = [("", "0"), (":", "a"), ("{", "\x80")]


def _odd_ranges(phrase: str) -> list[tuple[str, str]]:
    """`name_key` ranges holding every name the search index reads as
    starting with `phrase` (words equal, the last one a prefix) that does not
    start with `phrase` itself: punctuation or other characters first or
    between the words, and accented letters within them."""
    ranges = [(low, high) for low, high in _NOT_WORD]  # before the first word
    ranges[-1] = ("{", "\U0010ffff")
    for size in range(1, len(phrase)):
        start = phrase[:size]
        ranges.append((start + "\x80", _next_prefix(start)))
        if phrase[size] == " ":  # a word ends: anything but one space
            ranges += [(start, start + " "), (start + "!", start + "0")]
            ranges += [(start + low, start + high) for low, high in _NOT_WORD[1:]]
        elif phrase[size - 1] == " ":  # more than one space or punctuation
            ranges += [(start + low, start + high) for low, high in _NOT_WORD]
    return ranges


def _name_prefix_page(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    search: search_sql.Search,
    *,
    limit: int,
    offset: int,
    desc: bool = False,
) -> list[dict[str, Any]] | None:
    """A page sorted by name (`desc`: from the end) of a broad search one of
    whose words starts many names, or None (use the general plan).

    Names starting with a searched word sit together in name order: walking
    the name index from "a" would pass every name before them, and sorting
    all the matches costs one row read per match. Instead the page is merged
    from three exact parts, each read in name order:

    - names whose first characters are the word (one `name_key` range of the
      index; the name itself starting with the word in plain ASCII makes the
      word a match, the other words are checked on the row);
    - the other matches (manager, tags, later words of a name), from the
      search index, when there are at most OTHER_MATCHES of them;
    - names starting with characters the search folds differently from
      `name_key` (punctuation, accented letters), checked one by one.

    Any doubt (an unchecked name inside the page, too many odd names, too
    many other matches) falls back to the general plan, so the page always
    equals a plain sort.
    """
    conn = session.connection()
    words = search_sql.name_prefix_words(conn, search)
    if not words or search.match is None:
        return None
    wanted = offset + limit
    if wanted == 0:
        return []
    plain = replace(filters, search=None)
    where, params = filter_sql(session, client_id, plain, sort="name")
    lead = _leading_words(conn, words, wanted)
    if not lead:
        return None  # no name starts with a word: the general walk finds the page
    phrase = " ".join(word for _number, word in lead)
    others_check = search_sql.search_row_check(conn, search, skip={n for n, _word in lead})
    if others_check is None:
        return None
    check, check_params = others_check
    direction = "DESC" if desc else "ASC"
    order = f"ORDER BY customer.name_key {direction}, customer.id {direction} LIMIT :wanted"
    # candidates are merged on these; only the page's rows are read whole
    keys = "customer.id, customer.name_key, customer.name"
    params.update(low=phrase, high=_next_prefix(phrase), wanted=wanted)
    # 1. names starting with the words (whole page in one index range), the
    # other words checked on the row for at most PREFIX_WALK rows a match
    in_range = "customer.name_key >= :low AND customer.name_key < :high"
    budget = {"iq_budget": PREFIX_WALK * wanted}
    starting = conn.execute(
        text(
            f"SELECT id, name_key, name FROM (SELECT {keys}, {check} AS iq_hit "
            f"FROM customer WHERE {where} AND {in_range} "
            f"{order.replace(':wanted', ':iq_budget')}) WHERE iq_hit LIMIT :wanted"
        ),
        {**params, **check_params, **budget},
    ).all()
    if len(starting) < wanted:
        walked = conn.execute(
            text(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM customer WHERE {where} AND {in_range} "
                "LIMIT :iq_budget) AS walked"
            ),
            {**params, **budget},
        ).scalar_one()
        if int(walked) == budget["iq_budget"]:
            return None  # the other words are rare among these names
    rows: dict[int, dict[str, Any]] = {}
    for found in starting:
        row = {"id": found[0], "name_key": found[1], "name": found[2]}
        start = str(row["name"])[: len(phrase)]
        if not (start.isascii() and start.lower() == phrase):
            # its name_key starts with the word but the name itself does not
            # (e.g. a character casefolding turns into ASCII): ask the search
            # index the general way
            return None
        rows[int(row["id"])] = row
    # 2. every other match, when there are few
    lead_numbers = [n for n, _word in lead]
    others = search_sql.search_outside_name_start(conn, search, lead_numbers, FEW_OTHERS)
    if others is None:
        # other matches are many: they may fill the page from the start of
        # the name order, as a short walk checking rows tells
        whole = search_sql.search_row_check(conn, search)
        if whole is not None:
            walked = _walked_page(
                conn,
                where,
                {**params, **whole[1]},
                whole[0],
                f"customer.name_key {direction}, customer.id {direction}",
                limit=limit,
                offset=offset,
                budget=PREFIX_WALK * wanted,
            )
            if walked is not None:
                return walked
        others = search_sql.search_outside_name_start(conn, search, lead_numbers, OTHER_MATCHES)
        if others is None:
            return None
    if others:
        ids = ", ".join(str(i) for i in others)
        for found in conn.execute(
            text(f"SELECT {keys} FROM customer WHERE {where} AND customer.id IN ({ids}) {order}"),
            params,
        ).all():
            rows[int(found[0])] = {"id": found[0], "name_key": found[1], "name": found[2]}
    merged = sorted(rows.values(), key=lambda r: (r["name_key"], r["id"]), reverse=desc)[:wanted]
    cutoff = (merged[-1]["name_key"], merged[-1]["id"]) if len(merged) == wanted else None

    def before_cutoff(key: tuple[Any, Any]) -> bool:
        """Whether a row with this key comes before the page's last row."""
        return cutoff is None or (key > cutoff if desc else key < cutoff)

    # 3. names whose start `name_key` and the search index may read apart
    odd_ranges = []
    for number, (low, high) in enumerate(_odd_ranges(phrase)):
        odd_ranges.append(
            f"(customer.name_key >= :odd_low_{number} AND customer.name_key < :odd_high_{number})"
        )
        params[f"odd_low_{number}"] = low
        params[f"odd_high_{number}"] = high
    params["wanted"] = ODD_NAMES
    # one index range each (an OR of them would scan the whole index)
    ranges = " UNION ALL ".join(
        f"SELECT * FROM (SELECT {keys}, {number} AS iq_range FROM customer "
        f"WHERE {where} AND {odd_range} {order})"
        for number, odd_range in enumerate(odd_ranges)
    )
    fetched = [dict(found) for found in conn.execute(text(ranges), params).mappings().all()]
    for number in range(len(odd_ranges)):
        batch = [(r["name_key"], r["id"]) for r in fetched if r["iq_range"] == number]
        # the range's rows not looked at come after its last one looked at
        if len(batch) == ODD_NAMES and before_cutoff(min(batch) if desc else max(batch)):
            return None  # more odd names than we look at, some of them inside the page
    for row in fetched:
        del row["iq_range"]
    odd = [
        r for r in fetched if int(r["id"]) not in rows and before_cutoff((r["name_key"], r["id"]))
    ]
    if not odd:
        return _whole_rows(conn, merged[offset:])
    page: list[dict[str, Any]] = []
    checks = 0
    candidates = sorted(
        [(r, True) for r in merged] + [(r, False) for r in odd],
        key=lambda pair: (pair[0]["name_key"], pair[0]["id"]),
        reverse=desc,
    )
    for row, known in candidates:
        if not known:
            checks += 1
            if checks > ODD_CHECKS:
                return None
            if not search_sql.search_matches_customer(conn, search, int(row["id"])):
                continue
        page.append(row)
        if len(page) == wanted:
            break
    return _whole_rows(conn, page[offset:])


def _whole_rows(conn: Connection, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every column of these customers, in this order."""
    if not keys:
        return []
    ids = ", ".join(str(int(row["id"])) for row in keys)
    found = {
        int(row["id"]): dict(row)
        for row in conn.execute(
            text(f"SELECT customer.* FROM customer WHERE customer.id IN ({ids})")
        )
        .mappings()
        .all()
    }
    return [found[int(row["id"])] for row in keys]
