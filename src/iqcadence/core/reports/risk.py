"""Risk reports: at-risk accounts by urgency, and churn risk.

Urgency (0–100): half the score gap to 100, plus 30/20/10 points for a
renewal within 30/60/90 days, plus up to 20 points in proportion to the
account's share of the largest MRR in the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
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
    renews_within,
    score_text,
    signed,
)
from iqcadence.core.reports.model import Bars, Report, Section, Table, Text
from iqcadence.core.reports.pdf import BAND_COLOURS

# --- at-risk ---------------------------------------------------------------


def urgency(account: Account, top_mrr: float) -> float:
    points = (100 - (account.score or 0)) * 0.5
    if renews_within(account, 30):
        points += 30
    elif renews_within(account, 60):
        points += 20
    elif renews_within(account, 90):
        points += 10
    if top_mrr > 0:
        points += 20 * account.mrr / top_mrr
    return round(min(points, 100.0), 1)


def weakest_signal(account: Account) -> str:
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
                f"{sum(1 for a in risky if renews_within(a, 60))}",
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
        why = weakest_signal(account)
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
                f"{median([e.probability for e, _ in estimates]):.0f}%" if estimates else "—",
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
