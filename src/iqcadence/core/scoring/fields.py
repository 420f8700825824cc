"""The standard customer fields a person can set, and how a value is read.

One table of fields serves `score` options, `customers edit --set FIELD=VALUE`,
CSV import and the TUI forms, so every path accepts and refuses the same
values with the same sentence. Parsers take typed values or text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.formula import (
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    SIGNAL_BOUNDS,
    TIERS,
)

TIER_ALIASES: dict[str, str] = {
    "smb": "smb",
    "small": "smb",
    "smallbusiness": "smb",
    "mid": "mid",
    "midmarket": "mid",
    "mm": "mid",
    "mid-market": "mid",
    "enterprise": "enterprise",
    "ent": "enterprise",
}
LIFECYCLE_ALIASES: dict[str, str] = {
    "onboarding": "onboarding",
    "active": "active",
    "atrisk": "atrisk",
    "risk": "atrisk",
    "won": "won",
    "wonupsold": "won",
    "upsold": "won",
    "churned": "churned",
    "churn": "churned",
}
GROWTH_ALIASES: dict[str, str] = {
    "strong": "strong",
    "high": "strong",
    "mild": "mild",
    "moderate": "mild",
    "medium": "mild",
    "none": "none",
    "no": "none",
    "low": "none",
    "na": "na",
    "n/a": "na",
    "notapplicable": "na",
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(field: str, value: Any) -> str | None:
    if is_blank(value):
        return None
    return str(value).strip()


def parse_choice(
    field: str, value: Any, allowed: tuple[str, ...], aliases: dict[str, str] | None = None
) -> str | None:
    if is_blank(value):
        return None
    text = str(value).strip()
    key = _key(text)
    lookup = aliases or {}
    found = lookup.get(key) or lookup.get(text.casefold())
    if found is None and key in allowed:
        found = key
    if found is None and text.casefold() in allowed:
        found = text.casefold()
    if found is None:
        raise InvalidValue(f"{field}: {text!r} is not one of {', '.join(allowed)}.")
    return found


def parse_number(
    field: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    integer: bool = False,
) -> float | int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidValue(f"{field}: expected a number, got {value!r}.")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace(",", "").replace("_", "")
        if text.endswith("%"):
            text = text[:-1].strip()
        try:
            number = float(text)
        except ValueError:
            raise InvalidValue(f"{field}: expected a number, got {str(value)!r}.") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InvalidValue(f"{field}: expected a finite number, got {value!r}.")
    if integer and not number.is_integer():
        raise InvalidValue(f"{field}: expected a whole number, got {value!r}.")
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise InvalidValue(f"{field}: must be between {minimum:g} and {maximum:g}, got {number:g}.")
    if minimum is not None and number < minimum:
        raise InvalidValue(f"{field}: must be at least {minimum:g}, got {number:g}.")
    if maximum is not None and number > maximum:
        raise InvalidValue(f"{field}: must be at most {maximum:g}, got {number:g}.")
    if integer:
        return int(number)
    return number


_MONEY_SUFFIX = {"k": 1_000.0, "m": 1_000_000.0}


def parse_money(field: str, value: Any) -> float | None:
    """A non-negative amount; `$5,000`, `€900` and `1.2k` are accepted."""
    if isinstance(value, str):
        text = value.strip().lstrip("$€£¥").strip()
        multiplier = _MONEY_SUFFIX.get(text[-1:].lower())
        if multiplier is not None and text[:-1].strip()[-1:].isdigit():
            scaled = parse_number(field, text[:-1], minimum=0)
            return None if scaled is None else round(float(scaled) * multiplier, 2)
        value = text
    number = parse_number(field, value, minimum=0)
    return None if number is None else float(number)


def parse_date(field: str, value: Any) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    for fmt in ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidValue(f"{field}: {text!r} is not a date; use YYYY-MM-DD.")


def parse_tags(field: str, value: Any) -> list[str]:
    if is_blank(value):
        return []
    if isinstance(value, list | tuple):
        parts = [str(p) for p in value]
    else:
        parts = re.split(r"[|,]", str(value))
    seen: dict[str, str] = {}
    for part in parts:
        tag = part.strip()
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


def parse_signal(signal: str, value: Any) -> Any:
    """A signal value, validated against its bounds (growth: a word)."""
    if signal == "growth":
        return parse_choice("growth", value, GROWTH_VALUES, GROWTH_ALIASES)
    minimum, maximum, integer = SIGNAL_BOUNDS[signal]
    return parse_number(signal, value, minimum=minimum, maximum=maximum, integer=integer)


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, choice, money, date, tags, signal, score
    parse: Callable[[Any], Any]
    help: str


def _choice(name: str, allowed: tuple[str, ...], aliases: dict[str, str]) -> FieldSpec:
    return FieldSpec(
        name, "choice", lambda v: parse_choice(name, v, allowed, aliases), " | ".join(allowed)
    )


def _text(name: str, help_text: str) -> FieldSpec:
    return FieldSpec(name, "text", lambda v: parse_text(name, v), help_text)


def parse_email(field: str, value: Any) -> str | None:
    """An e-mail address: one @ with text on both sides and no spaces."""
    text = parse_text(field, value)
    if text is None:
        return None
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(c.isspace() for c in text):
        raise InvalidValue(f"{field}: {text!r} is not an e-mail address (like ana@example.com).")
    return text


def _date(name: str) -> FieldSpec:
    return FieldSpec(name, "date", lambda v: parse_date(name, v), "YYYY-MM-DD")


def _signal(name: str, help_text: str) -> FieldSpec:
    return FieldSpec(name, "signal", lambda v: parse_signal(name, v), help_text)


def _score(value: Any) -> float | None:
    number = parse_number("score", value, minimum=0, maximum=100)
    return None if number is None else float(number)


FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        _text("name", "the customer's name (unique, case-insensitive)"),
        _text("website", "https://…"),
        _text("domain", "example.com"),
        FieldSpec("email", "text", lambda v: parse_email("email", v), "main contact e-mail"),
        _text("phone", "main phone"),
        _text("industry", "free text"),
        _text("notes", "free text"),
        _choice("tier", TIERS, TIER_ALIASES),
        _choice("lifecycle", LIFECYCLES, LIFECYCLE_ALIASES),
        _text("manager", "the primary CSM"),
        FieldSpec("mrr", "money", lambda v: parse_money("mrr", v), "monthly revenue ≥ 0"),
        FieldSpec("arr", "money", lambda v: parse_money("arr", v), "annual revenue ≥ 0"),
        _date("renewal_date"),
        _date("customer_since"),
        _date("next_touch"),
        _date("last_contact_date"),
        FieldSpec("tags", "tags", lambda v: parse_tags("tags", v), "a,b or a|b"),
        _choice("sentiment", SENTIMENTS, {s: s for s in SENTIMENTS}),
        _text("scoring_profile", "a profile name, or empty for the global weights"),
        _signal("logins", "logins in the last 30 days, ≥ 0"),
        _signal("adoption", "feature adoption %, 0–100"),
        _signal("tickets", "open support tickets, ≥ 0"),
        _signal("nps", "0–10"),
        _signal("csat", "1–5"),
        _signal("days", "days since last contact, ≥ 0"),
        _signal("growth", "strong | mild | none | na"),
        FieldSpec("score", "score", _score, "0–100 sets a manual override; empty clears it"),
    )
}

# Fields `customers edit --set` accepts beyond FIELDS (none today); status
# changes go through archive / trash / restore so they are audited as such.
EDITABLE: tuple[str, ...] = tuple(FIELDS)


def parse_field(field: str, value: Any) -> Any:
    spec = FIELDS.get(field)
    if spec is None:
        raise InvalidValue(f"unknown field {field!r}; fields are {', '.join(FIELDS)}.")
    return spec.parse(value)


def parse_assignment(text: str) -> tuple[str, str]:
    """`FIELD=VALUE` → (field, value)."""
    if "=" not in text:
        raise InvalidValue(f"--set {text!r}: expected FIELD=VALUE.")
    field, value = text.split("=", 1)
    return field.strip().lower(), value
