"""Reports over time: the 90-day trend and one account in depth (the score
history report is in `score_history`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session

from iqcadence.core.accounts.breakdown import breakdown
from iqcadence.core.accounts.customers import find_customer
from iqcadence.core.base.errors import InvalidValue, NotFound
from iqcadence.core.base.labels import label
from iqcadence.core.reports import definitions as defs
from iqcadence.core.reports.data import (
    Account,
    Portfolio,
    ReportScope,
    daily_scores,
    load_portfolio,
)
from iqcadence.core.reports.fmt import (
    average,
    band_label,
    score_text,
    signed,
    tier_label,
)
from iqcadence.core.reports.model import Lines, Report, Section, Table, Text
from iqcadence.core.reports.record import signal_value
from iqcadence.core.reports.risk import churn_definition, churn_estimate
from iqcadence.core.store.models import Customer

# --- trend -----------------------------------------------------------------


def trend_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    day = scope.day
    first = day - timedelta(days=89)
    ids = [a.id for a in book.accounts]
    daily = daily_scores(session, ids, first, day)
    days = sorted(daily)
    averages = [(average(list(daily[d].values()))) for d in days]
    risk_share: list[float | None] = []
    thresholds = book.config.thresholds
    for d in days:
        values = list(daily[d].values())
        risk_share.append(
            round(100 * sum(1 for v in values if v < thresholds["watch"]) / len(values), 1)
            if values
            else None
        )
    start_scores = daily[days[0]] if days else {}
    movers = []
    for account in book.accounts:
        if account.score is not None and account.id in start_scores:
            delta = account.score - start_scores[account.id]
            if abs(delta) >= 0.05:
                movers.append((delta, account))
    movers.sort(key=lambda m: (m[0], m[1].name))
    start_avg, end_avg = averages[0] if averages else None, averages[-1] if averages else None
    change = None if start_avg is None or end_avg is None else round(end_avg - start_avg, 1)
    report = Report(
        kind="trend",
        title="Trend (90 days)",
        subtitle=scope.describe() + f" · {first.isoformat()} to {day.isoformat()}",
        kpis=[
            ("Average score now", score_text(end_avg)),
            ("90 days ago", score_text(start_avg)),
            ("Change", signed(change)),
            ("Improved", f"{sum(1 for m in movers if m[0] > 0)}"),
            ("Declined", f"{sum(1 for m in movers if m[0] < 0)}"),
        ],
        csv_header=["date", "average_score", "at_risk_share_pct", "scored_accounts"],
    )
    for d, avg, share in zip(days, averages, risk_share, strict=True):
        report.csv_rows.append([d.isoformat(), avg, share, len(daily[d])])
    report.sections.append(
        Section(
            "Average score",
            [
                Lines(
                    [d.strftime("%m-%d") for d in days],
                    [("Average score", averages)],
                    thresholds=dict(thresholds),
                ),
            ],
        )
    )
    report.sections.append(
        Section(
            "Share of accounts below Watch (%)",
            [
                Lines(
                    [d.strftime("%m-%d") for d in days],
                    [("Below Watch %", risk_share)],
                ),
            ],
        )
    )
    mover_rows = [
        [
            a.name,
            score_text(a.score - delta if a.score is not None else None),
            score_text(a.score),
            signed(round(delta, 1)),
            a.manager or "—",
        ]
        for delta, a in movers[:10]
    ]
    mover_rows += [
        [
            a.name,
            score_text(a.score - delta if a.score is not None else None),
            score_text(a.score),
            signed(round(delta, 1)),
            a.manager or "—",
        ]
        for delta, a in reversed(movers[-10:])
        if delta > 0
    ]
    report.sections.append(
        Section(
            "Biggest movers over 90 days",
            [
                Table(
                    ["Account", "90 days ago", "Now", "Change", "Manager"],
                    mover_rows,
                    widths=(2.6, 1, 1, 1, 1.4),
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
                ),
            ],
        )
    )
    report.sections.append(
        defs.notes(
            "Average score: the mean of the scored accounts' scores at the end of each day "
            "(each account's latest score then); the axis fits the data, and the dashed "
            "lines are the band thresholds.",
            defs.below_watch(book.config),
            "Improved, Declined: accounts whose score now is above, or below, their score "
            "90 days ago.",
        )
    )
    report.summary = f"Average score {score_text(end_avg)} ({signed(change)} over 90 days)."
    return report


# --- one customer ----------------------------------------------------------


def one_account(
    session: Session, client_id: int, scope: ReportScope
) -> tuple[Portfolio, Account, Customer]:
    if not scope.customer:
        raise InvalidValue(
            "--customer: this report is about one account; name it with --customer NAME."
        )
    customer = find_customer(session, client_id, scope.customer)
    if customer is None:
        raise NotFound(f"customer {scope.customer!r} does not exist.")
    book = load_portfolio(session, client_id, ReportScope(as_of=scope.as_of))
    account = next((a for a in book.accounts if a.id == customer.id), None)
    if account is None:
        raise NotFound(f"customer {customer.name!r} is not active (it is {customer.status}).")
    return book, account, customer


def customer_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book, account, customer = one_account(session, client_id, scope)
    detail = breakdown(session, customer, book.config, scope.day)
    est = churn_estimate(account, book.config.quiet_after)
    report = Report(
        kind="customer",
        title=f"Customer health: {account.name}",
        subtitle=(
            f"As of {scope.day.isoformat()} · {tier_label(account.tier)}"
            f" · manager {account.manager or '—'}"
        ),
        kpis=[
            ("Score", f"{score_text(account.score)} {band_label(account.band)}"),
            ("7-day momentum", signed(account.momentum)),
            ("MRR", book.money(account.mrr)),
            (
                "Renewal",
                f"{account.renewal_date.isoformat()} ({account.days_to_renewal} d)"
                if account.renewal_date
                else "—",
            ),
            ("Churn estimate", f"{est.probability:.0f}%"),
        ],
        csv_header=["signal", "value", "subscore", "weight", "contribution", "tier_average"],
    )
    rows: list[list[Any]] = []
    for line in detail["signals"]:
        if line["weight"] == 0 and line["value"] is None:
            continue
        rows.append(
            [
                label("signal", line["signal"]),
                signal_value(line["signal"], line["value"]),
                score_text(line["subscore"]),
                line["weight"],
                "excluded" if not line["present"] else f"{line['contribution']:.2f}",
                score_text(line["tier_average"]),
            ]
        )
        report.csv_rows.append(
            [
                line["signal"],
                line["value"],
                line["subscore"],
                line["weight"],
                line["contribution"],
                line["tier_average"],
            ]
        )
    report.sections.append(
        Section(
            "Score breakdown",
            [
                Table(
                    ["Signal", "Value", "Sub-score", "Weight", "Contribution", "Tier average"],
                    rows,
                    widths=(1.5, 1, 1, 1, 1.2, 1.2),
                    align=("LEFT", *(["RIGHT"] * 5)),
                ),
            ],
        )
    )
    first = scope.day - timedelta(days=89)
    daily = daily_scores(session, [account.id], first, scope.day)
    days = sorted(daily)
    report.sections.append(
        Section(
            "Score over 90 days",
            [
                Lines(
                    [d.strftime("%m-%d") for d in days],
                    [(account.name, [daily[d].get(account.id) for d in days])],
                    y_min=0,
                    y_max=100,
                    thresholds=dict(book.config.thresholds),
                ),
            ],
        )
    )
    report.sections.append(
        Section(
            "Churn factors",
            [Text("\n".join(f"• {name}: +{points:g}" for name, points in est.factors))],
        )
    )
    report.sections.append(
        defs.notes(
            churn_definition(book.config.quiet_after),
            "7-day momentum: the score now minus the score 7 days earlier.",
            "Tier average: the mean sub-score of the active accounts in the same tier.",
        )
    )
    report.summary = (
        f"{account.name}: score {score_text(account.score)} ({band_label(account.band)}), "
        f"churn estimate {est.probability:.0f}%."
    )
    return report
