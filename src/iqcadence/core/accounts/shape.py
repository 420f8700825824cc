"""The documented JSON object of a customer, shared by the CLI, the API and reports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from iqcadence.core.base import clock
from iqcadence.core.scoring.formula import effective_days
from iqcadence.core.store.models import Customer


def customer_to_dict(
    row: dict[str, Any] | Customer, *, today: date | None = None, momentum: float | None = None
) -> dict[str, Any]:
    """The documented JSON object of a customer (`customers list/show --json`)."""
    data = row if isinstance(row, dict) else row.model_dump()
    today = today or clock.today()
    tags = [t for t in (data.get("tags") or "").split("|") if t]
    renewal = data.get("renewal_date")
    return {
        "id": data["id"],
        "name": data["name"],
        "score": data.get("score"),
        "band": data.get("band"),
        "score_source": "manual" if data.get("score_manual") else "computed",
        "mrr": data.get("mrr"),
        "arr": data.get("arr"),
        "tier": data.get("tier"),
        "lifecycle": data.get("lifecycle"),
        "status": data.get("status"),
        "manager": data.get("manager"),
        "tags": tags,
        "renewal_date": renewal.isoformat() if renewal else None,
        "days_to_renewal": (renewal - today).days if renewal else None,
        "sentiment": data.get("sentiment"),
        "scoring_profile": data.get("scoring_profile"),
        "momentum": momentum,
        "signals": {
            "logins": data.get("logins"),
            "adoption": data.get("adoption"),
            "tickets": data.get("tickets"),
            "nps": data.get("nps"),
            "csat": data.get("csat"),
            "days": effective_days(data.get("days_baseline"), data.get("days_as_of"), today),
            "growth": data.get("growth"),
        },
        "website": data.get("website"),
        "domain": data.get("domain"),
        "email": data.get("email"),
        "phone": data.get("phone"),
        "industry": data.get("industry"),
        "notes": data.get("notes"),
        "customer_since": _iso(data.get("customer_since")),
        "next_touch": _iso(data.get("next_touch")),
        "last_contact_date": _iso(data.get("last_contact_date")),
        "updated_at": _iso(data.get("updated_at")),
    }


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value.isoformat())
