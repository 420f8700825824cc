"""The eight alert categories of SPEC §4, derived from the current data.

category    severity      fires when (setting names in brackets, defaults after them)
----------  ------------  ---------------------------------------------------------------
health      critical      band Critical
            warning       band At Risk
tickets     critical      open tickets ≥ [tickets_critical] 5
            warning       open tickets ≥ [tickets_warning] 3
engagement  attention     logins fell ≥ [engagement_drop_pct] 40 % against the previous
                          snapshot, or adoption < [adoption_low] 20 %
renewal     critical      renewal within the critical window [renewal_critical] 30 days and
                          score < [renewal_critical_below] 50
            warning       within the critical window with a better score, or within the
                          warning window [renewal_warning] 60 days
            attention     within the upcoming window [renewal_upcoming] 90 days
quiet       warning       days since contact past the tier's overdue cadence
                          [cadence_TIER] enterprise 21, mid 30, smb 45
            attention     days since contact ≥ [quiet_after] 30
momentum    warning       score fell ≥ [momentum_points] 10 points in 7 days
sentiment   warning       sentiment negative, or NPS a detractor (0–6)
expansion   opportunity   band Expansion and growth strong (estimate: MRR × [expansion_pct] 20 %)

Only customers with status `active` and a lifecycle other than `churned`
get alerts. A customer has at most one alert per category (the most severe).
Snoozed and dismissed alerts are left out unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.alerts.config import AlertConfig, load_alert_config
from iqcadence.core.base import clock
from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY, money
from iqcadence.core.scoring.formula import effective_days
from iqcadence.core.store import display

CATEGORIES: tuple[str, ...] = (
    "health",
    "tickets",
    "engagement",
    "renewal",
    "quiet",
    "momentum",
    "sentiment",
    "expansion",
)
SEVERITIES: tuple[str, ...] = ("critical", "warning", "attention", "opportunity")
SEVERITY_RANK: dict[str, int] = {name: rank for rank, name in enumerate(SEVERITIES)}
EXPOSURE_SEVERITIES: tuple[str, ...] = ("critical", "warning")


@dataclass
class Alert:
    """One alert: who, what, how bad, why (in words and in numbers)."""

    customer_id: int
    customer: str
    manager: str | None
    category: str
    severity: str
    reason: str
    mrr: float | None
    data: dict[str, Any] = field(default_factory=dict)
    snoozed_until: datetime | None = None
    dismissed: bool = False

    @property
    def hidden(self) -> bool:
        return self.dismissed or self.snoozed_until is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "customer_id": self.customer_id,
            "manager": self.manager,
            "category": self.category,
            "severity": self.severity,
            "reason": self.reason,
            "mrr": self.mrr,
            "snoozed_until": (
                self.snoozed_until.isoformat(timespec="minutes") if self.snoozed_until else None
            ),
            "dismissed": self.dismissed,
            "data": self.data,
        }


def check_category(category: str) -> str:
    from iqcadence.core.base.errors import InvalidValue

    value = category.strip().lower()
    if value == "quiet_accounts":
        value = "quiet"
    if value not in CATEGORIES:
        raise InvalidValue(f"category: {category!r} is not one of {', '.join(CATEGORIES)}.")
    return value


def check_severity(severity: str) -> str:
    from iqcadence.core.base.errors import InvalidValue

    value = severity.strip().lower()
    if value not in SEVERITIES:
        raise InvalidValue(f"severity: {severity!r} is not one of {', '.join(SEVERITIES)}.")
    return value


# --- the rules, one customer at a time ------------------------------------------------


def alerts_for_row(
    row: dict[str, Any],
    config: AlertConfig,
    today: date,
    *,
    momentum: float | None = None,
    previous_logins: int | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> list[Alert]:
    """Every alert one customer (a row of column values) has today; amounts
    in its reasons are shown with `currency`."""
    if row.get("status", "active") != "active" or row.get("lifecycle") == "churned":
        return []
    found: list[Alert] = []

    def add(category: str, severity: str, reason: str, **data: Any) -> None:
        found.append(
            Alert(
                customer_id=int(row["id"]),
                customer=str(row["name"]),
                manager=row.get("manager"),
                category=category,
                severity=severity,
                reason=reason,
                mrr=row.get("mrr"),
                data=data,
            )
        )

    score, band = row.get("score"), row.get("band")
    name = row["name"]
    if band in ("critical", "at_risk"):
        add(
            "health",
            "critical" if band == "critical" else "warning",
            f"{name} is {label('band', band)} with a score of {score:.1f}.",
            score=score,
            band=band,
        )

    tickets = row.get("tickets")
    if tickets is not None and tickets >= config.tickets_warning:
        critical = tickets >= config.tickets_critical
        limit = config.tickets_critical if critical else config.tickets_warning
        add(
            "tickets",
            "critical" if critical else "warning",
            f"{tickets} open support tickets (alert at {limit} or more).",
            tickets=tickets,
            threshold=limit,
        )

    logins, adoption = row.get("logins"), row.get("adoption")
    drop = _login_drop(previous_logins, logins)
    if drop is not None and drop >= config.engagement_drop_pct:
        add(
            "engagement",
            "attention",
            f"logins fell {drop:.0f}% from {previous_logins} to {logins} since the previous "
            "snapshot.",
            logins=logins,
            previous_logins=previous_logins,
            drop_pct=round(drop, 1),
        )
    elif adoption is not None and adoption < config.adoption_low:
        add(
            "engagement",
            "attention",
            f"feature adoption is {adoption:g}% (below {config.adoption_low:g}%).",
            adoption=adoption,
            threshold=config.adoption_low,
        )

    renewal = row.get("renewal_date")
    if renewal is not None:
        days_left = (renewal - today).days
        windows = config.renewal_windows
        if 0 <= days_left <= windows["upcoming"]:
            low_score = score is not None and score < config.renewal_critical_below
            if days_left <= windows["critical"] and low_score:
                severity, why = "critical", f" with a score of {score:.1f}"
            elif days_left <= windows["warning"]:
                severity, why = "warning", ""
            else:
                severity, why = "attention", ""
            when = "today" if days_left == 0 else f"in {days_left} days"
            add(
                "renewal",
                severity,
                f"renews {when} on {renewal.isoformat()}{why}.",
                renewal_date=renewal.isoformat(),
                days_to_renewal=days_left,
                score=score,
            )

    days = effective_days(row.get("days_baseline"), row.get("days_as_of"), today)
    if days is not None:
        tier = row.get("tier")
        overdue = config.cadence[tier][1] if tier in config.cadence else None
        if overdue is not None and days > overdue:
            add(
                "quiet",
                "warning",
                f"no contact for {days} days, past the "
                f"{label('tier', str(tier))} cadence of {overdue} days.",
                days=days,
                overdue_after=overdue,
            )
        elif days >= config.quiet_after:
            add(
                "quiet",
                "attention",
                f"no contact for {days} days (quiet after {config.quiet_after}).",
                days=days,
                quiet_after=config.quiet_after,
            )

    if momentum is not None and -momentum >= config.momentum_points:
        add(
            "momentum",
            "warning",
            f"score fell {-momentum:.1f} points in 7 days.",
            momentum=momentum,
            threshold=config.momentum_points,
        )

    nps, sentiment = row.get("nps"), row.get("sentiment")
    if sentiment == "negative" or (nps is not None and nps <= 6):
        parts = []
        if sentiment == "negative":
            parts.append("sentiment is negative")
        if nps is not None and nps <= 6:
            parts.append(f"NPS {nps} is a detractor")
        add(
            "sentiment",
            "warning",
            _sentence(" and ".join(parts)),
            sentiment=sentiment,
            nps=nps,
        )

    if band == "expansion" and row.get("growth") == "strong":
        mrr = row.get("mrr")
        estimate = round(mrr * config.expansion_pct / 100, 2) if mrr else None
        amount = money(round(estimate), currency=currency) if estimate else ""
        extra = f"; estimated expansion {amount}/month" if estimate else ""
        add(
            "expansion",
            "opportunity",
            f"Expansion band (score {score:.1f}) with strong growth{extra}.",
            score=score,
            expansion_estimate=estimate,
        )
    return found


def _login_drop(previous: int | None, current: int | None) -> float | None:
    if previous is None or current is None or previous <= 0:
        return None
    return (previous - current) / previous * 100


# --- many customers at once ---------------------------------------------------------


def derive_alerts(
    session: Session,
    client_id: int,
    *,
    today: date | None = None,
    now: datetime | None = None,
    customer_ids: Sequence[int] | None = None,
    manager: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    include_snoozed: bool = False,
    include_dismissed: bool = False,
    config: AlertConfig | None = None,
) -> list[Alert]:
    """The current alerts of a client, most severe first (then by MRR).

    `customer_ids` limits the work to those customers (the Customer 360 and
    the change hook use one id). Snoozed alerts carry `snoozed_until`;
    dismissed ones `dismissed=True`; both are left out unless asked for.
    """
    today = today or clock.today()
    now = now or clock.now()
    config = config or load_alert_config(session, client_id)
    rows = _active_rows(session, client_id, customer_ids, manager)
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    whole = customer_ids is None
    momentum = momentum_of(session, client_id, rows, today, whole_client=whole)
    previous = previous_logins(session, rows, client_id=client_id if whole else None)
    states = _states(session, client_id, ids)
    currency = display.currency(session, client_id)
    out: list[Alert] = []
    for row in rows:
        cid = int(row["id"])
        for alert in alerts_for_row(
            row,
            config,
            today,
            momentum=momentum.get(cid),
            previous_logins=previous.get(cid),
            currency=currency,
        ):
            if category is not None and alert.category != category:
                continue
            if severity is not None and alert.severity != severity:
                continue
            state = states.get((cid, alert.category))
            if state is not None:
                kind, until = state
                if kind == "dismissed":
                    alert.dismissed = True
                elif until is not None and until > now:
                    alert.snoozed_until = until
            if alert.dismissed and not include_dismissed:
                continue
            if alert.snoozed_until is not None and not include_snoozed:
                continue
            out.append(alert)
    out.sort(key=sort_key)
    return out


def sort_key(alert: Alert) -> tuple[int, float, str, int]:
    return (
        SEVERITY_RANK[alert.severity],
        -(alert.mrr or 0.0),
        alert.customer.casefold(),
        CATEGORIES.index(alert.category),
    )


def _active_rows(
    session: Session, client_id: int, customer_ids: Sequence[int] | None, manager: str | None
) -> list[dict[str, Any]]:
    from iqcadence.core.store.rows import typed_row

    sql = (
        "SELECT id, name, manager, status, lifecycle, tier, score, band, mrr, tickets, logins, "
        "adoption, nps, sentiment, growth, renewal_date, days_baseline, days_as_of "
        "FROM customer WHERE client_id = :client_id AND status = 'active' "
        "AND lifecycle <> 'churned'"
    )
    params: dict[str, Any] = {"client_id": client_id}
    if manager:
        sql += " AND LOWER(manager) = :manager"
        params["manager"] = manager.strip().lower()
    rows: list[dict[str, Any]] = []
    conn = session.connection()
    if customer_ids is None:
        result = conn.execute(text(sql), params).mappings().all()
        return [typed_row(dict(r)) for r in result]
    # By id: `+ 0` / `|| ''` keep the planner off the client and status indexes,
    # which it otherwise walks whole for a few hundred ids.
    by_id = sql.replace("client_id = :client_id", "client_id + 0 = :client_id").replace(
        "status = 'active'", "status || '' = 'active'"
    )
    for chunk in _chunks(list(customer_ids), 500):
        marks = ", ".join(f":c{i}" for i in range(len(chunk)))
        chunk_params = {**params, **{f"c{i}": cid for i, cid in enumerate(chunk)}}
        result = conn.execute(text(f"{by_id} AND id IN ({marks})"), chunk_params).mappings().all()
        rows.extend(typed_row(dict(r)) for r in result)
    return rows


def momentum_of(
    session: Session,
    client_id: int,
    rows: Sequence[dict[str, Any]],
    today: date,
    *,
    whole_client: bool = False,
) -> dict[int, float | None]:
    """`queries.momentum_for`, in one query when the whole client is wanted."""
    from datetime import timedelta

    from iqcadence.core.accounts.history import MOMENTUM_DAYS, momentum_for

    if not whole_client:
        return momentum_for(session, list(rows), today)
    cutoff = clock.start_of(today - timedelta(days=MOMENTUM_DAYS - 1))
    past: dict[int, float] = {}
    result = session.connection().execute(
        text(
            "SELECT s.customer_id, s.score FROM score_snapshot s "
            "JOIN customer c ON c.id = s.customer_id "
            "WHERE c.client_id = :client_id AND s.taken_at < :moment "
            "AND s.taken_at = (SELECT MAX(s2.taken_at) FROM score_snapshot s2 "
            "WHERE s2.customer_id = s.customer_id AND s2.taken_at < :moment)"
        ),
        {"client_id": client_id, "moment": cutoff},
    )
    for customer_id, score in result:
        if score is not None:
            past[int(customer_id)] = float(score)
    out: dict[int, float | None] = {}
    for row in rows:
        cid = int(row["id"])
        old, now_score = past.get(cid), row.get("score")
        out[cid] = (
            round(float(now_score) - old, 1) if old is not None and now_score is not None else None
        )
    return out


def previous_logins(
    session: Session, rows: Sequence[dict[str, Any]], *, client_id: int | None = None
) -> dict[int, int]:
    """Each customer's logins in the previous snapshot: the latest one, unless
    it already records the current logins (then the one before it). With
    `client_id`, one query covers every customer of the client."""
    current = {int(r["id"]): r.get("logins") for r in rows}
    recent: dict[int, dict[int, int | None]] = {}
    conn = session.connection()
    ranked = (
        "SELECT customer_id, logins, position FROM (SELECT s.customer_id, s.logins, "
        "ROW_NUMBER() OVER (PARTITION BY s.customer_id ORDER BY s.taken_at DESC, s.id DESC) "
        "AS position FROM score_snapshot s {join} WHERE {where}) ranked WHERE position <= 2"
    )
    batches: list[tuple[str, dict[str, Any]]] = []
    if client_id is not None:
        batches.append(
            (
                ranked.format(
                    join="JOIN customer c ON c.id = s.customer_id", where="c.client_id = :client_id"
                ),
                {"client_id": client_id},
            )
        )
    else:
        for chunk in _chunks(list(current), 500):
            marks = ", ".join(f":c{i}" for i in range(len(chunk)))
            batches.append(
                (
                    ranked.format(join="", where=f"s.customer_id IN ({marks})"),
                    {f"c{i}": cid for i, cid in enumerate(chunk)},
                )
            )
    for sql, params in batches:
        for customer_id, logins, position in conn.execute(text(sql), params):
            recent.setdefault(int(customer_id), {})[int(position)] = logins
    out: dict[int, int] = {}
    for cid, found in recent.items():
        if cid not in current:
            continue
        latest = found.get(1)
        chosen = found.get(2) if latest == current.get(cid) else latest
        if chosen is not None:
            out[cid] = int(chosen)
    return out


def _states(
    session: Session, client_id: int, ids: Sequence[int]
) -> dict[tuple[int, str], tuple[str, datetime | None]]:
    conn = session.connection()
    count = conn.execute(
        text("SELECT COUNT(*) FROM alert_state WHERE client_id = :c"), {"c": client_id}
    ).scalar_one()
    if not count:
        return {}
    wanted = set(ids)
    out: dict[tuple[int, str], tuple[str, datetime | None]] = {}
    result = conn.execute(
        text(
            "SELECT customer_id, category, state, snoozed_until FROM alert_state "
            "WHERE client_id = :c"
        ),
        {"c": client_id},
    ).all()
    for customer_id, category, state, until in result:
        if int(customer_id) not in wanted:
            continue
        if isinstance(until, str):
            until = datetime.fromisoformat(until)
        out[(int(customer_id), str(category))] = (str(state), until)
    return out


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def group_alerts(alerts: Iterable[Alert], by: str) -> dict[str, list[Alert]]:
    """Alerts grouped by `category`, `severity` or `customer`, in display order."""
    from iqcadence.core.base.errors import InvalidValue

    if by not in ("category", "severity", "customer"):
        raise InvalidValue(f"--group-by: {by!r} is not one of category, severity, customer.")
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(getattr(alert, by), []).append(alert)
    if by == "category":
        return {k: groups[k] for k in CATEGORIES if k in groups}
    if by == "severity":
        return {k: groups[k] for k in SEVERITIES if k in groups}
    return groups


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + "."
