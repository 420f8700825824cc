"""The renewal forecast: twelve months by month, with risk flags.

Flagged renewals lead (they are what a reader acts on); the month summary
and its chart split each month's ARR into flagged and unflagged; the
unflagged renewals of the next 90 days follow, and the CSV holds every
renewal.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from iqcadence.core.reports import definitions as defs
from iqcadence.core.reports.data import (
    Account,
    ReportScope,
    load_portfolio,
)
from iqcadence.core.reports.fmt import (
    band_label,
    money_format,
    score_text,
)
from iqcadence.core.reports.model import Bars, Report, Section, Table, Text
from iqcadence.core.reports.pdf_style import BAND_COLOURS

# Renewals without flags are listed this far ahead; later ones are only
# counted by month (the CSV lists every renewal).
CALM_LISTED_DAYS = 90

# --- renewals --------------------------------------------------------------


def renewal_flags(account: Account, quiet_after: int, low_below: float = 50) -> list[str]:
    """Why a renewal needs attention (see `definitions.renewal_flags`)."""
    flags = []
    if account.score is not None and account.score < low_below:
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
    flags_of = {
        a.id: renewal_flags(a, book.config.quiet_after, book.config.thresholds["watch"])
        for a in upcoming
    }
    flagged = [a for a in upcoming if flags_of[a.id]]
    report = Report(
        kind="renewals",
        title="Renewal forecast",
        subtitle=scope.describe() + " · next 12 months",
        kpis=[
            ("Renewals", f"{len(upcoming)}"),
            ("ARR renewing", book.money(sum(a.mrr * 12 for a in upcoming))),
            ("Flagged", f"{len(flagged)}"),
            ("ARR flagged", book.money(sum(a.mrr * 12 for a in flagged))),
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
        risky = [a for a in members if flags_of[a.id]]
        summary_rows.append(
            [
                month.strftime("%b %Y"),
                len(members),
                book.money(sum(a.mrr * 12 for a in members)),
                len(risky),
                book.money(sum(a.mrr * 12 for a in risky)),
            ]
        )
    rows: list[list[Any]] = []
    bands: list[str | None] = []
    calm_rows: list[list[Any]] = []
    calm_bands: list[str | None] = []
    for account in upcoming:
        flags = flags_of[account.id]
        assert account.renewal_date is not None
        row = [
            account.renewal_date.isoformat(),
            account.name,
            book.money(account.mrr * 12),
            score_text(account.score),
            band_label(account.band),
            account.manager or "—",
        ]
        if flags:
            rows.append([*row, ", ".join(flags)])
            bands.append(account.band)
        elif (account.days_to_renewal or 0) <= CALM_LISTED_DAYS:
            calm_rows.append(row)
            calm_bands.append(account.band)
        report.csv_rows.append(
            [
                account.renewal_date.strftime("%Y-%m"),
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
    heads = ["Renews", "Account", "ARR", "Score", "Band", "Manager"]
    align = ("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT")
    report.sections.append(
        Section(
            f"Flagged renewals ({len(rows)})",
            [
                Table(
                    [*heads, "Flags"],
                    rows,
                    widths=(1.1, 2.4, 1.0, 0.7, 1.0, 1.3, 1.9),
                    bands=bands,
                    band_column=4,
                    align=(*align, "LEFT"),
                    empty="No renewal in the next 12 months is flagged.",
                    order="soonest first",
                ),
            ],
        )
    )
    report.sections.append(
        Section(
            "ARR renewing by month",
            [
                Bars(
                    [m.strftime("%b") for m in months],
                    [sum(a.mrr * 12 for a in by_month[m]) for m in months],
                    value_format=money_format(book.currency),
                    highlight=[
                        sum(a.mrr * 12 for a in by_month[m] if flags_of[a.id]) for m in months
                    ],
                    highlight_colour=BAND_COLOURS["at_risk"],
                    legend=("ARR", "flagged ARR"),
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
    calm = len(upcoming) - len(flagged)
    report.sections.append(
        Section(
            f"Renewals without flags in the next {CALM_LISTED_DAYS} days ({len(calm_rows)})",
            [
                Table(
                    heads,
                    calm_rows,
                    widths=(1.1, 2.6, 1.0, 0.7, 1.0, 1.4),
                    bands=calm_bands,
                    band_column=4,
                    align=align,
                    empty=f"No renewal without flags in the next {CALM_LISTED_DAYS} days.",
                    order="soonest first",
                ),
                Text(
                    f"{_later(calm - len(calm_rows))} counted in the month table above "
                    "and listed in the CSV of this report.",
                    muted=True,
                ),
            ],
        )
    )
    report.sections.append(defs.notes(defs.renewal_flags(book.config), defs.ARR))
    arr = book.money(sum(a.mrr * 12 for a in upcoming))
    report.summary = (
        f"{len(upcoming)} renewals worth {arr} ARR in 12 months; {len(flagged)} flagged."
    )
    return report


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, 28))


def _later(count: int) -> str:
    if count == 1:
        return "The 1 later renewal without flags is"
    return f"The {count:,} later renewals without flags are"
