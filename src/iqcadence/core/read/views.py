"""Read models for the app's screens: band tabs with counts, windowed pages of
customers sorted by any column, fuzzy name lookup, the portfolio KPIs and the
lists of My day, a customer's 30-day trend, and small bulk actions over a
selection (each one goes through `customers.apply_changes` / `set_status`).

Everything here is one or two indexed queries, so a screen stays instant on
100,000 customers: pages come straight from SQL, never from loading every row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from iqcadence.core.accounts import customers
from iqcadence.core.accounts.history import momentum_for
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, IQError, NotFound, PermissionDenied
from iqcadence.core.read.customer_pages import (
    CustomerFilter,
    count_customers,
    filter_sql,
    list_customers,
)
from iqcadence.core.scoring.fields import parse_field
from iqcadence.core.scoring.formula import BANDS, ScoringConfig
from iqcadence.core.store import settings
from iqcadence.core.store.models import Customer
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
    from iqcadence.core.store import dialect

    clause, params = dialect.search_clause(session.connection(), search)
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


def customer_by_id(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.client_id != actor.client_id:
        raise NotFound(f"customer #{customer_id} does not exist (it may have been deleted).")
    return customer


# --- My day and the KPI strip -----------------------------------------------------


@dataclass
class Kpis:
    bands: dict[str, int]
    unscored: int
    accounts: int
    # The MRR figures are None while still being read (see day_kpis' `mrr`).
    total_mrr: float | None
    revenue_at_risk: float | None
    expansion_opportunity: float | None


def owns_accounts(session: Session, actor: Actor) -> bool:
    """Whether the user has active accounts of their own (as primary or
    co-owner, or named as manager): My day then shows those alone.

    Two indexed look-ups instead of one OR-ed scan of every customer (which
    finds nothing for a lone admin only after reading the whole table)."""
    from iqcadence.core.store.models import User

    conn = session.connection()
    owned = conn.execute(
        text(
            'SELECT 1 FROM customer_owner o JOIN "user" u ON u.id = o.user_id '
            "JOIN customer ON customer.id = o.customer_id "
            "WHERE u.email = :email AND o.role IN ('primary', 'co_owner') "
            "AND customer.client_id = :client_id AND customer.status = 'active' LIMIT 1"
        ),
        {"email": actor.email, "client_id": actor.client_id},
    ).first()
    if owned is not None:
        return True
    name = actor.name
    if not name.strip():  # an Actor made without the user's name
        user = session.exec(select(User).where(User.email == actor.email)).first()
        name = user.name if user is not None else ""
    names = {actor.email.lower()}
    if name.strip():
        names.add(name.strip().lower())
    # The distinct managers come from the manager index alone, one seek per
    # manager (a recursive walk from each name to the next, instead of a
    # DISTINCT reading every entry); the match is case-insensitive as in
    # myday.scope_sql.
    managers = [
        str(m)
        for (m,) in conn.execute(
            text(
                "WITH RECURSIVE managers(name) AS ("
                "SELECT MIN(manager) FROM customer UNION ALL "
                "SELECT (SELECT MIN(c.manager) FROM customer c WHERE c.manager > managers.name) "
                "FROM managers WHERE managers.name IS NOT NULL) "
                "SELECT name FROM managers WHERE name IS NOT NULL"
            )
        )
        if str(m).strip().lower() in names
    ]
    if not managers:
        return False
    marks = ", ".join(f":m{i}" for i in range(len(managers)))
    managed = conn.execute(
        text(
            f"SELECT 1 FROM customer WHERE customer.manager IN ({marks}) "
            "AND customer.client_id = :client_id AND customer.status = 'active' LIMIT 1"
        ),
        {"client_id": actor.client_id, **{f"m{i}": m for i, m in enumerate(managers)}},
    ).first()
    return managed is not None


def day_kpis(
    session: Session,
    actor: Actor,
    config: ScoringConfig | None = None,
    *,
    mrr: bool = True,
) -> tuple[Kpis, bool]:
    """The KPI strip of My day and whether it covers the user's own accounts
    (True) or the whole portfolio (False, when they own none).

    This is what the first frame of the app shows, so the whole-portfolio
    figures of a one-client database are read from indexes alone where they
    can be: counts from the (status, band) index, and the MRR figures as
    `mrr_figures` reads them — instead of one pass over every row.
    `mrr=False` leaves the MRR figures of that case out (None): only the
    counts are read, from the one index, for `mrr_figures` to fill in the
    rest later.
    """
    from iqcadence.core.read import my_day as myday

    mine = owns_accounts(session, actor)
    conn = session.connection()
    if not mine and conn.execute(text("SELECT COUNT(*) FROM client")).scalar_one() == 1:
        return _portfolio_kpis(session, actor.client_id, config, mrr), False
    config = config or settings.load_scoring_config(session, actor.client_id)
    where, params = myday.scope_sql(session, actor, everyone=not mine)
    scoped = myday.kpis(session, where, params, config)
    by_band = dict(scoped["by_band"])
    unscored = int(by_band.pop("unscored", 0))
    figures = Kpis(
        bands={band: int(by_band.get(band, 0)) for band in BANDS},
        unscored=unscored,
        accounts=int(scoped["accounts"]),
        total_mrr=float(scoped["total_mrr"]),
        revenue_at_risk=float(scoped["revenue_at_risk"]),
        expansion_opportunity=float(scoped["expansion_opportunity"]),
    )
    return figures, mine


def risk_band_mrr(session: Session) -> dict[str, float]:
    """MRR of the active At Risk, Critical and Expansion accounts by band (all
    clients: for the one-client case of day_kpis)."""
    return {
        str(band): float(mrr)
        for band, mrr in session.connection().execute(
            text(
                "SELECT band, COALESCE(SUM(mrr), 0) FROM customer WHERE status = 'active' "
                "AND band IN ('at_risk', 'critical', 'expansion') GROUP BY band"
            )
        )
    }


def _portfolio_kpis(
    session: Session,
    client_id: int,
    config: ScoringConfig | None,
    mrr: bool = True,
) -> Kpis:
    """Whole-portfolio KPIs of the only client in the database (see day_kpis)."""
    bands, unscored = _active_band_counts(session)
    total, at_risk, expansion = (
        mrr_figures(session, client_id, config) if mrr else (None, None, None)
    )
    return Kpis(
        bands=bands,
        unscored=unscored,
        accounts=sum(bands.values()) + unscored,
        total_mrr=total,
        revenue_at_risk=at_risk,
        expansion_opportunity=expansion,
    )


def _active_band_counts(session: Session) -> tuple[dict[str, int], int]:
    """Active accounts by band, and the others (no band, or one not in
    BANDS): in one row, each a count of a range of the (status, band) index
    (each band's, and those before, between and after them), which reads no
    row and groups nothing — about half the time of a GROUP BY over it."""
    ordered = sorted(BANDS)
    others = (
        ["band IS NULL", "band < :b0"]
        + [f"band > :b{i} AND band < :b{i + 1}" for i in range(len(ordered) - 1)]
        + [f"band > :b{len(ordered) - 1}"]
    )
    conditions = [f"band = :b{i}" for i in range(len(ordered))] + others
    counts = (
        session.connection()
        .execute(
            text(
                "SELECT "
                + ", ".join(
                    f"(SELECT COUNT(*) FROM customer WHERE status = 'active' AND {condition})"
                    for condition in conditions
                )
            ),
            {f"b{i}": band for i, band in enumerate(ordered)},
        )
        .one()
    )
    by_band = {band: int(counts[i]) for i, band in enumerate(ordered)}
    return {band: by_band[band] for band in BANDS}, sum(int(c) for c in counts[len(ordered) :])


def mrr_figures(
    session: Session, client_id: int, config: ScoringConfig | None = None
) -> tuple[float, float, float]:
    """Total MRR, revenue at risk and expansion opportunity of the active
    accounts of the only client (what day_kpis leaves out with `mrr=False`):
    the total from the MRR index less the few inactive rows, and only the At
    Risk, Critical and Expansion rows read for their MRR."""
    conn = session.connection()
    total = float(conn.execute(text("SELECT COALESCE(SUM(mrr), 0) FROM customer")).scalar_one())
    total -= float(
        conn.execute(
            text(
                "SELECT COALESCE(SUM(mrr), 0) FROM customer "
                "WHERE status < 'active' OR status > 'active'"
            )
        ).scalar_one()
    )
    config = config or settings.load_scoring_config(session, client_id)
    by_band = risk_band_mrr(session)
    return (
        round(total, 2),
        round(by_band.get("at_risk", 0.0) + by_band.get("critical", 0.0), 2),
        round(by_band.get("expansion", 0.0) * config.expansion_pct / 100, 2),
    )


@dataclass
class DayItem:
    """One line of a My day list: which customer, and what to say about it."""

    customer_id: int
    name: str
    detail: str
    band: str | None = None
    sort_value: float = 0.0


@dataclass
class MyDay:
    kpis: Kpis
    tasks: list[DayItem] = field(default_factory=list)
    alerts: list[DayItem] = field(default_factory=list)
    renewals: list[DayItem] = field(default_factory=list)
    quiet: list[DayItem] = field(default_factory=list)
    drops: list[DayItem] = field(default_factory=list)
    mine_only: bool = False


ALERT_CANDIDATES = 300  # My day derives alerts for the riskiest accounts only


def my_day(session: Session, actor: Actor, *, today: date | None = None, limit: int = 12) -> MyDay:
    """My day as display lines, from the `myday` sections: the acting user's
    accounts when they own any, else the whole portfolio (a lone admin's view).

    Alerts are derived for the few hundred lowest-scored or soonest-renewing
    accounts only, so the screen stays quick on a large portfolio.
    """
    from iqcadence.core.accounts import tasks
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.read import my_day as myday

    today = today or clock.today()
    config = settings.load_scoring_config(session, actor.client_id)
    figures, mine_only = day_kpis(session, actor, config)
    where, params = myday.scope_sql(session, actor, everyone=not mine_only)
    conn = session.connection()
    renewals = myday.renewals(session, where, params, config, today)
    cadence = myday.past_cadence(session, where, params, config, today)
    drops = myday.score_drops(session, where, params, today)
    candidates = [
        int(r[0])
        for r in conn.execute(
            text(
                f"SELECT id FROM customer WHERE {where} AND score IS NOT NULL "
                "ORDER BY score, id LIMIT :n"
            ),
            {**params, "n": ALERT_CANDIDATES},
        )
    ]
    ids = _ids_by_name(
        session, actor.client_id, [item["customer"] for item in renewals + cadence + drops]
    )
    candidates = sorted(
        set(candidates) | {ids[i["customer"]] for i in renewals if i["customer"] in ids}
    )
    alerts = derive_alerts(session, actor.client_id, today=today, customer_ids=candidates)
    result = MyDay(kpis=figures, mine_only=mine_only)
    overdue = tasks.list_tasks(session, actor, mine=True, due="overdue", today=today)
    due_today = tasks.list_tasks(session, actor, mine=True, due="today", today=today)
    for task in tasks.task_dicts(session, overdue + due_today)[:limit]:
        when = "overdue" if task["overdue"] else "today"
        result.tasks.append(
            DayItem(task["customer_id"], task["customer"] or "?", f"{task['title']} ({when})")
        )
    for alert in alerts[:limit]:
        detail = f"{alert.severity}: {alert.reason}"
        result.alerts.append(DayItem(alert.customer_id, alert.customer, detail))
    for item in renewals[:limit]:
        detail = f"renews in {item['days']} d ({item['window']}) · MRR {_money(item['mrr'])}"
        result.renewals.append(_item(ids, item, detail))
    for item in cadence[:limit]:
        status = str(item["status"]).replace("_", " ")
        detail = f"{item['days_since_contact']} d without contact ({status})"
        result.quiet.append(_item(ids, item, detail))
    for item in drops[:limit]:
        result.drops.append(_item(ids, item, _drop_text(item)))
    return result


def _money(value: Any) -> str:
    return "—" if value is None else f"{float(value):,.0f}"


def _drop_text(item: dict[str, Any]) -> str:
    momentum = item.get("momentum")
    score = item.get("score")
    return f"score {score} ({momentum:+g} in 7 d)" if momentum is not None else f"score {score}"


def _item(ids: dict[str, int], item: dict[str, Any], detail: str) -> DayItem:
    name = str(item["customer"])
    return DayItem(ids.get(name, 0), name, detail, item.get("band"))


def _ids_by_name(session: Session, client_id: int, names: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    unique = sorted(set(names))
    for start in range(0, len(unique), 500):
        chunk = unique[start : start + 500]
        marks = ", ".join(f":n{i}" for i in range(len(chunk)))
        rows = session.connection().execute(
            text(f"SELECT name, id FROM customer WHERE client_id = :cid AND name IN ({marks})"),
            {"cid": client_id, **{f"n{i}": name for i, name in enumerate(chunk)}},
        )
        found.update({str(name): int(cid) for name, cid in rows})
    return found


def trend(session: Session, customer_id: int, *, today: date, days: int = 30) -> list[float]:
    """The score at the end of each of the last `days` days (from snapshots;
    days before the first snapshot are left out)."""
    start = clock.start_of(today - timedelta(days=days - 1))
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT taken_at, score FROM score_snapshot WHERE customer_id = :cid "
                "AND score IS NOT NULL ORDER BY taken_at, id"
            ),
            {"cid": customer_id},
        )
        .all()
    )
    points: list[float] = []
    last: float | None = None
    index = 0
    for offset in range(days):
        day_end = start + timedelta(days=offset + 1)
        while index < len(rows) and _as_datetime(rows[index][0]) < day_end:
            last = float(rows[index][1])
            index += 1
        if last is not None:
            points.append(last)
    return points


def _as_datetime(value: Any) -> Any:
    if isinstance(value, str):
        from datetime import datetime

        return datetime.fromisoformat(value)
    return value


# --- bulk actions over a selection ---------------------------------------------------


@dataclass
class BulkOutcome:
    done: int = 0
    failed: list[str] = field(default_factory=list)

    def summary(self, verb: str) -> str:
        text_ = f"{verb} {self.done} customer{'s' if self.done != 1 else ''}"
        if self.failed:
            text_ += f"; {len(self.failed)} refused ({self.failed[0]})"
        return text_ + "."


def _names(session: Session, actor: Actor, ids: list[int]) -> list[str]:
    return [customer_by_id(session, actor, cid).name for cid in ids]


def bulk_apply(
    session: Session, actor: Actor, ids: list[int], action: str, value: str = ""
) -> BulkOutcome:
    """Apply one action to each selected customer: `rescore`, `tag` (add a
    tag), `lifecycle` (set it), or `archive`. Each customer is its own audited
    change; a refused one (e.g. already archived) is reported, not fatal."""
    actor.require_write()
    if action == "tag":
        tags = parse_field("tags", value)
        if not tags:
            raise InvalidValue("tag: must not be empty.")
    if action == "lifecycle":
        value = str(parse_field("lifecycle", value))
    if action not in ("rescore", "tag", "lifecycle", "archive"):
        raise InvalidValue(
            f"bulk action: {action!r} is not one of rescore, tag, lifecycle, archive."
        )
    outcome = BulkOutcome()
    for name in _names(session, actor, ids):
        try:
            if action == "rescore":
                customers.rescore_one(session, actor, name)
            elif action == "archive":
                customers.set_status(session, actor, name, "archive")
            elif action == "lifecycle":
                customers.apply_changes(
                    session, actor, name, {"lifecycle": value}, create=False, cause="edit"
                )
            else:
                current = customers.get_customer(session, actor, name)
                existing = [t for t in current.tags.split("|") if t]
                merged = existing + [t for t in tags if t not in existing]
                customers.apply_changes(
                    session, actor, name, {"tags": merged}, create=False, cause="edit"
                )
            outcome.done += 1
        except PermissionDenied:
            raise
        except IQError as exc:  # one refused customer must not stop the rest
            session.rollback()
            outcome.failed.append(f"{name}: {exc}")
    return outcome


# --- Customer 360 ----------------------------------------------------------------------

# Standard fields in the order the record shows them (all editable through
# customers.apply_changes; `score` sets or clears a manual override).
RECORD_FIELDS: tuple[str, ...] = (
    "name",
    "tier",
    "lifecycle",
    "manager",
    "mrr",
    "arr",
    "renewal_date",
    "customer_since",
    "next_touch",
    "last_contact_date",
    "tags",
    "sentiment",
    "scoring_profile",
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "notes",
    "logins",
    "adoption",
    "tickets",
    "nps",
    "csat",
    "days",
    "growth",
    "score",
)


@dataclass
class Record:
    """Everything the Customer 360 screen shows, read in one go."""

    customer: Customer
    data: dict[str, Any]  # queries.customer_to_dict shape
    breakdown: dict[str, Any]
    trend: list[float]
    can_edit: bool
    owners: list[dict[str, Any]] = field(default_factory=list)
    custom_fields: list[dict[str, Any]] = field(default_factory=list)
    contacts: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    playbooks: list[dict[str, Any]] = field(default_factory=list)
    recent_signals: list[str] = field(default_factory=list)
    next_action: str | None = None
    timeline_filter: dict[str, str] = field(default_factory=dict)


def field_value(record: Record, name: str) -> Any:
    """The current value of a standard field, as the record shows it."""
    data = record.data
    if name in data.get("signals", {}):
        return data["signals"][name]
    if name == "tags":
        return ", ".join(data.get("tags") or [])
    if name == "score":
        return data.get("score") if data.get("score_source") == "manual" else None
    if name in data:
        return data[name]
    return getattr(record.customer, name, None)


def customer_record(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    today: date | None = None,
    timeline_filter: dict[str, str] | None = None,
) -> Record:
    """The whole record; `timeline_filter` keys: type, contact, days (7/30/90), author."""
    from iqcadence.core.accounts.breakdown import breakdown
    from iqcadence.core.accounts.history import momentum_for
    from iqcadence.core.accounts.shape import customer_to_dict

    today = today or clock.today()
    customer = customer_by_id(session, actor, customer_id)
    config = settings.load_scoring_config(session, actor.client_id)
    row = customers.state_of(customer)
    momentum = momentum_for(session, [row], today).get(customer_id)
    record = Record(
        customer=customer,
        data=customer_to_dict(customer, today=today, momentum=momentum),
        breakdown=breakdown(session, customer, config, today),
        trend=trend(session, customer_id, today=today),
        can_edit=_can_edit(session, actor, customer),
        timeline_filter=dict(timeline_filter or {}),
    )
    for loader in _RECORD_LOADERS:
        try:
            loader(session, actor, record, today)
        except ImportError:  # that capability is not installed in this build
            continue
    return record


def _can_edit(session: Session, actor: Actor, customer: Customer) -> bool:
    try:
        from iqcadence.core.accounts import owners
    except ImportError:
        return actor.can_write
    return owners.can_edit(session, actor, customer)


def _load_owners(session: Session, actor: Actor, record: Record, today: date) -> None:
    from iqcadence.core.accounts import owners

    record.owners = [o.to_dict() for o in owners.owners_of(session, record.customer)]


def _load_custom_fields(session: Session, actor: Actor, record: Record, today: date) -> None:
    from iqcadence.core.accounts import custom_fields

    record.custom_fields = custom_fields.display_values(session, record.customer)


def _load_contacts(session: Session, actor: Actor, record: Record, today: date) -> None:
    from iqcadence.core.accounts import contacts

    record.contacts = contacts.contact_rows(session, actor, record.customer, today=today)


def _load_timeline(session: Session, actor: Actor, record: Record, today: date) -> None:
    from iqcadence.core.accounts import timeline

    wanted = record.timeline_filter
    events = timeline.list_events(
        session,
        actor,
        record.customer,
        kinds=[wanted["type"]] if wanted.get("type") else None,
        contact=wanted.get("contact") or None,
        since=f"{wanted['days']}d" if wanted.get("days") else None,
        author=wanted.get("author") or None,
        limit=200,
    )
    record.timeline = timeline.event_dicts(session, events)
    week_ago = clock.start_of(today - timedelta(days=6))
    recent = timeline.list_events(
        session,
        actor,
        record.customer,
        kinds=["ticket", "product_event", "health_change"],
        since=week_ago,
        limit=20,
    )
    for event in timeline.event_dicts(session, recent):
        record.recent_signals.append(f"{event['at'][:10]} {event['kind']}: {event['title']}")


def _load_playbooks(session: Session, actor: Actor, record: Record, today: date) -> None:
    from iqcadence.core.accounts import playbooks

    runs = playbooks.list_runs(session, actor, record.customer, status="active")
    record.playbooks = playbooks.run_dicts(session, runs)


def _load_next_action(session: Session, actor: Actor, record: Record, today: date) -> None:
    """The customer's current alerts head the last-7-day signals; the same
    alerts feed the suggested next action."""
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.alerts.next_action import suggest

    assert record.customer.id is not None
    found = derive_alerts(
        session,
        actor.client_id,
        today=today,
        customer_ids=[record.customer.id],
        include_snoozed=True,
        include_dismissed=True,
    )
    record.recent_signals[:0] = [f"{a.severity} {a.category}: {a.reason}" for a in found]
    record.next_action = suggest(session, record.customer, today=today, alerts=found).sentence()


_RECORD_LOADERS: list[Any] = [
    _load_owners,
    _load_custom_fields,
    _load_contacts,
    _load_timeline,
    _load_playbooks,
    _load_next_action,
]


# --- Alerts board ----------------------------------------------------------------------


GROUPINGS: tuple[str, ...] = ("category", "severity", "customer")
PER_GROUP = 100  # alerts listed per category or severity group
CUSTOMER_GROUPS = 150  # customers listed when grouped by customer


@dataclass
class AlertBoard:
    """What the Alerts screen lists. A large portfolio has hundreds of
    thousands of alerts: every figure (the exposure, each group's count)
    covers them all, but only the most severe few hundred are listed."""

    alerts: list[Any]  # the listed alerts.derive.Alert, most severe first
    exposure: dict[str, Any]  # alerts.exposure.mrr_exposure shape
    total: int = 0  # alerts in all (listed or not)
    # grouping → group → the group's listed alerts (in display order)
    groups: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    # grouping → group → how many alerts the group holds in all
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    customers: int = 0  # customers with an alert in all

    @property
    def truncated(self) -> bool:
        return len(self.alerts) < self.total


ALERT_CHUNK = 5000  # customers whose alerts are derived at a time


def alert_board(
    session: Session,
    actor: Actor,
    *,
    show_hidden: bool = False,
    today: date | None = None,
    per_group: int = PER_GROUP,
    customer_groups: int = CUSTOMER_GROUPS,
    progress: Callable[[int, int], None] | None = None,
) -> AlertBoard:
    """Current alerts (snoozed/dismissed ones too when asked) and the MRR
    exposure; listed: the `per_group` most severe of each category and
    severity, and every alert of the `customer_groups` customers whose
    alerts come first (most severe, then most MRR).

    The alerts are derived ALERT_CHUNK customers at a time and folded into
    the counts, the exposure and the listed few, so memory stays bounded on
    a large portfolio; `progress(done, total)` is called after each chunk.
    """
    from iqcadence.core.alerts.derive import (
        CATEGORIES,
        EXPOSURE_SEVERITIES,
        SEVERITIES,
        derive_alerts,
        sort_key,
    )

    ids = [
        int(r[0])
        for r in session.connection().execute(
            text(
                "SELECT id FROM customer WHERE client_id = :client_id AND status = 'active' "
                "AND lifecycle <> 'churned' ORDER BY id"
            ),
            {"client_id": actor.client_id},
        )
    ]
    counts: dict[str, dict[str, int]] = {by: {} for by in GROUPINGS}
    listed: dict[str, dict[str, list[Any]]] = {"category": {}, "severity": {}}
    by_customer: dict[int, list[Any]] = {}  # the first customers' alerts
    exposed: dict[int, float] = {}
    exposed_by_category: dict[str, dict[int, float]] = {}
    for start in range(0, len(ids), ALERT_CHUNK):
        chunk = ids[start : start + ALERT_CHUNK]
        found = derive_alerts(
            session,
            actor.client_id,
            today=today,
            customer_ids=chunk,
            include_snoozed=True,
            include_dismissed=True,
        )
        for alert in found:
            if alert.severity in EXPOSURE_SEVERITIES:  # hidden alerts still count here
                mrr = float(alert.mrr or 0.0)
                exposed[alert.customer_id] = mrr
                exposed_by_category.setdefault(alert.category, {})[alert.customer_id] = mrr
            if alert.hidden and not show_hidden:
                continue
            for by in ("category", "severity"):
                key = getattr(alert, by)
                counts[by][key] = counts[by].get(key, 0) + 1
                listed[by].setdefault(key, []).append(alert)
            counts["customer"][alert.customer] = counts["customer"].get(alert.customer, 0) + 1
            by_customer.setdefault(alert.customer_id, []).append(alert)
        for per_key in listed.values():
            for items in per_key.values():
                items.sort(key=sort_key)
                del items[per_group:]
        if len(by_customer) > customer_groups:
            first = sorted(by_customer, key=lambda cid: sort_key(by_customer[cid][0]))
            by_customer = {cid: by_customer[cid] for cid in first[:customer_groups]}
        if progress is not None:
            progress(min(start + ALERT_CHUNK, len(ids)), len(ids))
    listed["category"] = {k: listed["category"][k] for k in CATEGORIES if k in listed["category"]}
    listed["severity"] = {k: listed["severity"][k] for k in SEVERITIES if k in listed["severity"]}
    customers_listed = sorted(by_customer.values(), key=lambda items: sort_key(items[0]))
    groups: dict[str, dict[str, list[Any]]] = dict(listed)
    groups["customer"] = {items[0].customer: items for items in customers_listed}
    kept: dict[int, Any] = {}
    for grouped in groups.values():
        for items in grouped.values():
            for alert in items:
                kept[id(alert)] = alert
    exposure = {
        "total_mrr": round(sum(exposed.values()), 2),
        "customers": len(exposed),
        "by_category": {
            category: {
                "mrr": round(sum(exposed_by_category[category].values()), 2),
                "customers": len(exposed_by_category[category]),
            }
            for category in CATEGORIES
            if category in exposed_by_category
        },
    }
    return AlertBoard(
        alerts=sorted(kept.values(), key=sort_key),
        exposure=exposure,
        total=sum(counts["severity"].values()),
        groups=groups,
        counts=counts,
        customers=len(counts["customer"]),
    )


def alert_action(
    session: Session,
    actor: Actor,
    targets: list[tuple[str, str]],
    action: str,
    period: str | None = None,
) -> BulkOutcome:
    """Snooze (`period` 1d/7d/30d), dismiss or wake each (customer, category)."""
    from iqcadence.core.alerts import state

    if action not in ("snooze", "dismiss", "wake"):
        raise InvalidValue(f"alert action: {action!r} is not one of snooze, dismiss, wake.")
    actor.require_write(f"{action} alerts")
    outcome = BulkOutcome()
    for customer_name, category in targets:
        try:
            if action == "snooze":
                state.snooze(session, actor, customer_name, category, for_period=period)
            elif action == "dismiss":
                state.dismiss(session, actor, customer_name, category)
            else:
                state.wake(session, actor, customer_name, category)
            outcome.done += 1
        except PermissionDenied:
            raise
        except IQError as exc:
            session.rollback()
            outcome.failed.append(f"{customer_name}: {exc}")
    return outcome
