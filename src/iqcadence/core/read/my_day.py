"""My day: what the acting user should look at today, one read model for the
CLI (`myday`) and the app's home screen.

Scope: the user's own accounts (see `scope`); with `everyone=True` the whole
client's active portfolio; with `everyone=None` (the app) the user's own
accounts when they have any, else the whole portfolio (a lone admin's view).

Sections:

* tasks: the user's own open tasks overdue and due today (any account);
* renewals: renewal date from today up to the widest renewal window
  (default 90 days), each labelled with its window, soonest first;
* cadence: accounts past their tier's contact cadence (due soon or overdue
  days, SPEC §4) — an account without a tier counts as overdue after the
  quiet-after days — most days since contact first;
* score drops: the biggest falls over the last 7 days (momentum < 0);
* KPIs (`kpis`);
* alerts: the current alerts of the lowest-scored accounts and of those
  renewing, most severe first (derived for a few hundred accounts, so the
  view stays quick on a large portfolio).

Everything is a few indexed SQL queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import history, tasks
from iqcadence.core.alerts.derive import derive_alerts
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY, money
from iqcadence.core.read.kpis import Kpis, day_kpis
from iqcadence.core.read.scope import scope_sql
from iqcadence.core.scoring.formula import ScoringConfig
from iqcadence.core.store import dialect, display, settings

LIST_LIMIT = 25
DROPS_LIMIT = 5
ALERT_CANDIDATES = 300  # alerts are derived for the riskiest accounts only


@dataclass
class MyDay:
    user: str
    date: date
    mine_only: bool
    kpis: Kpis
    tasks_overdue: list[dict[str, Any]] = field(default_factory=list)
    tasks_due_today: list[dict[str, Any]] = field(default_factory=list)
    renewals: list[dict[str, Any]] = field(default_factory=list)
    cadence: list[dict[str, Any]] = field(default_factory=list)
    score_drops: list[dict[str, Any]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    currency: str = DEFAULT_CURRENCY  # the client's symbol, for the lines people read

    def to_dict(self) -> dict[str, Any]:
        """`myday --json`."""
        return {
            "user": self.user,
            "date": self.date.isoformat(),
            "scope": "mine" if self.mine_only else "everyone",
            "accounts": self.kpis.accounts,
            "tasks": {"overdue": self.tasks_overdue, "due_today": self.tasks_due_today},
            "renewals": self.renewals,
            "cadence": self.cadence,
            "score_drops": self.score_drops,
            "kpis": self.kpis.to_dict(),
            "alerts": self.alerts,
        }


def build(
    session: Session,
    actor: Actor,
    *,
    everyone: bool | None = False,
    today: date | None = None,
) -> MyDay:
    """My day of the acting user (see the module doc for the scope)."""
    today = today or clock.today()
    config = settings.load_scoring_config(session, actor.client_id)
    figures, mine_only = day_kpis(session, actor, config, everyone=everyone)
    where, params = scope_sql(session, actor, everyone=not mine_only)
    day = MyDay(
        user=actor.email,
        date=today,
        mine_only=mine_only,
        kpis=figures,
        currency=display.currency(session, actor.client_id),
    )
    overdue = tasks.list_tasks(session, actor, mine=True, due="overdue", today=today)
    due_today = tasks.list_tasks(session, actor, mine=True, due="today", today=today)
    day.tasks_overdue = tasks.task_dicts(session, overdue)
    day.tasks_due_today = tasks.task_dicts(session, due_today)
    day.renewals = renewals(session, where, params, config, today)
    day.cadence = past_cadence(session, where, params, config, today)
    day.score_drops = score_drops(session, where, params, today)
    day.alerts = my_alerts(session, actor, where, params, day.renewals, today)
    return day


def my_alerts(
    session: Session,
    actor: Actor,
    where: str,
    params: dict[str, Any],
    renewing: list[dict[str, Any]],
    today: date,
) -> list[dict[str, Any]]:
    """The current alerts (snoozed and dismissed ones left out) of the
    lowest-scored accounts in scope and of those renewing, as `alerts list
    --json` objects, most severe first."""
    candidates = {
        int(r[0])
        for r in session.connection().execute(
            text(
                f"SELECT id FROM customer WHERE {where} AND score IS NOT NULL "
                "ORDER BY score, id LIMIT :n"
            ),
            {**params, "n": ALERT_CANDIDATES},
        )
    }
    candidates |= {int(item["customer_id"]) for item in renewing}
    if not candidates:
        return []
    found = derive_alerts(session, actor.client_id, today=today, customer_ids=sorted(candidates))
    return [alert.to_dict() for alert in found]


def renewal_window(config: ScoringConfig, days: int) -> str | None:
    """The narrowest renewal window (critical, warning, upcoming by default)
    holding a renewal `days` away; None when it is past or beyond them all."""
    windows = sorted(config.renewal_windows.items(), key=lambda kv: kv[1])
    return next((name for name, limit in windows if 0 <= days <= limit), None)


def window_label(config: ScoringConfig, window: str | None) -> str | None:
    """A renewal window named by its days ("≤ 30 d", "31–60 d", "61–90 d"
    with the default windows), never by a band word: it says how near the
    renewal is, not how healthy the account is. None for no window."""
    if window is None or window not in config.renewal_windows:
        return None
    lower = 0
    for name, limit in sorted(config.renewal_windows.items(), key=lambda kv: kv[1]):
        if name == window:
            return f"≤ {limit} d" if lower == 0 else f"{lower}–{limit} d"
        lower = limit + 1
    return None


def renewals(
    session: Session,
    where: str,
    params: dict[str, Any],
    config: ScoringConfig,
    today: date,
) -> list[dict[str, Any]]:
    widest = max(config.renewal_windows.values(), default=90)
    rows = _rows(
        session,
        f"{where} AND customer.renewal_date >= :r_from AND customer.renewal_date <= :r_to",
        {**params, "r_from": today, "r_to": today + timedelta(days=widest)},
        "customer.renewal_date, customer.name_key",
    )
    out = []
    for row in rows:
        days = (row["renewal_date"] - today).days
        window = renewal_window(config, days)
        out.append(
            {
                "customer": row["name"],
                "customer_id": int(row["id"]),
                "renewal_date": row["renewal_date"].isoformat(),
                "days": days,
                "window": window,
                "window_label": window_label(config, window),
                "mrr": row["mrr"],
                "score": row["score"],
                "band": row["band"],
            }
        )
    return out


def past_cadence(
    session: Session,
    where: str,
    params: dict[str, Any],
    config: ScoringConfig,
    today: date,
) -> list[dict[str, Any]]:
    conn = session.connection()
    days_sql = dialect.effective_days_sql(conn, today)
    due_cases = " ".join(
        f"WHEN '{tier}' THEN {int(pair[0])}"
        for tier, pair in config.cadence.items()
        if tier.isidentifier()
    )
    due_sql = f"(CASE customer.tier {due_cases} ELSE {int(config.quiet_after)} END)"
    rows = (
        conn.execute(
            text(
                f"SELECT customer.id, customer.name, customer.tier, customer.mrr, customer.score, "
                f"customer.band, {days_sql} AS days FROM customer "
                f"WHERE {where} AND {days_sql} >= {due_sql} "
                f"ORDER BY {days_sql} DESC, customer.name_key LIMIT {LIST_LIMIT}"
            ),
            params,
        )
        .mappings()
        .all()
    )
    out = []
    for row in rows:
        tier = row["tier"]
        due_soon, overdue = config.cadence.get(tier, (config.quiet_after, config.quiet_after))
        days = int(row["days"])
        out.append(
            {
                "customer": row["name"],
                "customer_id": int(row["id"]),
                "tier": tier,
                "days_since_contact": days,
                "due_soon_days": due_soon,
                "overdue_days": overdue,
                "status": "overdue" if days >= overdue else "due_soon",
                "mrr": row["mrr"],
                "band": row["band"],
            }
        )
    return out


def score_drops(
    session: Session, where: str, params: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """The biggest score falls over the last 7 days. Only accounts with a
    snapshot inside the week can have moved, so only those are compared."""
    cutoff = clock.start_of(today - timedelta(days=history.MOMENTUM_DAYS - 1))
    rows = _rows(
        session,
        f"{where} AND customer.score IS NOT NULL AND customer.id IN "
        "(SELECT s.customer_id FROM score_snapshot s WHERE s.taken_at >= :cutoff)",
        {**params, "cutoff": cutoff},
        "customer.id",
        limit=None,
    )
    momentum = history.momentum_for(session, rows, today)
    drops = [
        {
            "customer": row["name"],
            "customer_id": int(row["id"]),
            "score": row["score"],
            "band": row["band"],
            "momentum": momentum[int(row["id"])],
            "mrr": row["mrr"],
        }
        for row in rows
        if (momentum.get(int(row["id"])) or 0) < 0
    ]
    drops.sort(key=lambda d: (d["momentum"], d["customer"].casefold()))
    return drops[:DROPS_LIMIT]


def _rows(
    session: Session,
    where: str,
    params: dict[str, Any],
    order: str,
    *,
    limit: int | None = LIST_LIMIT,
) -> list[dict[str, Any]]:
    sql = (
        "SELECT customer.id, customer.name, customer.mrr, customer.score, customer.band, "
        f"customer.renewal_date FROM customer WHERE {where} ORDER BY {order}"
    )
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    rows = session.connection().execute(text(sql), params).mappings().all()
    out = []
    for row in rows:
        data = dict(row)
        if isinstance(data.get("renewal_date"), str):
            data["renewal_date"] = date.fromisoformat(data["renewal_date"][:10])
        out.append(data)
    return out


# --- the app's lines --------------------------------------------------------------


@dataclass
class DayItem:
    """One line of a My day list: which customer, and what to say about it."""

    customer_id: int
    name: str
    detail: str
    band: str | None = None
    sort_value: float = 0.0


@dataclass
class DayLines:
    tasks: list[DayItem] = field(default_factory=list)
    alerts: list[DayItem] = field(default_factory=list)
    renewals: list[DayItem] = field(default_factory=list)
    quiet: list[DayItem] = field(default_factory=list)
    drops: list[DayItem] = field(default_factory=list)


def day_lines(day: MyDay, *, limit: int = 12) -> DayLines:
    """My day's sections as display lines: which customer, and what to say."""
    lines = DayLines()
    for task in (day.tasks_overdue + day.tasks_due_today)[:limit]:
        when = "overdue" if task["overdue"] else "today"
        lines.tasks.append(
            DayItem(task["customer_id"], task["customer"] or "?", f"{task['title']} ({when})")
        )
    for alert in day.alerts[:limit]:
        detail = f"{label('severity', alert['severity'])}: {alert['reason']}"
        lines.alerts.append(DayItem(int(alert["customer_id"]), str(alert["customer"]), detail))
    for item in day.renewals[:limit]:
        window = item.get("window_label") or label("renewal_window", item["window"])
        amount = money(item["mrr"], currency=day.currency)
        detail = f"renews in {item['days']} d ({window}) · MRR {amount}"
        lines.renewals.append(_item(item, detail))
    for item in day.cadence[:limit]:
        status = label("cadence", item["status"])
        detail = f"{item['days_since_contact']} d without contact ({status})"
        lines.quiet.append(_item(item, detail))
    for item in day.score_drops[:limit]:
        lines.drops.append(_item(item, _drop_text(item)))
    return lines


def _drop_text(item: dict[str, Any]) -> str:
    momentum = item.get("momentum")
    score = item.get("score")
    return f"score {score} ({momentum:+g} in 7 d)" if momentum is not None else f"score {score}"


def _item(item: dict[str, Any], detail: str) -> DayItem:
    return DayItem(int(item["customer_id"]), str(item["customer"]), detail, item.get("band"))
