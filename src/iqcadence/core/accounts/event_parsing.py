"""Parsing the values of a timeline event: its kind, its time, the ticket
status and priority aliases, and the `since`/`until` bounds of a listing.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from iqcadence.core.base import clock
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.fields import (
    DATE_MIN,
    check_date,
    check_line,
    check_multiline,
    check_whole,
    is_blank,
)
from iqcadence.core.store.models.customer360 import EVENT_KINDS

LOGGABLE_KINDS: tuple[str, ...] = tuple(k for k in EVENT_KINDS if k != "health_change")
TICKET_STATUS_ALIASES: dict[str, str] = {
    "open": "open",
    "new": "open",
    "reopened": "open",
    "pending": "pending",
    "hold": "pending",
    "onhold": "pending",
    "waiting": "pending",
    "solved": "solved",
    "closed": "solved",
    "resolved": "solved",
    "done": "solved",
}
PRIORITY_ALIASES: dict[str, str] = {
    "low": "low",
    "normal": "normal",
    "medium": "normal",
    "high": "high",
    "urgent": "urgent",
    "critical": "urgent",
}
KIND_ALIASES: dict[str, str] = {
    **{k: k for k in EVENT_KINDS},
    "productevent": "product_event",
    "product": "product_event",
    "healthchange": "health_change",
    "mail": "email",
    "chat": "message",
}


def parse_kind(value: Any, *, allowed: tuple[str, ...] = LOGGABLE_KINDS) -> str:
    if is_blank(value):
        raise InvalidValue(f"kind: must not be empty; kinds are {', '.join(allowed)}.")
    text_value = str(value).strip()
    kind = KIND_ALIASES.get(re.sub(r"[^a-z_]", "", text_value.casefold()))
    if kind is None:
        raise InvalidValue(f"kind: {text_value!r} is not one of {', '.join(allowed)}.")
    if kind not in allowed:
        if kind == "health_change":
            raise InvalidValue(
                "kind: health_change events are written automatically when the band moves; "
                f"log one of {', '.join(allowed)}."
            )
        raise InvalidValue(f"kind: {kind!r} is not one of {', '.join(allowed)}.")
    return kind


def parse_at(value: Any, field: str = "at") -> datetime:
    """A time as naive UTC: a datetime, a date (midnight) or ISO text
    (`2026-11-27`, `2026-11-27 14:30`, `2026-11-27T14:30:00+01:00`)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        raw = str(value).strip()
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(
                f"{field}: {raw!r} is not a date or time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM."
            ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    check_date(field, moment.date())
    return moment


_RELATIVE = re.compile(r"^(\d+)\s*([dw])$", re.IGNORECASE)


def parse_since(value: str | date | datetime, today: date | None = None) -> datetime:
    """`7d`, `30d`, `90d`, `2w` (days before today) or a date/time."""
    if isinstance(value, str):
        match = _RELATIVE.match(value.strip())
        if match:
            days = int(match.group(1)) * (7 if match.group(2).lower() == "w" else 1)
            start = today or clock.today()
            check_whole("--since", days, 0, (start - DATE_MIN).days)
            return clock.start_of(start - timedelta(days=days))
    try:
        return parse_at(value, "since")
    except InvalidValue:
        raise InvalidValue(
            f"--since: {value!r} is not a period or a date; use 7d, 30d, 90d or YYYY-MM-DD."
        ) from None


def parse_until(value: str | date | datetime) -> datetime:
    """The end of a range, exclusive: a bare date includes that whole day."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date) or (isinstance(value, str) and len(value.strip()) == 10):
        moment = parse_at(value, "until")
        return moment + timedelta(days=1)
    return parse_at(value, "until")


def optional_text(field: str, value: Any, limit: int) -> str | None:
    if is_blank(value):
        return None
    cleaned = str(value).strip()
    if field == "body":  # the one text of an event that may span lines
        cleaned = check_multiline(field, cleaned)
    else:
        check_line(field, cleaned, limit=None)
    if len(cleaned) > limit:
        raise InvalidValue(f"{field}: must be at most {limit} characters.")
    return cleaned
