"""Turning spreadsheet cells into stored values, leniently but never silently.

Each field gets one function `str -> value` built once per import (so the hot
loop is a list of calls) that raises `CellError(reason)` for a value it cannot
read. Blank cells (and "-", "null", "n/a" in number and date columns) are
missing values, never zero. Stored forms: numbers as int/float, dates as ISO
text, tags joined by `|`.

Rules (the spreadsheet leniency lives here; `core.fields` keeps the rules every
path shares):

* money: `$5,000`, `5000.50`, `1.2k`, `3m`, `USD 900`; with `decimal_comma`,
  `€3.400` is 3400 and `1.234,50` is 1234.5. Without it, commas must group
  thousands (`1,234.5`), so `3,5` is refused rather than read as 35.
* percentages: `75%`, `75 %`; numbers keep their value (0.75 stays 0.75).
* NPS: 0–10, or Promoter / Passive / Detractor (stored as 10 / 8 / 0, which
  score as their category).
* growth: strong, mild, none, n/a (any case; aliases high/moderate/low).
* tier: Enterprise, Mid-Market, mid, SMB, small business, …
* lifecycle and sentiment: their words in any case, with common synonyms.
* tags: split on `|` or `,`, trimmed, duplicates dropped.
* dates: ISO (`2027-03-15`, with or without a time), `15 Mar 2027`,
  `Mar 15, 2027`, `2027/03/15`, `15-Mar-2027`; `date_format` (strptime) for
  anything else. All-numeric day/month forms like `03/04/2027` are ambiguous and
  refused unless `date_format` says which.
* text: a leading apostrophe before `= + - @` is the spreadsheet escape an
  export adds, and is dropped; control characters are refused, and the limits
  of `core.scoring.fields` (name, notes, money, counts, dates) apply.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

# CellError and domain_key are imported from here by the importers.
from iqcadence.core.io.imports.cells import NULL_WORDS, TextCells, cell_text, checked
from iqcadence.core.io.imports.cells import CellError as CellError
from iqcadence.core.io.imports.cells import domain_key as domain_key
from iqcadence.core.scoring.fields import (
    COUNT_MAX,
    DATE_MAX,
    DATE_MIN,
    GROWTH_ALIASES,
    LIFECYCLE_ALIASES,
    MONEY_MAX,
    TIER_ALIASES,
    check_line,
    shown_number,
)
from iqcadence.core.scoring.formula import LIFECYCLES, SENTIMENTS, SIGNAL_BOUNDS, TIERS

NPS_WORDS: dict[str, int] = {"promoter": 10, "passive": 8, "neutral": 8, "detractor": 0}
EXTRA_TIERS: dict[str, str] = {
    "startup": "smb",
    "small": "smb",
    "smallmediumbusiness": "smb",
    "midsize": "mid",
    "middle": "mid",
    "midmarket": "mid",
    "commercial": "mid",
    "large": "enterprise",
    "strategic": "enterprise",
    "key": "enterprise",
}
EXTRA_LIFECYCLES: dict[str, str] = {
    "onboard": "onboarding",
    "trial": "onboarding",
    "implementation": "onboarding",
    "new": "onboarding",
    "live": "active",
    "healthy": "active",
    "atriskaccount": "atrisk",
    "risk": "atrisk",
    "lost": "churned",
    "cancelled": "churned",
    "canceled": "churned",
    "closedwon": "won",
    "expanded": "won",
}
SENTIMENT_ALIASES: dict[str, str] = {
    "positive": "positive",
    "pos": "positive",
    "good": "positive",
    "happy": "positive",
    "neutral": "neutral",
    "neu": "neutral",
    "ok": "neutral",
    "okay": "neutral",
    "mixed": "neutral",
    "negative": "negative",
    "neg": "negative",
    "bad": "negative",
    "unhappy": "negative",
}
DATE_FORMATS: tuple[str, ...] = (
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d %b, %Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%a, %d %b %Y",
    "%A, %B %d, %Y",
)
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d*)?$")
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+(,\d*)?$")
_CURRENCY = re.compile(r"^(?:[A-Za-z]{3}\s*)?[$€£¥₹]?\s*|\s*(?:[$€£¥₹]|[A-Za-z]{3})?$")
_AMBIGUOUS_DATE = re.compile(r"^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")
Day = date  # in Normalizer, `date` is the reading method
_MULTIPLIERS = {"k": 1e3, "m": 1e6, "mm": 1e6, "b": 1e9, "bn": 1e9}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.casefold())


class Normalizer(TextCells):
    """Builds the per-field reading functions for one import."""

    def __init__(
        self,
        *,
        today: date,
        decimal_comma: bool = False,
        date_format: str | None = None,
        profiles: dict[str, str] | None = None,
    ) -> None:
        self.today = today
        self.decimal_comma = decimal_comma
        self.date_format = date_format
        self.profiles = profiles  # casefolded name → stored name (None: not checked)

    # -- numbers ------------------------------------------------------------

    def number(self, text: str, *, money: bool = False) -> float | None:
        """A finite number from a cell, or None when the cell is blank."""
        try:
            if self.decimal_comma and ("," in text or "." in text):
                raise ValueError
            value = float(text)
        except ValueError:
            slow = self._slow_number(text, money=money)
            if slow is None:
                return None
            value = slow
        if not math.isfinite(value):
            raise CellError("expected a finite number")
        return value

    def _slow_number(self, text: str, *, money: bool) -> float | None:
        cleaned = text.strip()
        if cleaned.casefold() in NULL_WORDS:
            return None
        cleaned = cleaned.replace("\u00a0", " ").replace("\u202f", " ")
        if cleaned.endswith("%"):
            cleaned = cleaned[:-1].strip()
        cleaned = _CURRENCY.sub("", cleaned).strip()
        multiplier = 1.0
        lowered = cleaned.lower()
        for suffix in ("bn", "mm", "k", "m", "b"):
            if lowered.endswith(suffix) and lowered[: -len(suffix)].strip()[-1:].isdigit():
                multiplier = _MULTIPLIERS[suffix]
                cleaned = cleaned[: -len(suffix)].strip()
                break
        cleaned = cleaned.replace(" ", "").replace("'", "")
        negative = cleaned.startswith("-")
        body = cleaned[1:] if negative else cleaned
        if self.decimal_comma:
            if "." in body and not _THOUSANDS_DOT.match(body):
                raise CellError("expected a number with a decimal comma (like 1.234,5)")
            body = body.replace(".", "").replace(",", ".")
        elif "," in body:
            if not _THOUSANDS.match(body):
                raise CellError(
                    "commas must group thousands (like 1,234.5); "
                    "pass --decimal-comma for numbers like 3,5"
                )
            body = body.replace(",", "")
        try:
            value = float(body)
        except ValueError:
            raise CellError("expected a number") from None
        return (-value if negative else value) * multiplier

    def bounded(
        self, field: str, *, integer: bool, minimum: float | None, maximum: float | None
    ) -> Callable[[str], Any]:
        number = self.number
        if maximum is None:
            maximum = COUNT_MAX

        def read(text: str) -> int | float | None:
            if integer:
                try:
                    whole = int(text)
                except ValueError:
                    pass
                else:
                    if minimum is not None and whole < minimum:
                        raise CellError(f"must be at least {shown_number(minimum)}")
                    if maximum is not None and whole > maximum:
                        raise CellError(f"must be at most {shown_number(maximum)}")
                    return whole
            value = number(text)
            if value is None:
                return None
            if minimum is not None and value < minimum:
                raise CellError(f"must be at least {shown_number(minimum)}")
            if maximum is not None and value > maximum:
                raise CellError(f"must be at most {shown_number(maximum)}")
            if integer:
                if not value.is_integer():
                    raise CellError("expected a whole number")
                return int(value)
            return value

        del field
        return read

    def money(self, text: str) -> float | None:
        value = self.number(text, money=True)
        if value is not None and value < 0:
            raise CellError("must not be negative")
        if value is not None and value > MONEY_MAX:
            raise CellError(f"must be at most {shown_number(MONEY_MAX)}")
        return value

    def nps(self, text: str) -> int | None:
        try:
            value = int(text)
        except ValueError:
            word = _key(text)
            for prefix, mapped in NPS_WORDS.items():
                if word.startswith(prefix):
                    return mapped
            try:
                number = self.number(text)
            except CellError:
                number = math.nan
            if number is None:
                return None
            if not number.is_integer():
                raise CellError(
                    "expected a whole number 0–10 or Promoter/Passive/Detractor"
                ) from None
            value = int(number)
        if not 0 <= value <= 10:
            raise CellError("must be 0–10 (or Promoter/Passive/Detractor)")
        return value

    # -- words --------------------------------------------------------------

    @staticmethod
    def choice(
        allowed: tuple[str, ...], aliases: dict[str, str], *, null_words: bool = True
    ) -> Callable[[str], str | None]:
        table = {**{_key(a): a for a in allowed}, **{_key(k): v for k, v in aliases.items()}}
        expected = ", ".join(allowed)

        def read(text: str) -> str | None:
            if not text:
                return None
            key = _key(text)
            found = table.get(key)
            if found is not None:
                return found
            if not key or (null_words and text.strip().casefold() in NULL_WORDS):
                return None
            raise CellError(f"not one of {expected}")

        return read

    def growth(self, text: str) -> str | None:
        if not text.strip():
            return None
        found = GROWTH_ALIASES.get(_key(text)) or GROWTH_ALIASES.get(text.strip().casefold())
        if found is None:
            raise CellError("not one of strong, mild, none, n/a")
        return found

    # -- text (see TextCells) ------------------------------------------------

    def profile(self, value: str) -> str | None:
        stripped = cell_text(value)
        if not stripped:
            return None
        if self.profiles is None:
            return checked(lambda: check_line("scoring_profile", stripped))
        found = self.profiles.get(stripped.casefold())
        if found is None:
            known = ", ".join(sorted(self.profiles.values())) or "none defined"
            raise CellError(f"no scoring profile of that name (profiles: {known})")
        return found

    # -- dates --------------------------------------------------------------

    def date(self, text: str) -> str | None:
        """An ISO date string (YYYY-MM-DD), or None when blank."""
        day = self._day(text)
        if day is None:
            return None
        if not DATE_MIN <= day <= DATE_MAX:
            raise CellError(f"must be between {DATE_MIN} and {DATE_MAX}")
        return day.isoformat()

    def _day(self, text: str) -> Day | None:
        if len(text) == 10 and text[4] == "-":
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        stripped = text.strip()
        if stripped.casefold() in NULL_WORDS:
            return None
        if self.date_format:
            try:
                return datetime.strptime(stripped, self.date_format).date()
            except ValueError:
                pass
        try:
            return date.fromisoformat(stripped)
        except ValueError:
            pass
        try:
            return datetime.fromisoformat(stripped.replace("Z", "+00:00")).date()
        except ValueError:
            pass
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(stripped, fmt).date()
            except ValueError:
                continue
        if self.date_format:
            raise CellError(f"not a date in the format {self.date_format} or YYYY-MM-DD")
        if _AMBIGUOUS_DATE.match(stripped):
            raise CellError(
                "ambiguous date; pass --date-format (e.g. %d/%m/%Y or %m/%d/%Y) or use YYYY-MM-DD"
            )
        raise CellError("not a date; use YYYY-MM-DD (or pass --date-format)")

    def months_ahead(self, text: str) -> str | None:
        """`months_to_renewal`: that many whole months from today, as a date."""
        value = self.number(text)
        if value is None:
            return None
        if value < 0 or value > 1200:
            raise CellError("must be between 0 and 1200 months")
        months = round(value)
        year = self.today.year + (self.today.month - 1 + months) // 12
        month = (self.today.month - 1 + months) % 12 + 1
        day = min(self.today.day, calendar.monthrange(year, month)[1])
        return date(year, month, day).isoformat()

    # -- the table ------------------------------------------------------------

    def reader_for(self, field: str) -> Callable[[str], Any]:
        """The reading function of one field."""
        if field == "name":
            return self.name
        if field in ("mrr", "arr"):
            return self.money
        if field == "nps":
            return self.nps
        if field in SIGNAL_BOUNDS:
            minimum, maximum, integer = SIGNAL_BOUNDS[field]
            return self.bounded(field, integer=integer, minimum=minimum, maximum=maximum)
        if field == "score":
            return self.bounded(field, integer=False, minimum=0, maximum=100)
        if field == "growth":
            return self.growth
        if field == "tier":
            return self.choice(TIERS, {**TIER_ALIASES, **EXTRA_TIERS})
        if field == "lifecycle":
            return self.choice(LIFECYCLES, {**LIFECYCLE_ALIASES, **EXTRA_LIFECYCLES})
        if field == "sentiment":
            return self.choice(SENTIMENTS, SENTIMENT_ALIASES)
        if field == "score_source":
            return self.choice(("manual", "computed"), {"override": "manual", "auto": "computed"})
        if field in ("renewal_date", "customer_since", "next_touch", "last_contact_date", "date"):
            return self.date
        if field == "months_to_renewal":
            return self.months_ahead
        if field == "tags":
            return self.tags
        if field == "email":
            return self.email
        if field == "domain":
            return self.domain
        if field == "website":
            return self.website
        if field == "notes":  # the one text that may span lines
            return self.notes
        if field == "scoring_profile":
            return self.profile
        return self.text
