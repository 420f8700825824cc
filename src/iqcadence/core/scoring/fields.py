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
from iqcadence.core.base.text import describe_character, unsafe_character
from iqcadence.core.scoring.aliases import GROWTH_ALIASES as GROWTH_ALIASES
from iqcadence.core.scoring.aliases import LIFECYCLE_ALIASES as LIFECYCLE_ALIASES
from iqcadence.core.scoring.aliases import TIER_ALIASES as TIER_ALIASES
from iqcadence.core.scoring.formula import (
    GROWTH_VALUES,
    LIFECYCLES,
    SENTIMENTS,
    SIGNAL_BOUNDS,
    TIERS,
)

# The limits every path shares (`score`, `customers edit`, CSV import, the TUI
# forms, the CLI's whole-number options) and restore checks a backup against:
# a value beyond them is refused with one sentence, never stored.
NAME_MAX_CHARS = 200  # a name: customer, contact, lead, opportunity, company, field label
LINE_MAX_CHARS = 1_000  # other single-line text: website, phone, manager (titles: 500)
NOTES_MAX_BYTES = 64 * 1024  # notes and other multi-line text, as UTF-8
MONEY_MAX = 10**12  # mrr, arr, an opportunity's amount
COUNT_MAX = 10**9  # logins, tickets, days since contact
NUMBER_MAX = 10**15  # any other number, either sign (a custom number field)
RECORD_ID_MAX = 2**63 - 1  # record ids, --limit and --offset (a 64-bit SQL integer)
DATE_MIN = date(1900, 1, 1)  # any date or time a person gives
DATE_MAX = date(2199, 12, 31)


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_line(field: str, text: str, *, limit: int | None = LINE_MAX_CHARS) -> str:
    """Trimmed single-line `text` as it may be stored: no control characters
    (ESC, NUL, tab, line breaks, U+202E, ...) and at most `limit` characters."""
    bad = unsafe_character(text)
    if bad is not None:
        raise InvalidValue(
            f"{field}: must be one line of text without control characters "
            f"(found {describe_character(bad)})."
        )
    if limit is not None and len(text) > limit:
        raise InvalidValue(f"{field}: must be at most {limit:,} characters, got {len(text):,}.")
    return text


def check_multiline(field: str, text: str) -> str:
    """Multi-line `text` as it may be stored: line breaks as `\\n`, no control
    characters but tab and newline, at most NOTES_MAX_BYTES of UTF-8."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = unsafe_character(text, multiline=True)
    if bad is not None:
        raise InvalidValue(
            f"{field}: must not contain control characters (found {describe_character(bad)})."
        )
    size = len(text.encode("utf-8"))
    if size > NOTES_MAX_BYTES:
        raise InvalidValue(
            f"{field}: must be at most {NOTES_MAX_BYTES // 1024} KiB, got {size / 1024:,.0f} KiB."
        )
    return text


def parse_text(field: str, value: Any, *, limit: int = LINE_MAX_CHARS) -> str | None:
    """Single-line text, trimmed; blank is None."""
    if is_blank(value):
        return None
    return check_line(field, str(value).strip(), limit=limit)


def parse_notes(field: str, value: Any) -> str | None:
    """Multi-line text, trimmed; blank is None."""
    if is_blank(value):
        return None
    return check_multiline(field, str(value).strip())


_LINE_BREAKS = str.maketrans("\t\n\r\v\f", "     ")


def parse_name(field: str, value: Any, *, limit: int = NAME_MAX_CHARS) -> str:
    """A name (or a title): required, whitespace and line breaks collapsed to
    single spaces, no other control characters, at most `limit` characters."""
    text = check_line(field, str(value).translate(_LINE_BREAKS), limit=None)
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidValue(f"{field}: must not be empty.")
    if len(cleaned) > limit:
        raise InvalidValue(f"{field}: must be at most {limit} characters.")
    return cleaned


def check_whole(field: str, value: int, minimum: int, maximum: int = RECORD_ID_MAX) -> int:
    """A whole number someone typed (an id, a --limit) within its bounds."""
    if not minimum <= value <= maximum:
        raise InvalidValue(
            f"{field}: must be between {minimum:,} and {maximum:,}, got {shown_number(value)}."
        )
    return value


def parse_record_id(field: str, value: Any) -> int | None:
    """`12` or `#12` → 12 (a record's number); None when it is not a number."""
    text = str(value).strip().lstrip("#")
    if not (text.isascii() and text.isdigit()):
        return None
    if len(text) > 19:  # more digits than any 64-bit id: no int() of a huge string
        raise InvalidValue(f"{field}: must be between 1 and {RECORD_ID_MAX:,}, got {text[:30]}.")
    return check_whole(field, int(text), 1)


def shown_number(value: float) -> str:
    """A number in a message: grouped digits when whole, else short."""
    if float(value).is_integer() and abs(value) < 1e21:
        whole = int(value)
        return f"{whole:,}" if abs(whole) >= 10_000 else str(whole)
    return f"{value:g}"


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
    cap: float | None = None,
) -> float | int | None:
    """A number within minimum..maximum (its meaning) and under `cap` (a limit
    against absurd values, for quantities with no natural maximum)."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise InvalidValue(f"{field}: expected a number, got {value!r}.")
    if isinstance(value, int | float):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float
            digits = len(str(abs(value)))
            raise InvalidValue(
                f"{field}: expected a finite number, got a {digits}-digit integer."
            ) from None
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
    low = None if minimum is None else shown_number(minimum)
    high = None if maximum is None else shown_number(maximum)
    if minimum is not None and maximum is not None and not minimum <= number <= maximum:
        raise InvalidValue(
            f"{field}: must be between {low} and {high}, got {shown_number(number)}."
        )
    if minimum is not None and number < minimum:
        raise InvalidValue(f"{field}: must be at least {low}, got {shown_number(number)}.")
    if maximum is not None and number > maximum:
        raise InvalidValue(f"{field}: must be at most {high}, got {shown_number(number)}.")
    if cap is not None and number > cap:
        raise InvalidValue(
            f"{field}: must be at most {shown_number(cap)}, got {shown_number(number)}."
        )
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
            if scaled is None:
                return None
            value = round(float(scaled) * multiplier, 2)
        else:
            value = text
    number = parse_number(field, value, minimum=0, cap=MONEY_MAX)
    return None if number is None else float(number)


def check_date(field: str, day: date) -> date:
    """A date within DATE_MIN..DATE_MAX (a year 9999 is a typo, and date
    arithmetic on it overflows)."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise InvalidValue(
            f"{field}: must be between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}, "
            f"got {day.isoformat()}."
        )
    return day


def parse_date(field: str, value: Any) -> date | None:
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return check_date(field, value.date())
    if isinstance(value, date):
        return check_date(field, value)
    text = str(value).strip()
    try:
        return check_date(field, date.fromisoformat(text))
    except ValueError:
        pass
    for fmt in ("%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y", "%b %d %Y", "%Y/%m/%d"):
        try:
            return check_date(field, datetime.strptime(text, fmt).date())
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
        tag = check_line(field, part.strip(), limit=NAME_MAX_CHARS)
        if tag and tag.casefold() not in seen:
            seen[tag.casefold()] = tag
    return list(seen.values())


def parse_signal(signal: str, value: Any) -> Any:
    """A signal value, validated against its bounds (growth: a word)."""
    if signal == "growth":
        return parse_choice("growth", value, GROWTH_VALUES, GROWTH_ALIASES)
    minimum, maximum, integer = SIGNAL_BOUNDS[signal]
    return parse_number(
        signal, value, minimum=minimum, maximum=maximum, integer=integer, cap=COUNT_MAX
    )


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


# A mailbox, then a domain of dotted labels; no spaces, quotes, brackets or
# angle brackets anywhere (`<script>@x.com` is not an address).
_EMAIL = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[\w-]+(?:\.[\w-]+)+")
# A URL scheme (`https:`, `javascript:`), unless it is a host and a port.
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(?!\d)(//)?")
_HOST = re.compile(r"[\w-]+(?:\.[\w-]+)+\.?(?::\d{1,5})?")


def is_email(text: str) -> bool:
    return _EMAIL.fullmatch(text) is not None


def parse_email(field: str, value: Any) -> str | None:
    """An e-mail address: a mailbox, one @ and a dotted domain."""
    text = parse_text(field, value)
    if text is None:
        return None
    if not is_email(text):
        raise InvalidValue(f"{field}: {text!r} is not an e-mail address (like ana@example.com).")
    return text


def website_problem(text: str) -> str | None:
    """Why `text` is not a web address (http, https or a bare domain), or None."""
    rest = text
    scheme = _SCHEME.match(text)
    if scheme is not None:
        if scheme.group(1).lower() not in ("http", "https") or not scheme.group(2):
            return "is not a web address; use https://… or a domain like example.com"
        rest = text[scheme.end() :]
    host = re.split(r"[/?#]", rest, maxsplit=1)[0].rpartition("@")[2]
    if _HOST.fullmatch(host) is None:
        return "has no domain like example.com"
    return None


def parse_website(field: str, value: Any) -> str | None:
    text = parse_text(field, value)
    if text is None:
        return None
    problem = website_problem(text)
    if problem is not None:
        raise InvalidValue(f"{field}: {text!r} {problem}.")
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
        FieldSpec(
            "name",
            "text",
            lambda v: None if is_blank(v) else parse_name("name", v),
            "the customer's name (unique, case-insensitive)",
        ),
        FieldSpec("website", "text", lambda v: parse_website("website", v), "https://…"),
        _text("domain", "example.com"),
        FieldSpec("email", "text", lambda v: parse_email("email", v), "main contact e-mail"),
        _text("phone", "main phone"),
        _text("industry", "free text"),
        FieldSpec("notes", "text", lambda v: parse_notes("notes", v), "free text"),
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
