"""Formatting shared by the reports: money in the client's currency, scores,
and the words for stored tokens, through core's one label table and money
formatter (`base.labels`, `base.money`) so a report says what every other
surface says."""

from __future__ import annotations

from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY
from iqcadence.core.base.money import money as base_money
from iqcadence.core.reports.data import Account


def money(value: float | None, currency: str = DEFAULT_CURRENCY) -> str:
    return base_money(value, currency=currency)


def money_format(currency: str) -> str:
    """A `str.format` pattern for whole amounts in charts ("$12,000", "CHF 12,000")."""
    gap = " " if any(c.isalpha() for c in currency) else ""
    return currency.replace("{", "{{").replace("}", "}}") + gap + "{:,.0f}"


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def band_label(band: str | None) -> str:
    return label("band", band)


def tier_label(tier: str | None) -> str:
    return label("tier", tier)


def average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def scores_of(accounts: list[Account]) -> list[float]:
    return [a.score for a in accounts if a.score is not None]


def renews_within(account: Account, days: int) -> bool:
    return account.days_to_renewal is not None and 0 <= account.days_to_renewal <= days
