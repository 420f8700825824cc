"""Reading the current alerts (`alert_current`, kept by `current`): listed as
`derive.derive_alerts` lists them — most severe first, then by MRR, name and
category — with snoozes and dismissals joined from `alert_state`, and the
MRR exposure summed from them. Every reader makes the table current first
(`current.ensure_current`), so `alerts list`, `alerts exposure` and the
Alerts screen show the same alerts and the same figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import Select
from sqlmodel import Session

from iqcadence.core.alerts import current
from iqcadence.core.alerts.derive import (
    CATEGORIES,
    EXPOSURE_SEVERITIES,
    SEVERITY_RANK,
    Alert,
    derive_alerts,
)
from iqcadence.core.alerts.exposure import mrr_exposure
from iqcadence.core.base import clock
from iqcadence.core.store import dialect
from iqcadence.core.store.models.alerts import AlertState

ALERTS = current.ALERTS
STATES = AlertState.__table__  # type: ignore[attr-defined]
# what an alert row is read with: its columns and the person's decision about it
COLUMNS = (
    ALERTS.c.customer_id,
    ALERTS.c.customer_name,
    ALERTS.c.manager,
    ALERTS.c.category,
    ALERTS.c.severity,
    ALERTS.c.reason,
    ALERTS.c.mrr,
    ALERTS.c.data,
    STATES.c.state,
    STATES.c.snoozed_until,
)
JOINED = ALERTS.outerjoin(
    STATES,
    and_(STATES.c.customer_id == ALERTS.c.customer_id, STATES.c.category == ALERTS.c.category),
)
EXPOSED_RANKS = tuple(SEVERITY_RANK[name] for name in EXPOSURE_SEVERITIES)


def hidden(now: datetime) -> ColumnElement[bool]:
    """An alert dismissed, or snoozed past `now` (rows joined to their state)."""
    return or_(
        STATES.c.state == "dismissed",
        and_(STATES.c.snoozed_until.is_not(None), STATES.c.snoozed_until > now),
    )


def shown(now: datetime) -> ColumnElement[bool]:
    """The opposite of `hidden` (an alert without a state row is shown)."""
    return or_(
        STATES.c.customer_id.is_(None),
        and_(
            STATES.c.state != "dismissed",
            or_(STATES.c.snoozed_until.is_(None), STATES.c.snoozed_until <= now),
        ),
    )


def in_order(conn: Connection, query: Select[Any]) -> Select[Any]:
    """`derive.sort_key` as SQL: severity, MRR (largest first), name
    (case-folded, by code point on every engine), category."""
    name: ColumnElement[Any] = ALERTS.c.sort_name
    if not dialect.is_sqlite(conn):
        name = name.collate("C")
    return query.order_by(ALERTS.c.severity_rank, ALERTS.c.mrr_order, name, ALERTS.c.category_rank)


def to_alert(row: Any, now: datetime) -> Alert:
    """An alert as `derive_alerts` gives it, from a row of COLUMNS."""
    alert = Alert(
        customer_id=int(row.customer_id),
        customer=str(row.customer_name),
        manager=row.manager,
        category=str(row.category),
        severity=str(row.severity),
        reason=str(row.reason),
        mrr=row.mrr,
        data=dict(row.data or {}),
    )
    if row.state == "dismissed":
        alert.dismissed = True
    elif row.snoozed_until is not None and row.snoozed_until > now:
        alert.snoozed_until = row.snoozed_until
    return alert


def list_alerts(
    session: Session,
    client_id: int,
    *,
    customer_ids: Sequence[int] | None = None,
    manager: str | None = None,
    category: str | None = None,
    severity: str | None = None,
    include_snoozed: bool = False,
    include_dismissed: bool = False,
) -> list[Alert]:
    """The client's current alerts, filtered as `derive.derive_alerts`
    filters them, most severe first."""
    if not current.ensure_current(session, client_id):
        return derive_alerts(
            session,
            client_id,
            customer_ids=customer_ids,
            manager=manager,
            category=category,
            severity=severity,
            include_snoozed=include_snoozed,
            include_dismissed=include_dismissed,
        )
    conn = session.connection()
    now = clock.now()
    query = select(*COLUMNS).select_from(JOINED).where(ALERTS.c.client_id == client_id)
    if customer_ids is not None:
        query = query.where(ALERTS.c.customer_id.in_(list(customer_ids)))
    if manager:
        query = query.where(func.lower(ALERTS.c.manager) == manager.strip().lower())
    if category is not None:
        query = query.where(ALERTS.c.category == category)
    if severity is not None:
        query = query.where(ALERTS.c.severity == severity)
    out: list[Alert] = []
    for row in conn.execute(in_order(conn, query)):
        alert = to_alert(row, now)
        if alert.dismissed and not include_dismissed:
            continue
        if alert.snoozed_until is not None and not include_snoozed:
            continue
        out.append(alert)
    return out


def exposure(session: Session, client_id: int, *, manager: str | None = None) -> dict[str, Any]:
    """MRR exposure now (`exposure.mrr_exposure` shape): snoozed and
    dismissed alerts still count. Summed by the database, so every reader
    (this one query) gets the same figures."""
    if not current.ensure_current(session, client_id):
        alerts = derive_alerts(
            session, client_id, manager=manager, include_snoozed=True, include_dismissed=True
        )
        return mrr_exposure(alerts)
    conn = session.connection()
    where = [ALERTS.c.client_id == client_id, ALERTS.c.severity_rank.in_(EXPOSED_RANKS)]
    if manager:
        where.append(func.lower(ALERTS.c.manager) == manager.strip().lower())
    # a customer's MRR is on each of its alerts: counted once overall
    exposed = (
        select(func.min(ALERTS.c.mrr_order).label("mrr_order"))
        .where(*where)
        .group_by(ALERTS.c.customer_id)
        .subquery()
    )
    total, customers = conn.execute(
        select(func.sum(exposed.c.mrr_order), func.count()).select_from(exposed)
    ).one()
    by_category = {
        CATEGORIES[int(rank)]: (float(summed), int(count))
        for rank, summed, count in conn.execute(
            select(ALERTS.c.category_rank, func.sum(ALERTS.c.mrr_order), func.count())
            .where(*where)
            .group_by(ALERTS.c.category_rank)
        )
    }
    return {
        "total_mrr": _money(total),
        "customers": int(customers),
        "by_category": {
            category: {
                "mrr": _money(by_category[category][0]),
                "customers": by_category[category][1],
            }
            for category in CATEGORIES
            if category in by_category
        },
    }


def _money(mrr_order_sum: Any) -> float:
    """A sum of `mrr_order` (minus the MRR) as the MRR rounded to cents."""
    return round(0.0 - float(mrr_order_sum or 0.0), 2) + 0.0
