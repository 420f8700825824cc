"""Formatting shared by the reports: money, scores, band and tier labels."""

from __future__ import annotations

from iqcadence.core.reports.data import (
    Account,
)
from iqcadence.core.scoring.formula import BAND_LABELS

TIER_LABELS = {"smb": "SMB", "mid": "Mid-Market", "enterprise": "Enterprise"}


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def band_label(band: str | None) -> str:
    return "Unscored" if band is None else BAND_LABELS.get(band, band)


def average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def scores_of(accounts: list[Account]) -> list[float]:
    return [a.score for a in accounts if a.score is not None]


def renews_within(account: Account, days: int) -> bool:
    return account.days_to_renewal is not None and 0 <= account.days_to_renewal <= days
