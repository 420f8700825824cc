"""Today's date and the current time, overridable for tests and back-fills.

`IQCADENCE_TODAY=YYYY-MM-DD` fixes the date everywhere (decay, momentum,
renewal windows); `IQCADENCE_NOW=YYYY-MM-DDTHH:MM` fixes the clock (and so the
date). Every date-dependent piece of the core asks here, never `date.today()`.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

from iqcadence.core.base.errors import InvalidValue


def now() -> datetime:
    """The current time as a naive UTC datetime (how it is stored)."""
    raw = os.environ.get("IQCADENCE_NOW", "").strip()
    if raw:
        try:
            value = datetime.fromisoformat(raw)
        except ValueError:
            raise InvalidValue(f"IQCADENCE_NOW: expected YYYY-MM-DDTHH:MM, got {raw!r}.") from None
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    fixed_day = _fixed_today()
    if fixed_day is not None:
        current = datetime.now(UTC).replace(tzinfo=None)
        return datetime.combine(fixed_day, current.time())
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date, honouring IQCADENCE_TODAY and then IQCADENCE_NOW."""
    fixed_day = _fixed_today()
    if fixed_day is not None:
        return fixed_day
    if os.environ.get("IQCADENCE_NOW", "").strip():
        return now().date()
    return date.today()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _fixed_today() -> date | None:
    raw = os.environ.get("IQCADENCE_TODAY", "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidValue(f"IQCADENCE_TODAY: expected YYYY-MM-DD, got {raw!r}.") from None
