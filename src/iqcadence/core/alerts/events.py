"""The seven event types of SPEC §4, detected by comparing a customer before
and after a change (or between two observations in time).

event                parameter (default)  fires when (before → after)
-------------------  -------------------  -------------------------------------------------
health_below         threshold (50)       score was unknown or ≥ threshold, now < threshold
became_at_risk       —                    band moves into At Risk or Critical from another
renewal_approaching  days (30)            renewal was not within N days (or was another
                                          date), now is within N days
no_contact           days (14)            days since contact was ≤ N or unknown, now > N
nps_detractor        —                    NPS was unknown or 7–10, now 0–6
lifecycle_change     —                    lifecycle moves to atrisk or churned
rapid_score_drop     points (15)          score fell by more than N points in one change

A brand-new customer has an empty "before": its first state can fire events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.formula import BAND_LABELS, effective_days

# event -> (parameter name, default) ; None when the event takes no parameter
EVENT_TYPES: dict[str, tuple[str, float] | None] = {
    "health_below": ("threshold", 50),
    "became_at_risk": None,
    "renewal_approaching": ("days", 30),
    "no_contact": ("days", 14),
    "nps_detractor": None,
    "lifecycle_change": None,
    "rapid_score_drop": ("points", 15),
}
RISK_BANDS = ("at_risk", "critical")
FACT_KEYS = ("score", "band", "lifecycle", "nps", "days", "renewal_date", "renewal_days")


@dataclass(frozen=True)
class EventSpec:
    type: str
    param: float | None = None

    def label(self) -> str:
        return self.type if self.param is None else f"{self.type}:{self.param:g}"

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "param": self.param}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EventSpec:
        param = data.get("param")
        return cls(str(data["type"]), None if param is None else float(param))


@dataclass(frozen=True)
class Event:
    """One detected occurrence: which event, why, and the values around it."""

    spec: EventSpec
    reason: str
    before: dict[str, Any]
    after: dict[str, Any]


def parse_event(text: str) -> EventSpec:
    """`health_below:50`, `became_at_risk`, `renewal_approaching:45` ..."""
    raw = text.strip()
    name, _, value = raw.partition(":")
    name = name.strip().lower().replace("-", "_")
    if name not in EVENT_TYPES:
        raise InvalidValue(f"--event: {name!r} is not one of {', '.join(EVENT_TYPES)}.")
    spec = EVENT_TYPES[name]
    if spec is None:
        if value.strip():
            raise InvalidValue(f"--event {raw!r}: {name} takes no parameter.")
        return EventSpec(name)
    if not value.strip():
        return EventSpec(name, float(spec[1]))
    try:
        number = float(value)
    except ValueError:
        raise InvalidValue(
            f"--event {raw!r}: the {spec[0]} must be a number, e.g. {name}:{spec[1]:g}."
        ) from None
    if number < 0 or number != number:
        raise InvalidValue(f"--event {raw!r}: the {spec[0]} must not be negative.")
    if name == "health_below" and number > 100:
        raise InvalidValue(f"--event {raw!r}: the threshold must be between 0 and 100.")
    return EventSpec(name, number)


def event_facts(row: Mapping[str, Any] | None, today: date) -> dict[str, Any]:
    """The values events compare, from a customer's column values (empty for
    a customer that did not exist)."""
    if not row:
        return {}
    renewal = row.get("renewal_date")
    if isinstance(renewal, str):
        renewal = date.fromisoformat(renewal[:10])
    as_of = row.get("days_as_of")
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of[:10])
    return {
        "score": row.get("score"),
        "band": row.get("band"),
        "lifecycle": row.get("lifecycle"),
        "nps": row.get("nps"),
        "days": effective_days(row.get("days_baseline"), as_of, today),
        "renewal_date": renewal.isoformat() if renewal else None,
        "renewal_days": (renewal - today).days if renewal else None,
    }


def detect(spec: EventSpec, before: Mapping[str, Any], after: Mapping[str, Any]) -> Event | None:
    """The event, if the move from `before` to `after` fires it."""
    reason = _REASONS[spec.type](spec.param, before, after)
    if reason is None:
        return None
    return Event(spec=spec, reason=reason, before=dict(before), after=dict(after))


def _health_below(p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    assert p is not None
    old, new = b.get("score"), a.get("score")
    if new is not None and new < p and (old is None or old >= p):
        was = f" (was {old:.1f})" if old is not None else ""
        return f"score {new:.1f} dropped below {p:g}{was}."
    return None


def _became_at_risk(_p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    old, new = b.get("band"), a.get("band")
    if new in RISK_BANDS and old not in RISK_BANDS:
        was = f" from {BAND_LABELS[old]}" if old in BAND_LABELS else ""
        return f"moved into {BAND_LABELS[new]}{was} (score {a.get('score')})."
    return None


def _renewal(p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    assert p is not None
    new = a.get("renewal_days")
    if new is None or not 0 <= new <= p:
        return None
    old = b.get("renewal_days")
    was_within = (
        old is not None and 0 <= old <= p and b.get("renewal_date") == a.get("renewal_date")
    )
    if was_within:
        return None
    return f"renewal on {a.get('renewal_date')} is {new} days away (within {p:g})."


def _no_contact(p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    assert p is not None
    old, new = b.get("days"), a.get("days")
    if new is not None and new > p and (old is None or old <= p):
        return f"no contact for {new} days (more than {p:g})."
    return None


def _nps_detractor(_p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    old, new = b.get("nps"), a.get("nps")
    if new is not None and new <= 6 and (old is None or old > 6):
        was = f" (was {old})" if old is not None else ""
        return f"NPS {new} is now a detractor{was}."
    return None


def _lifecycle(_p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    old, new = b.get("lifecycle"), a.get("lifecycle")
    if new in ("atrisk", "churned") and new != old:
        return f"lifecycle moved {old or 'new'} → {new}."
    return None


def _rapid_drop(p: float | None, b: Mapping[str, Any], a: Mapping[str, Any]) -> str | None:
    assert p is not None
    old, new = b.get("score"), a.get("score")
    if old is not None and new is not None and old - new > p:
        return f"score fell {old - new:.1f} points at once ({old:.1f} → {new:.1f})."
    return None


_REASONS = {
    "health_below": _health_below,
    "became_at_risk": _became_at_risk,
    "renewal_approaching": _renewal,
    "no_contact": _no_contact,
    "nps_detractor": _nps_detractor,
    "lifecycle_change": _lifecycle,
    "rapid_score_drop": _rapid_drop,
}
