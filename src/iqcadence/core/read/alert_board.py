"""The Alerts screen's read model: alerts grouped by category, severity or
customer, with the MRR exposure, read from the current alerts
(`alerts.current`): the counts and the exposure cover every alert, and only
the most severe few hundred are read, a page per group, through indexes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection
from sqlmodel import Session

from iqcadence.core.alerts import current, current_reads
from iqcadence.core.alerts.current_reads import ALERTS, COLUMNS, JOINED, STATES
from iqcadence.core.alerts.derive import (
    CATEGORIES,
    SEVERITIES,
    Alert,
    derive_alerts,
    group_alerts,
    sort_key,
)
from iqcadence.core.alerts.exposure import mrr_exposure
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor

# Hidden alerts are few: found from their decisions (the alerts joined to them).
_HIDDEN = STATES.join(
    ALERTS,
    and_(ALERTS.c.customer_id == STATES.c.customer_id, ALERTS.c.category == STATES.c.category),
)
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
    # grouping → group → how many alerts the group holds in all (customer
    # groups: the listed customers, each listed whole)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    customers: int = 0  # customers with an alert in all

    @property
    def truncated(self) -> bool:
        return len(self.alerts) < self.total


def alert_board(
    session: Session,
    actor: Actor,
    *,
    show_hidden: bool = False,
    per_group: int = PER_GROUP,
    customer_groups: int = CUSTOMER_GROUPS,
    progress: Callable[[int, int], None] | None = None,
) -> AlertBoard:
    """Current alerts (snoozed/dismissed ones too when asked) and the MRR
    exposure; listed: the `per_group` most severe of each category and
    severity, and every alert of the `customer_groups` customers whose
    alerts come first (most severe, then most MRR).

    When the current alerts are stale (a new day, changed settings) they are
    worked out first; `progress(done, total)` follows that, a chunk of
    customers at a time. When they cannot be (a read-only database, another
    program's long write), the board is made from a derivation instead.
    """
    client_id = actor.client_id
    if not current.ensure_current(session, client_id, progress=progress):
        found = derive_alerts(session, client_id, include_snoozed=True, include_dismissed=True)
        return board_of(found, show_hidden, per_group, customer_groups)
    conn = session.connection()
    now = clock.now()
    by_pair = _counts(conn, client_id, now, show_hidden)
    counts: dict[str, dict[str, int]] = {"category": {}, "severity": {}, "customer": {}}
    for (category_rank, severity_rank), count in sorted(by_pair.items()):
        category, severity = CATEGORIES[category_rank], SEVERITIES[severity_rank]
        counts["category"][category] = counts["category"].get(category, 0) + count
        counts["severity"][severity] = counts["severity"].get(severity, 0) + count
    counts["category"] = {k: counts["category"][k] for k in CATEGORIES if k in counts["category"]}
    counts["severity"] = {k: counts["severity"][k] for k in SEVERITIES if k in counts["severity"]}

    def page(*conditions: Any, limit: int) -> list[Alert]:
        query = select(*COLUMNS).select_from(JOINED).where(ALERTS.c.client_id == client_id)
        query = query.where(*conditions)
        if not show_hidden:
            query = query.where(current_reads.shown(now))
        rows = conn.execute(current_reads.in_order(conn, query).limit(limit))
        return [current_reads.to_alert(row, now) for row in rows]

    groups: dict[str, dict[str, list[Any]]] = {
        "category": {
            category: page(ALERTS.c.category_rank == CATEGORIES.index(category), limit=per_group)
            for category in counts["category"]
        },
        "severity": {
            severity: page(ALERTS.c.severity_rank == SEVERITIES.index(severity), limit=per_group)
            for severity in counts["severity"]
        },
    }
    # A customer's first alert in this order is its most severe: the first
    # rows name the first customers. A customer has a few alerts, so a few
    # rows per customer wanted usually do; else read as many as it may take
    # (one alert per category each).
    chosen: list[int] = []
    for per_customer in (3, len(CATEGORIES)):
        first = page(limit=customer_groups * per_customer)
        chosen = list(dict.fromkeys(alert.customer_id for alert in first))[:customer_groups]
        if len(chosen) == customer_groups or len(first) < customer_groups * per_customer:
            break
    theirs: dict[int, list[Alert]] = {cid: [] for cid in chosen}
    if chosen:
        for alert in page(ALERTS.c.customer_id.in_(chosen), limit=len(chosen) * len(CATEGORIES)):
            theirs[alert.customer_id].append(alert)
    groups["customer"] = {items[0].customer: items for items in theirs.values() if items}
    counts["customer"] = {name: len(items) for name, items in groups["customer"].items()}
    kept: dict[tuple[int, str], Alert] = {}
    for grouped in groups.values():
        for items in grouped.values():
            for alert in items:
                kept.setdefault((alert.customer_id, alert.category), alert)
    return AlertBoard(
        alerts=sorted(kept.values(), key=sort_key),
        exposure=current_reads.exposure(session, client_id),
        total=sum(counts["severity"].values()),
        groups=groups,
        counts=counts,
        customers=_customers(conn, client_id, now, show_hidden),
    )


def board_of(
    alerts: list[Alert], show_hidden: bool, per_group: int, customer_groups: int
) -> AlertBoard:
    """The board made from every alert in hand (in `sort_key` order), as
    `alert_board` reads it from the current alerts."""
    shown = [alert for alert in alerts if show_hidden or not alert.hidden]
    groups: dict[str, dict[str, list[Any]]] = {}
    counts: dict[str, dict[str, int]] = {}
    for by in ("category", "severity"):
        grouped = group_alerts(shown, by)
        counts[by] = {key: len(items) for key, items in grouped.items()}
        groups[by] = {key: items[:per_group] for key, items in grouped.items()}
    by_customer = group_alerts(shown, "customer")
    groups["customer"] = dict(list(by_customer.items())[:customer_groups])
    counts["customer"] = {name: len(items) for name, items in groups["customer"].items()}
    kept = {
        (alert.customer_id, alert.category): alert
        for grouped in groups.values()
        for items in grouped.values()
        for alert in items
    }
    return AlertBoard(
        alerts=sorted(kept.values(), key=sort_key),
        exposure=mrr_exposure(alerts),
        total=len(shown),
        groups=groups,
        counts=counts,
        customers=len(by_customer),
    )


def _counts(
    conn: Connection, client_id: int, now: Any, show_hidden: bool
) -> dict[tuple[int, int], int]:
    """Alerts by (category rank, severity rank): all of them from the index,
    less the hidden ones (few) unless they are shown."""
    found = {
        (int(c), int(s)): int(n)
        for c, s, n in conn.execute(
            select(ALERTS.c.category_rank, ALERTS.c.severity_rank, func.count())
            .where(ALERTS.c.client_id == client_id)
            .group_by(ALERTS.c.category_rank, ALERTS.c.severity_rank)
        )
    }
    if not show_hidden:
        for c, s, n in conn.execute(
            select(ALERTS.c.category_rank, ALERTS.c.severity_rank, func.count())
            .select_from(_HIDDEN)
            .where(STATES.c.client_id == client_id, current_reads.hidden(now))
            .group_by(ALERTS.c.category_rank, ALERTS.c.severity_rank)
        ):
            found[(int(c), int(s))] -= int(n)
    return {pair: count for pair, count in found.items() if count}


def _customers(conn: Connection, client_id: int, now: Any, show_hidden: bool) -> int:
    """Customers with an alert listed: all of them, less those whose every
    alert is hidden (unless hidden ones are shown)."""
    each = select(ALERTS.c.customer_id).where(ALERTS.c.client_id == client_id)
    everyone = int(
        conn.execute(
            select(func.count()).select_from(each.group_by(ALERTS.c.customer_id).subquery())
        ).scalar_one()
    )
    if show_hidden:
        return everyone
    hidden_of: dict[int, int] = {
        int(cid): int(n)
        for cid, n in conn.execute(
            select(ALERTS.c.customer_id, func.count())
            .select_from(_HIDDEN)
            .where(STATES.c.client_id == client_id, current_reads.hidden(now))
            .group_by(ALERTS.c.customer_id)
        )
    }
    if not hidden_of:
        return everyone
    totals: dict[int, int] = {
        int(cid): int(n)
        for cid, n in conn.execute(
            select(ALERTS.c.customer_id, func.count())
            .where(ALERTS.c.customer_id.in_(list(hidden_of)))
            .group_by(ALERTS.c.customer_id)
        )
    }
    return everyone - len([cid for cid, n in hidden_of.items() if totals.get(cid) == n])


__all__ = ["CUSTOMER_GROUPS", "GROUPINGS", "PER_GROUP", "AlertBoard", "alert_board"]
