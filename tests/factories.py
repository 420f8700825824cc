"""Builders for tests: a small, fixed portfolio with score history."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Any

NAMES = (
    "Acme Corp",
    "Zürich Café",
    "Łódź Logistics",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Foods",
    "Hooli",
    "Pied Piper",
    "Soylent",
    "Tyrell Systems",
    "Cyberdyne",
    "Wonka Sweets",
    "Gringotts Bank",
    "Oscorp",
    "Vandelay Imports",
    "Dunder Paper",
)
MANAGERS = ("Sarah", "Miguel", "Aiko")
TIERS = ("smb", "mid", "enterprise")


def customer_values(index: int, day_offset: int) -> dict[str, Any]:
    """Deterministic signals that drift over time for some accounts."""
    drift = (index % 4 - 1) * day_offset  # some fall, some rise, some stay
    return {
        "logins": max(0, min(40, 5 + (index * 7) % 30 + drift // 3)),
        "adoption": max(0, min(100, 20 + (index * 13) % 75 + drift)),
        "tickets": (index * 3) % 6,
        "nps": (index * 5) % 11,
        "days": (index * 11) % 60,
        "growth": ("strong", "mild", "none", "na")[index % 4],
        "mrr": 500 + index * 750,
        "tier": TIERS[index % 3],
        "manager": MANAGERS[index % 3],
        "tags": ["vip", "beta", "emea"][index % 3],
        "renewal_date": (date(2026, 11, 27) + timedelta(days=15 + index * 20)).isoformat(),
        "sentiment": ("positive", "neutral", "negative")[index % 3],
    }


def build_portfolio(session: Any, actor: Any, *, days: int = 30, today: str = "2026-11-27") -> None:
    """Score every customer once a week over `days` days up to `today`."""
    from iqcadence.core.accounts.customers import apply_changes

    end = date.fromisoformat(today)
    saved = os.environ.get("IQCADENCE_TODAY")
    try:
        for back in range(days, -1, -7):
            day = end - timedelta(days=back)
            os.environ["IQCADENCE_TODAY"] = day.isoformat()
            for index, name in enumerate(NAMES):
                apply_changes(session, actor, name, customer_values(index, days - back))
    finally:
        if saved is None:
            os.environ.pop("IQCADENCE_TODAY", None)
        else:
            os.environ["IQCADENCE_TODAY"] = saved
