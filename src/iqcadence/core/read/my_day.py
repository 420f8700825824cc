"""My day: what the acting user should look at today.

"My" accounts are the active customers where the user is the primary owner
or a co-owner, or whose `manager` equals the user's name or e-mail (any
case) — so portfolios assigned before owners existed still count. With
`everyone=True` the whole client's active portfolio is used instead.

Sections (all over "my" accounts unless said otherwise):

* tasks: the user's own open tasks overdue and due today (any account);
* renewals: renewal date from today up to the widest renewal window
  (default 90 days), each labelled with its window (critical ≤ 30,
  warning ≤ 60, upcoming ≤ 90 by default), soonest first;
* cadence: accounts past their tier's contact cadence (due soon or overdue
  days, SPEC §4) — an account without a tier counts as overdue after the
  quiet-after days — most days since contact first;
* score drops: the biggest falls over the last 7 days (momentum < 0);
* KPIs: accounts by band (plus unscored), total MRR, revenue at risk (MRR
  of Critical + At Risk), expansion opportunity (MRR × expansion % of the
  Expansion band);
* alerts: `my_alerts`, the slot the alerts capability fills.

Everything is a few indexed SQL queries, so it stays quick on large
portfolios.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from iqcadence.core.accounts import history
from iqcadence.core.accounts.customers import RISK_BANDS
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.scoring.formula import BANDS, ScoringConfig
from iqcadence.core.store import dialect, settings
from iqcadence.core.store.models import User

LIST_LIMIT = 25
DROPS_LIMIT = 5


def scope_sql(
    session: Session, actor: Actor, *, everyone: bool = False
) -> tuple[str, dict[str, Any]]:
    """WHERE clause (over `customer`) selecting the user's active accounts."""
    params: dict[str, Any] = {"client_id": actor.client_id}
    clause = "customer.client_id = :client_id AND customer.status = 'active'"
    if everyone:
        return clause, params
    user = session.exec(select(User).where(User.email == actor.email)).first()
    names = {actor.email.lower()}
    if user is not None and user.name.strip():
        names.add(user.name.strip().lower())
    placeholders = []
    for index, name in enumerate(sorted(names)):
        params[f"me_{index}"] = name
        placeholders.append(f":me_{index}")
    params["me_email"] = actor.email
    clause += (
        " AND (customer.id IN (SELECT o.customer_id FROM customer_owner o "
        'JOIN "user" u ON u.id = o.user_id '
        "WHERE u.email = :me_email AND o.role IN ('primary', 'co_owner')) "
        f"OR LOWER(customer.manager) IN ({', '.join(placeholders)}))"
    )
    return clause, params


def my_alerts(
    session: Session, actor: Actor, customer_ids: Sequence[int], today: date
) -> list[dict[str, Any]]:
    """The current alerts on these accounts (snoozed and dismissed ones left
    out), as `alerts list --json` objects, most severe first."""
    from iqcadence.core.alerts.derive import derive_alerts

    if not customer_ids:
        return []
    found = derive_alerts(session, actor.client_id, today=today, customer_ids=list(customer_ids))
    return [alert.to_dict() for alert in found]


def build(
    session: Session, actor: Actor, *, everyone: bool = False, today: date | None = None
) -> dict[str, Any]:
    """The whole My day as one JSON-ready dict (see the module doc)."""
    from iqcadence.core.accounts import tasks

    today = today or clock.today()
    config = settings.load_scoring_config(session, actor.client_id)
    where, params = scope_sql(session, actor, everyone=everyone)
    conn = session.connection()
    ids = [int(r[0]) for r in conn.execute(text(f"SELECT id FROM customer WHERE {where}"), params)]
    overdue = tasks.list_tasks(session, actor, mine=True, due="overdue", today=today)
    due_today = tasks.list_tasks(session, actor, mine=True, due="today", today=today)
    return {
        "user": actor.email,
        "date": today.isoformat(),
        "scope": "everyone" if everyone else "mine",
        "accounts": len(ids),
        "tasks": {
            "overdue": tasks.task_dicts(session, overdue),
            "due_today": tasks.task_dicts(session, due_today),
        },
        "renewals": renewals(session, where, params, config, today),
        "cadence": past_cadence(session, where, params, config, today),
        "score_drops": score_drops(session, where, params, today),
        "kpis": kpis(session, where, params, config),
        "alerts": my_alerts(session, actor, ids, today),
    }


def renewal_window(config: ScoringConfig, days: int) -> str | None:
    """The narrowest renewal window (critical, warning, upcoming by default)
    holding a renewal `days` away; None when it is past or beyond them all."""
    windows = sorted(config.renewal_windows.items(), key=lambda kv: kv[1])
    return next((name for name, limit in windows if 0 <= days <= limit), None)


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
                "renewal_date": row["renewal_date"].isoformat(),
                "days": days,
                "window": window,
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
                f"SELECT customer.name, customer.tier, customer.mrr, customer.score, "
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


def kpis(
    session: Session, where: str, params: dict[str, Any], config: ScoringConfig
) -> dict[str, Any]:
    result = session.connection().execute(
        text(
            "SELECT customer.band, COUNT(*), COALESCE(SUM(customer.mrr), 0) "
            f"FROM customer WHERE {where} GROUP BY customer.band"
        ),
        params,
    )
    by_band = dict.fromkeys((*BANDS, "unscored"), 0)
    mrr_by_band: dict[str, float] = {}
    for band, count, mrr in result:
        key = band or "unscored"
        by_band[key] = by_band.get(key, 0) + int(count)
        mrr_by_band[key] = mrr_by_band.get(key, 0.0) + float(mrr)
    expansion_mrr = mrr_by_band.get("expansion", 0.0)
    return {
        "accounts": sum(by_band.values()),
        "by_band": by_band,
        "total_mrr": round(sum(mrr_by_band.values()), 2),
        "revenue_at_risk": round(sum(mrr_by_band.get(b, 0.0) for b in RISK_BANDS), 2),
        "expansion_opportunity": round(expansion_mrr * config.expansion_pct / 100, 2),
        "expansion_pct": config.expansion_pct,
    }


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
