"""The Customers screen's read model: band tabs with counts, windowed pages
of customers sorted by any column (with momentum), the manager filter's
choices, and the fuzzy name lookup behind ctrl+k.

Everything here is one or two indexed queries, so the screen stays instant on
100,000 customers: pages come straight from SQL, never from loading every row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import customers
from iqcadence.core.accounts.history import momentum_for
from iqcadence.core.base import clock
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.read.customer_counts import count_customers
from iqcadence.core.read.customer_pages import (
    CustomerFilter,
    filter_sql,
    list_customers,
)
from iqcadence.core.scoring.formula import BANDS
from iqcadence.core.store.rows import typed_row

# Band tabs of the Customers screen, in display order: (key, label).
TABS: tuple[tuple[str, str], ...] = (
    ("all", "All"),
    ("healthy", "Healthy"),
    ("watch", "Watch"),
    ("at_risk", "At Risk"),
    ("critical", "Critical"),
    ("expansion", "Expansion"),
    ("churned", "Churned"),
    ("archived", "Archived"),
    ("trash", "Trash"),
)

# Sortable columns → SQL expression (each walks an index).
SORT_COLUMNS: dict[str, str] = {
    "name": "customer.name_key",
    "score": "customer.score",
    "band": "customer.score",
    "mrr": "customer.mrr",
    "arr": "customer.arr",
    "tier": "customer.tier {dir}, customer.score",  # the (tier, score) index
    "manager": "customer.manager",
    "renewal": "customer.renewal_date",
    "lifecycle": "customer.lifecycle",
    "updated": "customer.updated_at",
    "momentum": "",  # computed: see _momentum_page
}


def tab_filter(tab: str, base: CustomerFilter) -> CustomerFilter:
    """The filter of one band tab on top of the user's filters."""
    if tab == "all":
        return replace(base, status="active")
    if tab in BANDS:
        return replace(base, status="active", band=tab)
    if tab == "churned":
        return replace(base, status="active", lifecycle="churned")
    if tab == "archived":
        return replace(base, status="archived")
    if tab == "trash":
        return replace(base, status="trashed")
    raise InvalidValue(f"tab: {tab!r} is not one of {', '.join(k for k, _ in TABS)}.")


def tab_counts(session: Session, client_id: int, base: CustomerFilter) -> dict[str, int]:
    """How many customers each band tab holds under the user's filters (one query)."""
    where, params = filter_sql(session, client_id, replace(base, status=None, band=None))
    rows = session.connection().execute(
        text(
            "SELECT customer.status, customer.band, "
            "CASE WHEN customer.lifecycle = 'churned' THEN 1 ELSE 0 END, COUNT(*) "
            f"FROM customer WHERE {where} GROUP BY 1, 2, 3"
        ),
        params,
    )
    counts = dict.fromkeys((key for key, _ in TABS), 0)
    for status, band, churned, count in rows:
        if status == "archived":
            counts["archived"] += int(count)
        elif status == "trashed":
            counts["trash"] += int(count)
        elif status == "active":
            if base.lifecycle is None or not churned or base.lifecycle == "churned":
                counts["all"] += int(count)
            if band in counts:
                counts[band] += int(count)
            if churned:
                counts["churned"] += int(count)
    return counts


@dataclass
class Page:
    """One window of rows of a sorted, filtered list."""

    rows: list[dict[str, Any]]
    offset: int
    total: int | None = None
    limit: int | None = None  # rows asked for (fewer came: the list ends here)


def customer_page(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    *,
    sort: str = "name",
    desc: bool = False,
    limit: int = 100,
    offset: int = 0,
    today: date | None = None,
    with_total: bool = False,
) -> Page:
    """A window of customers (with momentum) sorted by any column of the table."""
    if sort not in SORT_COLUMNS:
        raise InvalidValue(f"sort: {sort!r} is not one of {', '.join(SORT_COLUMNS)}.")
    if filters.search and filters.search.strip() and sort == "name" and not desc:
        # A search in name order (what typing in the search box shows): the
        # list's own name-prefix plan reads just the page's rows.
        rows = list_customers(session, client_id, filters, limit=limit, offset=max(0, offset))
        return _with_momentum(session, client_id, filters, rows, offset, today, with_total, limit)
    if sort == "momentum":
        rows = _momentum_page(session, client_id, filters, desc, limit, offset, today)
        return _with_momentum(session, client_id, filters, rows, offset, today, with_total, limit)
    where, params = filter_sql(session, client_id, filters)
    # Nearly every row is active, so walking the sort column's index and
    # filtering beats the status index plus a sort of the whole table:
    # `|| ''` keeps the planner off the status/band index (portable SQL).
    paged_where = where.replace(
        "customer.status = :status", "(customer.status || '') = :status"
    ).replace("customer.band = :band", "(customer.band || '') = :band")
    if sort != "name":  # the (client_id, name_key) index only helps the name order
        paged_where = paged_where.replace(
            "customer.client_id = :client_id", "(customer.client_id + 0) = :client_id"
        )
    direction = "DESC" if desc else "ASC"
    column = SORT_COLUMNS[sort].replace("{dir}", direction)
    if filters.search and _few_matches(session, filters.search):
        # A narrow search: fetch its few rows by id and sort them, rather than
        # walk the whole sort index testing each row against the matches.
        column = ", ".join(f"COALESCE({c.strip()}, {c.strip()})" for c in column.split(","))
        paged_where = paged_where.replace(
            "customer.client_id = :client_id", "(customer.client_id + 0) = :client_id"
        )
    order = f"{column} {direction}, customer.id {direction}"
    conn = session.connection()
    rows = [
        typed_row(dict(row))
        for row in conn.execute(
            text(
                f"SELECT customer.* FROM customer WHERE {paged_where} ORDER BY {order} "
                "LIMIT :limit OFFSET :offset"
            ),
            {**params, "limit": limit, "offset": max(0, offset)},
        ).mappings()
    ]
    return _with_momentum(session, client_id, filters, rows, offset, today, with_total, limit)


def _momentum_page(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    desc: bool,
    limit: int,
    offset: int,
    today: date | None,
) -> list[dict[str, Any]]:
    """A page sorted by the 7-day momentum (score now minus the last score
    recorded before the 7-day cutoff, as `queries.momentum_for` computes it).

    No column holds it, so every filtered customer's past score is looked up
    with one seek of the (customer_id, taken_at) snapshot index (the last
    snapshot before the cutoff, the highest id on a tie) and the matches are
    sorted: one pass over the filtered customers, a few hundred milliseconds
    at 100,000. Customers without that much history come last either way.
    """
    from iqcadence.core.accounts.history import MOMENTUM_DAYS

    today = today or clock.today()
    cutoff = clock.start_of(today - timedelta(days=MOMENTUM_DAYS - 1))
    where, params = filter_sql(session, client_id, filters)
    direction = "DESC" if desc else "ASC"
    past = (
        "SELECT s.score FROM score_snapshot s WHERE s.customer_id = customer.id "
        "AND s.taken_at < :cutoff ORDER BY s.taken_at DESC, s.id DESC LIMIT 1"
    )
    # Only (id, momentum) pairs are sorted; whole rows are read for the page alone.
    order = (
        f"CASE WHEN m.momentum IS NULL THEN 1 ELSE 0 END, m.momentum {direction}, m.id {direction}"
    )
    sql = (
        "SELECT customer.* FROM customer JOIN ("
        f"SELECT m.id, m.momentum FROM (SELECT customer.id AS id, customer.score - ({past}) "
        f"AS momentum FROM customer WHERE {where}) AS m ORDER BY {order} "
        "LIMIT :limit OFFSET :offset) AS m ON m.id = customer.id "
        f"ORDER BY {order}"
    )
    rows = session.connection().execute(
        text(sql), {**params, "cutoff": cutoff, "limit": limit, "offset": max(0, offset)}
    )
    return [typed_row(dict(row)) for row in rows.mappings()]


def _with_momentum(
    session: Session,
    client_id: int,
    filters: CustomerFilter,
    rows: list[dict[str, Any]],
    offset: int,
    today: date | None,
    with_total: bool,
    limit: int,
) -> Page:
    moments = momentum_for(session, rows, today)
    for row in rows:
        row["momentum"] = moments.get(int(row["id"]))
    total = count_customers(session, client_id, filters) if with_total else None
    return Page(rows=rows, offset=max(0, offset), total=total, limit=limit)


FEW_MATCHES = 2000


def _few_matches(session: Session, search: str) -> bool:
    """Whether a search matches at most FEW_MATCHES customers (bounded count)."""
    from iqcadence.core.store import search_sql

    clause, params = search_sql.search_clause(session.connection(), search)
    found = session.connection().execute(
        text(f"SELECT COUNT(*) FROM (SELECT 1 FROM customer WHERE {clause} LIMIT :cap) AS m"),
        {**params, "cap": FEW_MATCHES + 1},
    )
    return int(found.scalar_one()) <= FEW_MATCHES


MANAGER_CHOICES = 200  # beyond this many managers the filter is typed, not picked


def managers(session: Session, client_id: int) -> list[str] | None:
    """The managers named on the client's customers, for the manager filter
    (which matches a whole name): read from the manager index alone, each
    checked for this client with one indexed look-up. None when there are
    more than MANAGER_CHOICES."""
    conn = session.connection()
    names = [
        str(m)
        for (m,) in conn.execute(
            text(
                "SELECT DISTINCT customer.manager FROM customer "
                "WHERE customer.manager IS NOT NULL AND customer.manager <> '' "
                "ORDER BY customer.manager LIMIT :cap"
            ),
            {"cap": MANAGER_CHOICES * 4 + 1},
        )
    ]
    if len(names) > MANAGER_CHOICES * 4:
        return None
    mine = [
        name
        for name in names
        if conn.execute(
            text("SELECT 1 FROM customer WHERE manager = :m AND client_id = :c LIMIT 1"),
            {"m": name, "c": client_id},
        ).first()
        is not None
    ]
    return None if len(mine) > MANAGER_CHOICES else sorted(mine, key=str.casefold)


# --- jump to a customer --------------------------------------------------------


@dataclass(frozen=True)
class NameHit:
    id: int
    name: str
    score: float | None
    band: str | None
    status: str


def find_names(session: Session, client_id: int, query: str, *, limit: int = 20) -> list[NameHit]:
    """Customers whose name contains the typed letters in order (fuzzy), best
    first: names starting with the text, then containing it, then the rest."""
    key = customers.name_key(query)
    if not key:
        return []
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    fuzzy = "%" + "%".join(escaped) + "%"
    rows = session.connection().execute(
        text(
            "SELECT id, name, score, band, status FROM customer "
            "WHERE client_id = :client_id AND name_key LIKE :fuzzy ESCAPE '\\' "
            "ORDER BY CASE WHEN name_key LIKE :prefix ESCAPE '\\' THEN 0 "
            "WHEN name_key LIKE :contains ESCAPE '\\' THEN 1 ELSE 2 END, "
            "CASE status WHEN 'active' THEN 0 ELSE 1 END, LENGTH(name_key), name_key "
            "LIMIT :limit"
        ),
        {
            "client_id": client_id,
            "fuzzy": fuzzy,
            "prefix": escaped + "%",
            "contains": "%" + escaped + "%",
            "limit": limit,
        },
    )
    return [
        NameHit(int(r[0]), str(r[1]), None if r[2] is None else float(r[2]), r[3], str(r[4]))
        for r in rows
    ]
