"""The field table of the condition language: each field's kind, operators
and allowed words (with their aliases), and the language's operators and
keywords."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from iqcadence.core.scoring.fields import (
    GROWTH_ALIASES,
    LIFECYCLE_ALIASES,
    TIER_ALIASES,
)
from iqcadence.core.scoring.formula import (
    BANDS,
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    STATUSES,
    TIERS,
)

OPERATORS: tuple[str, ...] = ("=", "!=", "<", "<=", ">", ">=", "contains", "in")
ORDER_OPERATORS: tuple[str, ...] = ("<", "<=", ">", ">=")
CADENCE_STATUSES: tuple[str, ...] = ("ok", "due_soon", "overdue")
KEYWORDS: frozenset[str] = frozenset({"and", "or", "not", "in", "contains"})

BAND_ALIASES: dict[str, str] = {
    "critical": "critical",
    "atrisk": "at_risk",
    "at_risk": "at_risk",
    "risk": "at_risk",
    "watch": "watch",
    "healthy": "healthy",
    "expansion": "expansion",
}
CADENCE_ALIASES: dict[str, str] = {
    "ok": "ok",
    "duesoon": "due_soon",
    "due_soon": "due_soon",
    "soon": "due_soon",
    "overdue": "overdue",
}


@dataclass(frozen=True)
class FieldDef:
    """One field of the language: its kind and, for choices, the allowed words."""

    name: str
    kind: str  # number, choice, text, tags, date
    help: str
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] | None = None
    ordered: bool = False  # choices have an order (band, cadence_status)

    @property
    def operators(self) -> tuple[str, ...]:
        if self.kind in ("number", "date") or self.ordered:
            return ("=", "!=", "<", "<=", ">", ">=", "in")
        if self.kind in ("text", "tags"):
            return ("=", "!=", "contains", "in")
        return ("=", "!=", "in")


def _number(name: str, help_text: str) -> FieldDef:
    return FieldDef(name, "number", help_text)


FIELDS: dict[str, FieldDef] = {
    f.name: f
    for f in (
        _number("score", "health score 0–100"),
        FieldDef("band", "choice", "health band", BANDS, BAND_ALIASES, ordered=True),
        FieldDef("tier", "choice", "tier", TIERS, TIER_ALIASES),
        FieldDef("lifecycle", "choice", "lifecycle stage", LIFECYCLES, LIFECYCLE_ALIASES),
        FieldDef("status", "choice", "record status", STATUSES),
        _number("logins", "logins in the last 30 days"),
        _number("adoption", "feature adoption %"),
        _number("tickets", "open support tickets"),
        _number("nps", "NPS 0–10"),
        _number("csat", "CSAT 1–5"),
        _number("days", "days since last contact (with decay)"),
        FieldDef("growth", "choice", "growth", GROWTH_VALUES, GROWTH_ALIASES),
        _number("mrr", "monthly recurring revenue"),
        _number("arr", "annual recurring revenue"),
        _number("momentum", "score now minus 7 days ago"),
        FieldDef(
            "cadence_status",
            "choice",
            "contact cadence",
            CADENCE_STATUSES,
            CADENCE_ALIASES,
            ordered=True,
        ),
        _number("renewal_within", "days until the renewal date"),
        FieldDef("tags", "tags", "the customer's tags"),
        FieldDef("manager", "text", "primary owner / CSM"),
        FieldDef("sentiment", "choice", "sentiment", SENTIMENTS),
        FieldDef("name", "text", "customer name"),
        FieldDef("renewal_date", "date", "renewal date"),
        FieldDef("last_contact_date", "date", "date of the last contact"),
    )
}
FIELD_NAMES: tuple[str, ...] = tuple(FIELDS)
