"""Book-level reports: portfolio summary, CSM performance, segment analysis.

Their figures and definitions are the ones every report shares (see
`definitions`): revenue at risk, expansion opportunity and expected MRR loss
come from the same functions here as in the risk reports.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from iqcadence.core.base.labels import label
from iqcadence.core.reports import definitions as defs
from iqcadence.core.reports.data import (
    RISK_BANDS,
    Account,
    ReportScope,
    load_portfolio,
)
from iqcadence.core.reports.fmt import (
    average,
    band_label,
    money_format,
    renews_within,
    score_text,
    scores_of,
    signed,
    tier_label,
)
from iqcadence.core.reports.model import BandMix, Bars, Donut, Report, Section, Table, Text
from iqcadence.core.reports.pdf_style import BAND_COLOURS
from iqcadence.core.reports.risk import expected_mrr_loss
from iqcadence.core.scoring.formula import BANDS, LIFECYCLES, TIERS

# The accounts per band, as extra CSV columns of the CSM and segment reports.
BAND_COLUMNS = [f"band_{band}" for band in BANDS]

# --- portfolio -------------------------------------------------------------


def portfolio_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    groups = book.by_band()
    renewals_90 = [a for a in book.accounts if renews_within(a, 90)]
    report = Report(
        kind="portfolio",
        title="Portfolio summary",
        subtitle=scope.describe(),
        kpis=[
            ("Accounts", f"{len(book.accounts):,}"),
            ("Total MRR", book.money(book.total_mrr)),
            ("Average score", score_text(book.average_score)),
            ("Revenue at risk", book.money(book.revenue_at_risk)),
            ("Expected MRR loss", book.money(expected_mrr_loss(book))),
            ("Expansion opportunity", book.money(book.expansion_opportunity)),
            (
                "Renewing in 90 days",
                f"{len(renewals_90)} · {book.money(sum(a.mrr for a in renewals_90))}",
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
                book.money(sum(a.mrr for a in members)),
                score_text(average(scores_of(members))),
            ]
        )
        report.csv_rows.append(
            [
                "band",
                band,
                len(members),
                round(sum(a.mrr for a in members), 2),
                average(scores_of(members)),
                len(members) if band in RISK_BANDS else 0,
            ]
        )
    unscored = [a for a in book.accounts if a.band is None]
    if unscored:
        band_rows.append(["Unscored", len(unscored), book.money(sum(a.mrr for a in unscored)), "—"])
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
                tier_label(tier),
                len(members),
                book.money(sum(a.mrr for a in members)),
                score_text(average(scores_of(members))),
                len(at_risk),
            ]
        )
        report.csv_rows.append(
            [
                "tier",
                tier or "",
                len(members),
                round(sum(a.mrr for a in members), 2),
                average(scores_of(members)),
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
                    value_format=money_format(book.currency),
                    height=26,
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
    report.sections.append(
        defs.notes(
            defs.AVERAGE_SCORE,
            defs.revenue_at_risk(book.config),
            defs.EXPECTED_MRR_LOSS,
            defs.expansion_opportunity(book.config),
            "Renewing in 90 days: accounts with a renewal date in the next 90 days; their MRR.",
        )
    )
    report.summary = (
        f"{len(book.accounts)} accounts, {book.money(book.total_mrr)} MRR, average score "
        f"{score_text(book.average_score)}; {book.money(book.revenue_at_risk)} MRR at risk."
    )
    return report


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
            *BAND_COLUMNS,
        ],
    )
    rows: list[list[Any]] = []
    ordered = sorted(
        groups.items(), key=lambda item: (-(average(scores_of(item[1])) or 0), item[0])
    )
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
        renewals = sum(1 for a in members if renews_within(a, 90))
        pct = round(100 * len(at_risk) / len(members), 1) if members else 0.0
        avg_score = average(scores_of(members))
        avg_move = average([float(m) for m in moves])
        rows.append(
            [
                manager,
                len(members),
                book.money(sum(a.mrr for a in members)),
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
                *band_counts(members).values(),
            ]
        )
    report.kpis = [
        ("Managers", f"{len(groups)}"),
        ("Accounts", f"{len(book.accounts)}"),
        ("Average score", score_text(book.average_score)),
    ]
    report.sections.append(
        Section(
            "Band mix by manager",
            [BandMix([(str(r[0]), band_counts(groups[r[0]])) for r in rows])],
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
                        "Risk %",
                        "7d move",
                        "Overdue",
                        "Renew 90d",
                    ],
                    rows,
                    widths=(2, 1, 1.3, 1, 0.9, 0.9, 0.9, 0.9, 1.1),
                    align=("LEFT", *(["RIGHT"] * 8)),
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
    report.sections.append(
        defs.notes(
            defs.AVERAGE_SCORE,
            defs.RISK_SHARE,
            "7d move: the average of the accounts' 7d (score now minus 7 days earlier).",
            defs.overdue(book.config),
            "Renew 90d: accounts whose renewal date falls in the next 90 days.",
        )
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
            *BAND_COLUMNS,
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
            move = average([a.momentum for a in members if a.momentum is not None])
            if dimension == "tier":
                name = tier_label(None if key == "(none)" else key)
            elif dimension == "lifecycle":
                name = label("lifecycle", key)
            else:
                name = key
            rows.append(
                [
                    name,
                    len(members),
                    book.money(sum(a.mrr for a in members)),
                    score_text(average(scores_of(members))),
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
                    average(scores_of(members)),
                    pct,
                    move,
                    *band_counts(members).values(),
                ]
            )
        report.sections.append(
            Section(
                heading,
                [
                    BandMix(
                        [
                            (str(r[0]), band_counts(groups[k]))
                            for r, k in zip(rows, keys, strict=True)
                        ]
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
    report.sections.append(
        defs.notes(
            defs.AVERAGE_SCORE,
            defs.RISK_SHARE,
            "7d move: the average of the accounts' 7d (score now minus 7 days earlier).",
            "An account with several tags counts once under each.",
        )
    )
    report.summary = f"{len(book.accounts)} accounts across tiers, stages and tags."
    return report


def band_counts(accounts: list[Account]) -> dict[str, int]:
    """Accounts per band, in band order (unscored ones are left out)."""
    counts = dict.fromkeys(BANDS, 0)
    for account in accounts:
        if account.band in counts:
            counts[account.band] += 1
    return counts
