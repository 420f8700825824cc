"""The renewal forecast: twelve months by month, with risk flags."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from iqcadence.core.reports.data import (
    Account,
    ReportScope,
    load_portfolio,
)
from iqcadence.core.reports.fmt import (
    band_label,
    money,
    score_text,
)
from iqcadence.core.reports.model import Bars, Report, Section, Table, Text

# --- renewals --------------------------------------------------------------


def renewal_flags(account: Account, quiet_after: int) -> list[str]:
    flags = []
    if account.score is not None and account.score < 50:
        flags.append("low score")
    if account.momentum is not None and account.momentum <= -10:
        flags.append("falling")
    days = account.signals.get("days")
    if days is not None and days >= quiet_after:
        flags.append("quiet")
    if account.sentiment == "negative":
        flags.append("negative")
    return flags


def renewals_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    day = scope.day
    horizon = _add_months(date(day.year, day.month, 1), 12)
    upcoming = sorted(
        (
            a
            for a in book.accounts
            if a.renewal_date is not None and day <= a.renewal_date < horizon
        ),
        key=lambda a: (a.renewal_date or day, a.name),
    )
    months: list[date] = [_add_months(date(day.year, day.month, 1), i) for i in range(12)]
    by_month: dict[date, list[Account]] = {m: [] for m in months}
    for account in upcoming:
        assert account.renewal_date is not None
        by_month[date(account.renewal_date.year, account.renewal_date.month, 1)].append(account)
    flagged = [a for a in upcoming if renewal_flags(a, book.config.quiet_after)]
    report = Report(
        kind="renewals",
        title="Renewal forecast",
        subtitle=scope.describe() + " · next 12 months",
        kpis=[
            ("Renewals", f"{len(upcoming)}"),
            ("ARR renewing", money(sum(a.mrr * 12 for a in upcoming))),
            ("Flagged", f"{len(flagged)}"),
            ("ARR flagged", money(sum(a.mrr * 12 for a in flagged))),
        ],
        csv_header=[
            "month",
            "name",
            "renewal_date",
            "days_to_renewal",
            "arr",
            "score",
            "band",
            "manager",
            "flags",
        ],
    )
    summary_rows: list[list[Any]] = []
    for month in months:
        members = by_month[month]
        risky = [a for a in members if renewal_flags(a, book.config.quiet_after)]
        summary_rows.append(
            [
                month.strftime("%b %Y"),
                len(members),
                money(sum(a.mrr * 12 for a in members)),
                len(risky),
                money(sum(a.mrr * 12 for a in risky)),
            ]
        )
    report.sections.append(
        Section(
            "ARR renewing by month",
            [
                Bars(
                    [m.strftime("%b") for m in months],
                    [sum(a.mrr * 12 for a in by_month[m]) for m in months],
                    value_format="${:,.0f}",
                ),
                Table(
                    ["Month", "Renewals", "ARR", "Flagged", "Flagged ARR"],
                    summary_rows,
                    widths=(1.4, 1, 1.4, 1, 1.4),
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                ),
            ],
        )
    )
    rows: list[list[Any]] = []
    bands: list[str | None] = []
    for account in upcoming:
        flags = renewal_flags(account, book.config.quiet_after)
        assert account.renewal_date is not None
        month_key = account.renewal_date.strftime("%Y-%m")
        rows.append(
            [
                account.renewal_date.isoformat(),
                account.name,
                money(account.mrr * 12),
                score_text(account.score),
                band_label(account.band),
                account.manager or "—",
                ", ".join(flags) or "—",
            ]
        )
        bands.append(account.band)
        report.csv_rows.append(
            [
                month_key,
                account.name,
                account.renewal_date.isoformat(),
                account.days_to_renewal,
                round(account.mrr * 12, 2),
                account.score,
                account.band,
                account.manager,
                "|".join(flags),
            ]
        )
    report.sections.append(
        Section(
            "Renewals",
            [
                Table(
                    ["Renews", "Account", "ARR", "Score", "Band", "Manager", "Risk flags"],
                    rows,
                    widths=(1.2, 2.5, 1.1, 0.8, 1.2, 1.2, 1.8),
                    bands=bands,
                    band_column=4,
                    align=("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT", "LEFT"),
                    empty="No renewals in the next 12 months.",
                ),
                Text(
                    "Flags: low score (below 50), falling (down 10+ points in 7 days), "
                    "quiet (no contact for the "
                    f"quiet-after period of {book.config.quiet_after} days), negative sentiment.",
                    muted=True,
                ),
            ],
        )
    )
    arr = money(sum(a.mrr * 12 for a in upcoming))
    report.summary = (
        f"{len(upcoming)} renewals worth {arr} ARR in 12 months; {len(flagged)} flagged."
    )
    return report


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, 28))
