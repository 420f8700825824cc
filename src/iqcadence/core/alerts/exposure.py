"""MRR exposure: what is at stake in the accounts with a critical or warning alert."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from iqcadence.core.alerts.derive import CATEGORIES, EXPOSURE_SEVERITIES, Alert


def mrr_exposure(alerts: Iterable[Alert]) -> dict[str, Any]:
    """Total MRR of customers with a critical or warning alert (each customer
    counted once), and the same by category (a customer counts once in every
    category it alerts in, so categories may add up to more than the total).

    Shape: {"total_mrr", "customers", "by_category": {category: {"mrr", "customers"}}}.
    """
    customers: dict[int, float] = {}
    by_category: dict[str, dict[int, float]] = {}
    for alert in alerts:
        if alert.severity not in EXPOSURE_SEVERITIES:
            continue
        mrr = float(alert.mrr or 0.0)
        customers[alert.customer_id] = mrr
        by_category.setdefault(alert.category, {})[alert.customer_id] = mrr
    return {
        "total_mrr": round(sum(customers.values()), 2),
        "customers": len(customers),
        "by_category": {
            category: {
                "mrr": round(sum(by_category[category].values()), 2),
                "customers": len(by_category[category]),
            }
            for category in CATEGORIES
            if category in by_category
        },
    }
