"""The Alerts screen's read model: alerts grouped by category, severity or
customer, with the MRR exposure, derived a chunk of customers at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.base.actor import Actor

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
