"""The ten reports. Each builder reads a `Portfolio` (and snapshots where it
needs history) and returns a `Report`; PDF and CSV come from that object.

Definitions used across reports (also in the README):

* Revenue at risk: MRR of accounts in the Critical or At Risk band.
* Expansion opportunity: MRR × the configured expansion % of Expansion accounts.
* Urgency (at-risk report, 0–100): half the score gap to 100, plus 30/20/10
  points for a renewal within 30/60/90 days, plus up to 20 points in
  proportion to the account's share of the largest MRR in the list.
* Churn probability (churn-risk report): see `churn_estimate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import inspect, text
from sqlmodel import Session

from iqcadence.core import clock
from iqcadence.core.customers import find_customer
from iqcadence.core.errors import InvalidValue, NotFound
from iqcadence.core.queries import breakdown
from iqcadence.core.reports.data import (
    Account,
    Portfolio,
    ReportScope,
    daily_scores,
    load_portfolio,
    snapshots_before,
)
from iqcadence.core.reports.model import Bars, Donut, Lines, Report, Section, Table, Text
from iqcadence.core.reports.pdf import BAND_COLOURS
from iqcadence.core.scoring import BAND_LABELS, BANDS, LIFECYCLES, TIERS

TIER_LABELS = {"smb": "SMB", "mid": "Mid-Market", "enterprise": "Enterprise"}


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.0f}"


def score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}"


def band_label(band: str | None) -> str:
    return "Unscored" if band is None else BAND_LABELS.get(band, band)


def _avg(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _scores(accounts: list[Account]) -> list[float]:
    return [a.score for a in accounts if a.score is not None]


# --- portfolio -------------------------------------------------------------


def portfolio_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    groups = book.by_band()
    renewals_90 = [
        a for a in book.accounts if a.days_to_renewal is not None and 0 <= a.days_to_renewal <= 90
    ]
    report = Report(
        kind="portfolio",
        title="Portfolio summary",
        subtitle=scope.describe(),
        kpis=[
            ("Accounts", f"{len(book.accounts):,}"),
            ("Total MRR", money(book.total_mrr)),
            ("Average score", score_text(book.average_score)),
            ("Revenue at risk", money(book.revenue_at_risk)),
            ("Expansion opportunity", money(book.expansion_opportunity)),
            (
                "Renewals in 90 days",
                f"{len(renewals_90)} · {money(sum(a.mrr for a in renewals_90))}",
            ),
        ],
        csv_header=["section", "group", "accounts", "mrr", "average_score", "at_risk_accounts"],
    )
    band_rows: list[list[Any]] = []
    for band in BANDS:
        members = groups[band]
        band_rows.append(
            [
                band_label(band),
                len(members),
                money(sum(a.mrr for a in members)),
                score_text(_avg(_scores(members))),
            ]
        )
        report.csv_rows.append(
            [
                "band",
                band,
                len(members),
                round(sum(a.mrr for a in members), 2),
                _avg(_scores(members)),
                len(members) if band in ("critical", "at_risk") else 0,
            ]
        )
    unscored = [a for a in book.accounts if a.band is None]
    if unscored:
        band_rows.append(["Unscored", len(unscored), money(sum(a.mrr for a in unscored)), "—"])
        report.csv_rows.append(
            ["band", "unscored", len(unscored), round(sum(a.mrr for a in unscored), 2), None, 0]
        )
    report.sections.append(
        Section(
            "Health distribution",
            [
                Donut(
                    [(band_label(b), float(len(groups[b])), BAND_COLOURS[b]) for b in BANDS],
                    centre=f"{len(book.scored):,}",
                ),
                Table(
                    ["Band", "Accounts", "MRR", "Avg score"],
                    band_rows,
                    widths=(2, 1, 1.4, 1),
                    bands=[*BANDS, None][: len(band_rows)],
                    band_column=0,
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
                ),
            ],
        )
    )
    tier_rows: list[list[Any]] = []
    for tier in (*TIERS, None):
        members = [a for a in book.accounts if a.tier == tier]
        if tier is None and not members:
            continue
        at_risk = [a for a in members if a.at_risk]
        tier_rows.append(
            [
                TIER_LABELS.get(tier or "", "(no tier)"),
                len(members),
                money(sum(a.mrr for a in members)),
                score_text(_avg(_scores(members))),
                len(at_risk),
            ]
        )
        report.csv_rows.append(
            [
                "tier",
                tier or "",
                len(members),
                round(sum(a.mrr for a in members), 2),
                _avg(_scores(members)),
                len(at_risk),
            ]
        )
    report.sections.append(
        Section(
            "By tier",
            [
                Bars(
                    [r[0] for r in tier_rows],
                    [
                        float(sum(a.mrr for a in book.accounts if (a.tier or None) == t))
                        for t in [*TIERS, None][: len(tier_rows)]
                    ],
                    value_format="${:,.0f}",
                ),
                Table(
                    ["Tier", "Accounts", "MRR", "Avg score", "At risk"],
                    tier_rows,
                    widths=(2, 1, 1.4, 1, 1),
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                ),
            ],
        )
    )
    report.csv_rows.append(
        [
            "total",
            "all",
            len(book.accounts),
            round(book.total_mrr, 2),
            book.average_score,
            len([a for a in book.accounts if a.at_risk]),
        ]
    )
    report.summary = (
        f"{len(book.accounts)} accounts, {money(book.total_mrr)} MRR, average score "
        f"{score_text(book.average_score)}; {money(book.revenue_at_risk)} MRR at risk."
    )
    return report


# --- at-risk ---------------------------------------------------------------


def urgency(account: Account, top_mrr: float) -> float:
    points = (100 - (account.score or 0)) * 0.5
    days = account.days_to_renewal
    if days is not None and 0 <= days <= 30:
        points += 30
    elif days is not None and 0 <= days <= 60:
        points += 20
    elif days is not None and 0 <= days <= 90:
        points += 10
    if top_mrr > 0:
        points += 20 * account.mrr / top_mrr
    return round(min(points, 100.0), 1)


def _weakest_signal(account: Account) -> str:
    signals = account.signals
    reasons = []
    if signals.get("tickets") is not None and signals["tickets"] >= 3:
        reasons.append(f"{signals['tickets']} open tickets")
    if signals.get("nps") is not None and signals["nps"] <= 6:
        reasons.append(f"NPS {signals['nps']}")
    if signals.get("adoption") is not None and signals["adoption"] < 30:
        reasons.append(f"adoption {signals['adoption']:.0f}%")
    if signals.get("logins") is not None and signals["logins"] < 8:
        reasons.append(f"{signals['logins']} logins")
    if signals.get("days") is not None and signals["days"] >= 30:
        reasons.append(f"{signals['days']} days quiet")
    return ", ".join(reasons[:2]) or "low overall"


def at_risk_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    risky = [a for a in book.accounts if a.score is not None and a.score < 50]
    top = max((a.mrr for a in risky), default=0.0)
    ranked = sorted(risky, key=lambda a: (-urgency(a, top), a.name))
    report = Report(
        kind="at-risk",
        title="At-risk accounts",
        subtitle=scope.describe() + " · score below 50, most urgent first",
        kpis=[
            ("Accounts at risk", f"{len(risky)}"),
            ("Critical", f"{sum(1 for a in risky if a.band == 'critical')}"),
            ("MRR at risk", money(sum(a.mrr for a in risky))),
            (
                "Renewing in 60 days",
                f"{sum(1 for a in risky if _renews_within(a, 60))}",
            ),
        ],
        csv_header=[
            "name",
            "score",
            "band",
            "momentum_7d",
            "mrr",
            "renewal_date",
            "days_to_renewal",
            "manager",
            "urgency",
            "why",
        ],
    )
    rows: list[list[Any]] = []
    for account in ranked:
        why = _weakest_signal(account)
        rows.append(
            [
                account.name,
                score_text(account.score),
                band_label(account.band),
                signed(account.momentum),
                money(account.mrr),
                account.renewal_date.isoformat() if account.renewal_date else "—",
                account.manager or "—",
                f"{urgency(account, top):.0f}",
                why,
            ]
        )
        report.csv_rows.append(
            [
                account.name,
                account.score,
                account.band,
                account.momentum,
                round(account.mrr, 2),
                account.renewal_date.isoformat() if account.renewal_date else None,
                account.days_to_renewal,
                account.manager,
                urgency(account, top),
                why,
            ]
        )
    report.sections.append(
        Section(
            "Accounts by urgency",
            [
                Table(
                    [
                        "Account",
                        "Score",
                        "Band",
                        "7d",
                        "MRR",
                        "Renewal",
                        "Manager",
                        "Urgency",
                        "Why",
                    ],
                    rows,
                    widths=(2.2, 0.9, 1.2, 0.7, 1.1, 1.6, 1.1, 1.2, 2.3),
                    bands=[a.band for a in ranked],
                    band_column=2,
                    align=(
                        "LEFT",
                        "RIGHT",
                        "LEFT",
                        "RIGHT",
                        "RIGHT",
                        "LEFT",
                        "LEFT",
                        "RIGHT",
                        "LEFT",
                    ),
                    empty="No account scores below 50.",
                ),
            ],
        )
    )
    report.summary = f"{len(risky)} accounts below 50 with {money(sum(a.mrr for a in risky))} MRR."
    return report


# --- renewals --------------------------------------------------------------


def _renews_within(account: Account, days: int) -> bool:
    return account.days_to_renewal is not None and 0 <= account.days_to_renewal <= days


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


# --- CSM performance ----------------------------------------------------------------------


def csm_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    groups = book.group("manager")
    cadence = book.config.cadence
    report = Report(
        kind="csm",
        title="CSM performance",
        subtitle=scope.describe(),
        csv_header=[
            "manager",
            "accounts",
            "mrr",
            "average_score",
            "at_risk",
            "at_risk_pct",
            "average_momentum",
            "overdue_contacts",
            "renewals_90d",
        ],
    )
    rows: list[list[Any]] = []
    ordered = sorted(groups.items(), key=lambda item: (-(_avg(_scores(item[1])) or 0), item[0]))
    for manager, members in ordered:
        at_risk = [a for a in members if a.at_risk]
        moves = [a.momentum for a in members if a.momentum is not None]
        overdue = sum(
            1
            for a in members
            if a.signals.get("days") is not None
            and a.tier in cadence
            and a.signals["days"] >= cadence[a.tier][1]
        )
        renewals = sum(
            1 for a in members if a.days_to_renewal is not None and 0 <= a.days_to_renewal <= 90
        )
        pct = round(100 * len(at_risk) / len(members), 1) if members else 0.0
        avg_score = _avg(_scores(members))
        avg_move = _avg([float(m) for m in moves])
        rows.append(
            [
                manager,
                len(members),
                money(sum(a.mrr for a in members)),
                score_text(avg_score),
                len(at_risk),
                f"{pct:.0f}%",
                signed(avg_move),
                overdue,
                renewals,
            ]
        )
        report.csv_rows.append(
            [
                manager,
                len(members),
                round(sum(a.mrr for a in members), 2),
                avg_score,
                len(at_risk),
                pct,
                avg_move,
                overdue,
                renewals,
            ]
        )
    report.kpis = [
        ("Managers", f"{len(groups)}"),
        ("Accounts", f"{len(book.accounts)}"),
        ("Average score", score_text(book.average_score)),
    ]
    report.sections.append(
        Section(
            "Average score by manager",
            [
                Bars(
                    [r[0] for r in rows],
                    [float(r[3]) if r[3] != "—" else 0.0 for r in rows],
                    value_format="{:.1f}",
                ),
            ],
        )
    )
    report.sections.append(
        Section(
            "Leaderboard",
            [
                Table(
                    [
                        "Manager",
                        "Accounts",
                        "MRR",
                        "Avg score",
                        "At risk",
                        "At risk %",
                        "7d move",
                        "Overdue",
                        "Renewals 90d",
                    ],
                    rows,
                    widths=(2, 1, 1.3, 1, 0.9, 0.9, 0.9, 0.9, 1.1),
                    align=("LEFT", *(["RIGHT"] * 8)),
                ),
                Text(
                    "Overdue: accounts past their tier's overdue contact cadence. "
                    "7d move: average momentum.",
                    muted=True,
                ),
            ],
        )
    )
    focus = [
        f"{r[0]}: {r[5]} of accounts at risk"
        for r in rows
        if r[4] and float(r[5].rstrip("%")) >= 25
    ]
    focus += [f"{r[0]}: {r[7]} accounts overdue for contact" for r in rows if r[7] >= 3]
    if focus:
        report.sections.append(
            Section("Suggested focus", [Text("\n".join(f"• {line}" for line in focus))])
        )
    report.summary = (
        f"{len(groups)} managers; best average {rows[0][0]} ({rows[0][3]})."
        if rows
        else "No accounts."
    )
    return report


# --- segments --------------------------------------------------------------


def segments_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    report = Report(
        kind="segments",
        title="Segment analysis",
        subtitle=scope.describe(),
        csv_header=[
            "dimension",
            "segment",
            "accounts",
            "mrr",
            "average_score",
            "at_risk_pct",
            "average_momentum",
        ],
    )
    for dimension, heading, order in (
        ("tier", "By tier", [*TIERS, "(none)"]),
        ("lifecycle", "By lifecycle stage", list(LIFECYCLES)),
        ("tag", "By tag", None),
    ):
        groups = book.group(dimension)
        keys = (
            [k for k in order if k in groups]
            if order
            else sorted(groups, key=lambda k: (-len(groups[k]), k))
        )
        rows: list[list[Any]] = []
        for key in keys:
            members = groups[key]
            pct = round(100 * sum(1 for a in members if a.at_risk) / len(members), 1)
            move = _avg([a.momentum for a in members if a.momentum is not None])
            label = TIER_LABELS.get(key, key) if dimension == "tier" else key
            rows.append(
                [
                    label,
                    len(members),
                    money(sum(a.mrr for a in members)),
                    score_text(_avg(_scores(members))),
                    f"{pct:.0f}%",
                    signed(move),
                ]
            )
            report.csv_rows.append(
                [
                    dimension,
                    key,
                    len(members),
                    round(sum(a.mrr for a in members), 2),
                    _avg(_scores(members)),
                    pct,
                    move,
                ]
            )
        report.sections.append(
            Section(
                heading,
                [
                    Bars(
                        [str(r[0]) for r in rows[:12]],
                        [float(r[3]) if r[3] != "—" else 0.0 for r in rows[:12]],
                        value_format="{:.1f}",
                    ),
                    Table(
                        ["Segment", "Accounts", "MRR", "Avg score", "At risk %", "7d move"],
                        rows,
                        widths=(2, 1, 1.3, 1, 1, 1),
                        align=("LEFT", *(["RIGHT"] * 5)),
                    ),
                ],
            )
        )
    report.summary = f"{len(book.accounts)} accounts across tiers, stages and tags."
    return report


# --- trend -----------------------------------------------------------------


def trend_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    day = scope.day
    first = day - timedelta(days=89)
    ids = [a.id for a in book.accounts]
    daily = daily_scores(session, ids, first, day)
    days = sorted(daily)
    averages = [(_avg(list(daily[d].values()))) for d in days]
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
                    y_min=0,
                    y_max=100,
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
                    [("Below watch %", risk_share)],
                    y_min=0,
                    y_max=100,
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
    report.summary = f"Average score {score_text(end_avg)} ({signed(change)} over 90 days)."
    return report


# --- churn risk ------------------------------------------------------------


@dataclass(frozen=True)
class ChurnEstimate:
    probability: float  # percent
    factors: list[tuple[str, float]]  # (factor, points)


def churn_estimate(account: Account, quiet_after: int) -> ChurnEstimate:
    """A transparent churn estimate in percent (not a fitted model):

    half the score's gap to 100 (score 0 → 50 %), plus the 7-day drop in
    points (up to 15), plus fixed points for warning signs — NPS detractor 8,
    3+ open tickets 6, adoption under 20 % 6, quiet past the quiet-after
    period 5, negative sentiment 5, fewer than 5 logins 4 — then × 1.25 when
    the renewal is within 90 days (the decision is near), kept within 1–95 %.
    """
    score = account.score if account.score is not None else 50.0
    factors: list[tuple[str, float]] = [(f"score {score:.1f}", round((100 - score) * 0.5, 1))]
    if account.momentum is not None and account.momentum < 0:
        factors.append(
            (f"fell {-account.momentum:.1f} pts in 7 days", round(min(15.0, -account.momentum), 1))
        )
    s = account.signals
    if s.get("nps") is not None and s["nps"] <= 6:
        factors.append((f"NPS detractor ({s['nps']})", 8.0))
    if s.get("tickets") is not None and s["tickets"] >= 3:
        factors.append((f"{s['tickets']} open tickets", 6.0))
    if s.get("adoption") is not None and s["adoption"] < 20:
        factors.append((f"adoption {s['adoption']:.0f}%", 6.0))
    if s.get("days") is not None and s["days"] >= quiet_after:
        factors.append((f"no contact for {s['days']} days", 5.0))
    if account.sentiment == "negative":
        factors.append(("negative sentiment", 5.0))
    if s.get("logins") is not None and s["logins"] < 5:
        factors.append((f"{s['logins']} logins in 30 days", 4.0))
    total = sum(points for _, points in factors)
    days = account.days_to_renewal
    if days is not None and 0 <= days <= 90:
        factors.append((f"renews in {days} days (× 1.25)", round(total * 0.25, 1)))
        total *= 1.25
    return ChurnEstimate(probability=round(max(1.0, min(95.0, total)), 1), factors=factors)


def churn_risk_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    estimates = [(churn_estimate(a, book.config.quiet_after), a) for a in book.scored]
    estimates.sort(key=lambda item: (-item[0].probability, item[1].name))
    expected = sum(est.probability / 100 * a.mrr for est, a in estimates)
    high = [(e, a) for e, a in estimates if e.probability >= 40]
    report = Report(
        kind="churn-risk",
        title="Churn risk",
        subtitle=scope.describe(),
        kpis=[
            ("Accounts ≥ 40 %", f"{len(high)}"),
            ("MRR ≥ 40 %", money(sum(a.mrr for _, a in high))),
            ("Expected MRR loss", money(expected)),
            (
                "Median probability",
                f"{_median([e.probability for e, _ in estimates]):.0f}%" if estimates else "—",
            ),
        ],
        csv_header=[
            "name",
            "probability_pct",
            "score",
            "momentum_7d",
            "mrr",
            "days_to_renewal",
            "manager",
            "factors",
        ],
    )
    buckets = [
        ("0–20 %", 0, 20),
        ("20–40 %", 20, 40),
        ("40–60 %", 40, 60),
        ("60–80 %", 60, 80),
        ("80–95 %", 80, 101),
    ]
    report.sections.append(
        Section(
            "Accounts by churn probability",
            [
                Bars(
                    [b[0] for b in buckets],
                    [
                        float(sum(1 for e, _ in estimates if b[1] <= e.probability < b[2]))
                        for b in buckets
                    ],
                    colours=[
                        BAND_COLOURS["healthy"],
                        BAND_COLOURS["watch"],
                        BAND_COLOURS["at_risk"],
                        BAND_COLOURS["critical"],
                        BAND_COLOURS["critical"],
                    ],
                ),
            ],
        )
    )
    rows: list[list[Any]] = []
    bands: list[str | None] = []
    for est, account in estimates:
        factor_text = (
            "; ".join(f"{name} +{points:g}" for name, points in est.factors[1:4]) or "score only"
        )
        if est.probability >= 20:
            rows.append(
                [
                    account.name,
                    f"{est.probability:.0f}%",
                    score_text(account.score),
                    signed(account.momentum),
                    money(account.mrr),
                    factor_text,
                ]
            )
            bands.append(account.band)
        report.csv_rows.append(
            [
                account.name,
                est.probability,
                account.score,
                account.momentum,
                round(account.mrr, 2),
                account.days_to_renewal,
                account.manager,
                "|".join(f"{name} (+{points:g})" for name, points in est.factors),
            ]
        )
    report.sections.append(
        Section(
            "Accounts at 20 % or more",
            [
                Table(
                    ["Account", "Churn", "Score", "7d", "MRR", "Contributing factors"],
                    rows,
                    widths=(2.4, 0.8, 0.8, 0.7, 1.1, 4.2),
                    bands=bands,
                    band_column=2,
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
                    empty="No account is at 20 % or more.",
                ),
                Text(
                    churn_estimate.__doc__.split("\n\n", 1)[1].replace("\n    ", " ").strip()
                    if churn_estimate.__doc__
                    else "",
                    muted=True,
                ),
            ],
        )
    )
    report.summary = (
        f"{len(high)} accounts at 40 %+ churn probability; expected MRR loss {money(expected)}."
    )
    return report


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# --- one customer ----------------------------------------------------------


def _one(session: Session, client_id: int, scope: ReportScope) -> tuple[Portfolio, Account]:
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
    return book, account


def customer_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book, account = _one(session, client_id, scope)
    customer = find_customer(session, client_id, account.name)
    assert customer is not None
    detail = breakdown(session, customer, book.config, scope.day)
    est = churn_estimate(account, book.config.quiet_after)
    report = Report(
        kind="customer",
        title=f"Customer health: {account.name}",
        subtitle=(
            f"As of {scope.day.isoformat()} · {TIER_LABELS.get(account.tier or '', 'no tier')}"
            f" · manager {account.manager or '—'}"
        ),
        kpis=[
            ("Score", f"{score_text(account.score)} {band_label(account.band)}"),
            ("7-day momentum", signed(account.momentum)),
            ("MRR", money(account.mrr)),
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
                line["signal"],
                "—" if line["value"] is None else line["value"],
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
    report.summary = (
        f"{account.name}: score {score_text(account.score)} ({band_label(account.band)}), "
        f"churn estimate {est.probability:.0f}%."
    )
    return report


# --- score history ---------------------------------------------------------


def history_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    day = scope.day
    start = clock.start_of(day - timedelta(days=89))
    end = clock.start_of(day + timedelta(days=1))
    params: dict[str, Any] = {"client_id": client_id, "start": start, "end": end}
    clause = ""
    title = "Score history"
    if scope.customer:
        _book, account = _one(session, client_id, scope)
        clause = " AND c.id = :customer_id"
        params["customer_id"] = account.id
        title = f"Score history: {account.name}"
    else:
        clause = " AND c.status = 'active'" + _scope_sql(scope, params)
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT c.id, c.name, s.taken_at, s.score, s.band, s.source FROM score_snapshot s "
                "JOIN customer c ON c.id = s.customer_id WHERE c.client_id = :client_id "
                "AND s.taken_at >= :start AND s.taken_at < :end"
                + clause
                + " ORDER BY c.name_key, s.taken_at, s.id"
            ),
            params,
        )
        .all()
    )
    prior = snapshots_before(session, sorted({int(r[0]) for r in rows}), start)
    last: dict[int, float | None] = {cid: snap["score"] for cid, snap in prior.items()}
    changes = []
    for cid, name, taken_at, score, band, source in rows:
        before = last.get(int(cid))
        last[int(cid)] = score
        if before is not None and score is not None and abs(score - before) < 0.05:
            continue
        moment = str(taken_at)[:16]
        changes.append((name, moment, before, score, band, source))
    report = Report(
        kind="history",
        title=title,
        subtitle=scope.describe() + " · last 90 days, each recorded change",
        kpis=[
            ("Changes", f"{len(changes)}"),
            ("Accounts", f"{len({c[0] for c in changes})}"),
            (
                "Drops of 10+",
                f"{sum(1 for c in changes if _dropped(c[2], c[3], 10))}",
            ),
        ],
        csv_header=["name", "taken_at", "from_score", "to_score", "change", "band", "source"],
    )
    table_rows: list[list[Any]] = []
    bands: list[str | None] = []
    for name, moment, before, score, band, source in changes:
        delta = None if before is None or score is None else round(score - before, 1)
        table_rows.append(
            [
                name,
                moment,
                score_text(before),
                score_text(score),
                signed(delta),
                band_label(band),
                source,
            ]
        )
        bands.append(band)
        report.csv_rows.append([name, moment, before, score, delta, band, source])
    if scope.customer and changes:
        days = sorted({c[1][:10] for c in changes})
        report.sections.append(
            Section(
                "Recorded scores",
                [
                    Lines(
                        [d[5:] for d in days],
                        [
                            (
                                "Score",
                                [
                                    next(c[3] for c in reversed(changes) if c[1][:10] == d)
                                    for d in days
                                ],
                            )
                        ],
                        y_min=0,
                        y_max=100,
                    ),
                ],
            )
        )
    report.sections.append(
        Section(
            "Changes",
            [
                Table(
                    ["Account", "When", "From", "To", "Change", "Band", "Source"],
                    table_rows,
                    widths=(2.4, 1.6, 0.8, 0.8, 0.8, 1, 1),
                    bands=bands,
                    band_column=5,
                    align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
                    empty="No score changes in the period.",
                ),
            ],
        )
    )
    report.summary = f"{len(changes)} score changes in 90 days."
    return report


def _dropped(before: float | None, after: float | None, points: float) -> bool:
    return before is not None and after is not None and after <= before - points


def _scope_sql(scope: ReportScope, params: dict[str, Any]) -> str:
    clause = ""
    if scope.manager:
        clause += " AND LOWER(c.manager) = :manager"
        params["manager"] = scope.manager.strip().lower()
    if scope.tier:
        clause += " AND c.tier = :tier"
        params["tier"] = scope.tier
    if scope.tag:
        clause += " AND ('|' || LOWER(c.tags) || '|') LIKE :tag"
        params["tag"] = f"%|{scope.tag.strip().lower()}|%"
    return clause


# --- weekly digest ---------------------------------------------------------


def digest_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    day = scope.day
    week_start = day - timedelta(days=6)
    before = snapshots_before(session, [a.id for a in book.accounts], clock.start_of(week_start))
    thresholds = book.config.thresholds
    moved_in = [
        a
        for a in book.accounts
        if a.at_risk and a.id in before and (before[a.id]["band"] not in ("critical", "at_risk"))
    ]
    recovered = [
        a
        for a in book.accounts
        if a.band in ("healthy", "expansion")
        and a.id in before
        and before[a.id]["band"] in ("critical", "at_risk")
    ]
    movers = sorted(
        (a for a in book.accounts if a.momentum is not None),
        key=lambda a: (a.momentum or 0, a.name),
    )
    renewals = sorted(
        (
            a
            for a in book.accounts
            if a.days_to_renewal is not None and 0 <= a.days_to_renewal <= 30
        ),
        key=lambda a: (a.days_to_renewal or 0, a.name),
    )
    done = _tasks_done(session, client_id, week_start, day)
    report = Report(
        kind="digest",
        title="Weekly digest",
        subtitle=f"Week {week_start.isoformat()} to {day.isoformat()} · "
        + scope.describe().split(" · ", 1)[-1],
        kpis=[
            ("Average score", score_text(book.average_score)),
            ("Newly at risk", f"{len(moved_in)}"),
            ("Recovered", f"{len(recovered)}"),
            ("Renewing in 30 days", f"{len(renewals)}"),
            ("Tasks done", f"{len(done)}"),
        ],
        csv_header=["section", "name", "score", "change_7d", "band", "mrr", "detail"],
    )

    def rows_for(
        section: str, accounts: list[Account], detail: Callable[[Account], str]
    ) -> list[list[Any]]:
        out = []
        for a in accounts:
            out.append(
                [
                    a.name,
                    score_text(a.score),
                    signed(a.momentum),
                    band_label(a.band),
                    money(a.mrr),
                    detail(a),
                ]
            )
            report.csv_rows.append(
                [section, a.name, a.score, a.momentum, a.band, round(a.mrr, 2), detail(a)]
            )
        return out

    heads = ["Account", "Score", "7d", "Band", "MRR", "Detail"]
    widths = (2.4, 0.8, 0.8, 1, 1, 2.4)
    align = ("LEFT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "LEFT")
    falling = [a for a in movers if (a.momentum or 0) < 0][:8]
    rising = [a for a in reversed(movers) if (a.momentum or 0) > 0][:8]
    report.sections.append(
        Section(
            "Biggest drops this week",
            [
                Table(
                    heads,
                    rows_for("drop", falling, lambda a: _weakest_signal(a)),
                    widths=widths,
                    bands=[a.band for a in falling],
                    band_column=3,
                    align=align,
                    empty="No score fell this week.",
                )
            ],
        )
    )
    report.sections.append(
        Section(
            "Biggest gains this week",
            [
                Table(
                    heads,
                    rows_for("gain", rising, lambda a: ""),
                    widths=widths,
                    bands=[a.band for a in rising],
                    band_column=3,
                    align=align,
                    empty="No score rose this week.",
                )
            ],
        )
    )
    report.sections.append(
        Section(
            "Newly at risk",
            [
                Table(
                    heads,
                    rows_for(
                        "newly_at_risk",
                        moved_in,
                        lambda a: f"was {band_label(before[a.id]['band'])}",
                    ),
                    widths=widths,
                    bands=[a.band for a in moved_in],
                    band_column=3,
                    align=align,
                    empty="No account entered At Risk or Critical.",
                )
            ],
        )
    )
    report.sections.append(
        Section(
            "Renewals in the next 30 days",
            [
                Table(
                    heads,
                    rows_for(
                        "renewal",
                        renewals,
                        lambda a: f"renews {a.renewal_date} ({a.days_to_renewal} d)",
                    ),
                    widths=widths,
                    bands=[a.band for a in renewals],
                    band_column=3,
                    align=align,
                    empty="No renewals in the next 30 days.",
                )
            ],
        )
    )
    task_rows = [[name, title, owner or "—", str(when)[:10]] for name, title, owner, when in done]
    for name, title, owner, when in done:
        report.csv_rows.append(
            [
                "task_done",
                name,
                None,
                None,
                None,
                None,
                f"{title} ({owner or '—'}, {str(when)[:10]})",
            ]
        )
    report.sections.append(
        Section(
            "Tasks done",
            [
                Table(
                    ["Account", "Task", "Owner", "Done"],
                    task_rows,
                    widths=(2, 3, 1.6, 1),
                    empty="No tasks were completed this week.",
                )
            ],
        )
    )
    del thresholds
    alerts = _open_alerts(session, client_id, book, day)
    for alert in alerts:
        report.csv_rows.append(
            [
                "alert",
                alert.customer,
                None,
                None,
                alert.severity,
                alert.mrr,
                f"{alert.category}: {alert.reason}",
            ]
        )
    report.kpis.append(("Critical/warning alerts", f"{len(alerts)}"))
    report.sections.insert(
        2,
        Section(
            "Alerts open now (critical and warning)",
            [
                Table(
                    ["Account", "Severity", "Category", "MRR", "Reason"],
                    [[a.customer, a.severity, a.category, money(a.mrr), a.reason] for a in alerts],
                    widths=(2, 0.9, 1, 0.9, 4),
                    empty="No critical or warning alerts.",
                )
            ],
        ),
    )
    report.summary = (
        f"Week to {day.isoformat()}: {len(alerts)} critical/warning alerts, "
        f"average score {score_text(book.average_score)}, "
        f"{len(moved_in)} newly at risk, "
        f"{len(recovered)} recovered, {len(renewals)} renewals in 30 days, {len(done)} tasks done."
    )
    return report


def _open_alerts(session: Session, client_id: int, book: Portfolio, day: date) -> list[Any]:
    """Critical and warning alerts of the accounts in scope, by MRR (today only:
    alerts are derived from current data, so a past digest shows none)."""
    if day != clock.today():
        return []
    from iqcadence.core.alerts.derive import derive_alerts

    ids = {a.id for a in book.accounts}
    found = [
        alert
        for alert in derive_alerts(session, client_id, customer_ids=sorted(ids))
        if alert.severity in ("critical", "warning")
    ]
    return sorted(found, key=lambda a: (a.severity != "critical", -(a.mrr or 0), a.customer))


def _tasks_done(
    session: Session, client_id: int, first: date, last: date
) -> list[tuple[str, str, str | None, Any]]:
    """Tasks completed in the period (when the task records exist)."""
    conn = session.connection()
    if "task" not in inspect(conn).get_table_names():
        return []
    columns = {c["name"] for c in inspect(conn).get_columns("task")}
    if not {"completed_at", "title", "customer_id"} <= columns:
        return []
    owner = "t.owner" if "owner" in columns else "NULL"
    rows = conn.execute(
        text(
            f"SELECT c.name, t.title, {owner}, t.completed_at FROM task t "
            "JOIN customer c ON c.id = t.customer_id WHERE c.client_id = :client_id "
            "AND t.completed_at >= :start AND t.completed_at < :end ORDER BY t.completed_at"
        ),
        {
            "client_id": client_id,
            "start": clock.start_of(first),
            "end": clock.start_of(last + timedelta(days=1)),
        },
    ).all()
    return [(str(r[0]), str(r[1]), r[2], r[3]) for r in rows]


# --- registry --------------------------------------------------------------


@dataclass(frozen=True)
class ReportType:
    name: str
    title: str
    description: str
    build: Callable[[Session, int, ReportScope], Report]
    needs_customer: bool = False


REPORTS: dict[str, ReportType] = {
    r.name: r
    for r in (
        ReportType(
            "portfolio",
            "Portfolio summary",
            "Book health: KPIs, band distribution, tier breakdown.",
            portfolio_report,
        ),
        ReportType(
            "at-risk",
            "At-risk accounts",
            "Accounts below 50, most urgent first, with why.",
            at_risk_report,
        ),
        ReportType(
            "renewals",
            "Renewal forecast",
            "Renewals over 12 months by month, with risk flags.",
            renewals_report,
        ),
        ReportType(
            "csm",
            "CSM performance",
            "Each manager's portfolio: score, risk, momentum, overdue contacts.",
            csm_report,
        ),
        ReportType(
            "segments",
            "Segment analysis",
            "Health by tier, lifecycle stage and tag.",
            segments_report,
        ),
        ReportType(
            "trend",
            "Trend (90 days)",
            "Average score and risk share over 90 days, biggest movers.",
            trend_report,
        ),
        ReportType(
            "churn-risk",
            "Churn risk",
            "Churn probability per account with contributing factors.",
            churn_risk_report,
        ),
        ReportType(
            "customer",
            "Customer health",
            "One account in depth (needs --customer).",
            customer_report,
            needs_customer=True,
        ),
        ReportType(
            "history",
            "Score history",
            "Every recorded score change over 90 days (one account with --customer).",
            history_report,
        ),
        ReportType(
            "digest",
            "Weekly digest",
            "This week: movers, newly at risk, renewals, tasks done.",
            digest_report,
        ),
    )
}


def build_report(session: Session, client_id: int, kind: str, scope: ReportScope) -> Report:
    report_type = REPORTS.get(kind)
    if report_type is None:
        raise InvalidValue(f"report type {kind!r} is not one of {', '.join(REPORTS)}.")
    if scope.as_of is not None and scope.as_of > clock.today():
        raise InvalidValue(f"--as-of: {scope.as_of} is in the future.")
    return report_type.build(session, client_id, scope)
