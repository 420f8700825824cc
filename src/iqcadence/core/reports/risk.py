"""Risk reports: at-risk accounts by urgency, and churn risk.

Both cover the same accounts the portfolio's "revenue at risk" counts (the
Critical and At Risk bands) and print their figures' definitions from
`definitions`; the urgency and churn formulas are below, with their
constants named so the printed method and the code cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median
from typing import Any

from sqlmodel import Session

from iqcadence.core.reports import definitions as defs
from iqcadence.core.reports.data import (
    Account,
    Portfolio,
    ReportScope,
    load_portfolio,
)
from iqcadence.core.reports.fmt import (
    band_label,
    renews_within,
    score_text,
    signed,
)
from iqcadence.core.reports.model import Bars, Report, Section, Table
from iqcadence.core.reports.pdf_style import BAND_COLOURS

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
    risky = [a for a in book.accounts if a.at_risk]
    top = max((a.mrr for a in risky), default=0.0)
    ranked = sorted(risky, key=lambda a: (-urgency(a, top), a.name))
    watch = f"{book.config.thresholds['watch']:g}"
    report = Report(
        kind="at-risk",
        title="At-risk accounts",
        subtitle=scope.describe()
        + f" · Critical and At Risk (score below {watch}), most urgent first",
        kpis=[
            ("Accounts at risk", f"{len(risky)}"),
            ("Critical", f"{sum(1 for a in risky if a.band == 'critical')}"),
            ("Revenue at risk", book.money(book.revenue_at_risk)),
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
                book.money(account.mrr),
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
                    widths=(2.2, 0.8, 1.0, 0.8, 1.0, 1.2, 1.4, 0.9, 2.3),
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
                    empty=f"No account is Critical or At Risk (a score below {watch}).",
                    order="most urgent first",
                ),
            ],
        )
    )
    report.sections.append(
        defs.notes(defs.revenue_at_risk(book.config), defs.URGENCY, defs.MOMENTUM)
    )
    report.summary = (
        f"{len(risky)} accounts Critical or At Risk with {book.money(book.revenue_at_risk)} MRR."
    )
    return report


# --- churn risk ------------------------------------------------------------

# The churn estimate's constants (percentage points unless said otherwise).
SCORE_GAP_SHARE = 0.5  # of the score's gap to 100
DROP_CAP = 15.0  # most points a 7-day fall adds
NPS_DETRACTOR = 8.0  # NPS 0–6
MANY_TICKETS, MANY_TICKETS_AT = 6.0, 3  # open tickets
LOW_ADOPTION, LOW_ADOPTION_BELOW = 6.0, 20  # adoption %
QUIET = 5.0  # no contact for the quiet-after period
NEGATIVE_SENTIMENT = 5.0
FEW_LOGINS, FEW_LOGINS_BELOW = 4.0, 5  # logins in 30 days
NEAR_RENEWAL_DAYS, NEAR_RENEWAL_FACTOR = 90, 1.25
LOWEST, HIGHEST = 1.0, 95.0
HIGH_CHURN = 40.0  # "high" in the KPIs
LISTED_FROM = 20.0  # the PDF lists accounts at or above this


def churn_definition(quiet_after: int) -> str:
    """The churn estimate in words, from the constants above."""
    return (
        "Churn estimate: a documented point system, not a fitted model. Half the score's "
        f"gap to 100 (a score of 0 gives {100 * SCORE_GAP_SHARE:g} %), plus the points lost "
        f"in the last 7 days (up to {DROP_CAP:g}), plus fixed points for warning signs: NPS "
        f"detractor (0–6) {NPS_DETRACTOR:g}, {MANY_TICKETS_AT}+ open tickets {MANY_TICKETS:g}, "
        f"adoption under {LOW_ADOPTION_BELOW} % {LOW_ADOPTION:g}, no contact for "
        f"{quiet_after} days {QUIET:g}, negative sentiment {NEGATIVE_SENTIMENT:g}, fewer "
        f"than {FEW_LOGINS_BELOW} logins {FEW_LOGINS:g}; then × {NEAR_RENEWAL_FACTOR:g} when "
        f"the renewal is within {NEAR_RENEWAL_DAYS} days, and kept within "
        f"{LOWEST:g}–{HIGHEST:g} %. An unscored account counts as a score of 50."
    )


@dataclass(frozen=True)
class ChurnEstimate:
    probability: float  # percent
    factors: list[tuple[str, float]]  # (factor, points)


def churn_estimate(account: Account, quiet_after: int) -> ChurnEstimate:
    """A transparent churn estimate in percent: see `churn_definition`."""
    score = account.score if account.score is not None else 50.0
    factors: list[tuple[str, float]] = [
        (f"score {score:.1f}", round((100 - score) * SCORE_GAP_SHARE, 1))
    ]
    if account.momentum is not None and account.momentum < 0:
        factors.append(
            (
                f"fell {-account.momentum:.1f} pts in 7 days",
                round(min(DROP_CAP, -account.momentum), 1),
            )
        )
    s = account.signals
    if s.get("nps") is not None and s["nps"] <= 6:
        factors.append((f"NPS detractor ({s['nps']})", NPS_DETRACTOR))
    if s.get("tickets") is not None and s["tickets"] >= MANY_TICKETS_AT:
        factors.append((f"{s['tickets']} open tickets", MANY_TICKETS))
    if s.get("adoption") is not None and s["adoption"] < LOW_ADOPTION_BELOW:
        factors.append((f"adoption {s['adoption']:.0f}%", LOW_ADOPTION))
    if s.get("days") is not None and s["days"] >= quiet_after:
        factors.append((f"no contact for {s['days']} days", QUIET))
    if account.sentiment == "negative":
        factors.append(("negative sentiment", NEGATIVE_SENTIMENT))
    if s.get("logins") is not None and s["logins"] < FEW_LOGINS_BELOW:
        factors.append((f"{s['logins']} logins in 30 days", FEW_LOGINS))
    total = sum(points for _, points in factors)
    days = account.days_to_renewal
    if days is not None and 0 <= days <= NEAR_RENEWAL_DAYS:
        factors.append(
            (
                f"renews in {days} days (× {NEAR_RENEWAL_FACTOR:g})",
                round(total * (NEAR_RENEWAL_FACTOR - 1), 1),
            )
        )
        total *= NEAR_RENEWAL_FACTOR
    return ChurnEstimate(probability=round(max(LOWEST, min(HIGHEST, total)), 1), factors=factors)


def churn_estimates(book: Portfolio) -> list[tuple[ChurnEstimate, Account]]:
    """Every scored account's estimate, highest first."""
    estimates = [(churn_estimate(a, book.config.quiet_after), a) for a in book.scored]
    estimates.sort(key=lambda item: (-item[0].probability, item[1].name))
    return estimates


def expected_mrr_loss(book: Portfolio) -> float:
    """Σ churn estimate × MRR over the scored accounts (see `definitions`)."""
    return sum(est.probability / 100 * a.mrr for est, a in churn_estimates(book))


def churn_risk_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    estimates = churn_estimates(book)
    expected = expected_mrr_loss(book)
    high = [(e, a) for e, a in estimates if e.probability >= HIGH_CHURN]
    report = Report(
        kind="churn-risk",
        title="Churn risk",
        subtitle=scope.describe(),
        kpis=[
            (f"Accounts at {HIGH_CHURN:g} %+", f"{len(high)}"),
            (f"MRR at {HIGH_CHURN:g} %+", book.money(sum(a.mrr for _, a in high))),
            ("Expected MRR loss", book.money(expected)),
            ("Revenue at risk", book.money(book.revenue_at_risk)),
            (
                "Median estimate",
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
            "Accounts by churn estimate",
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
        factor_text = "; ".join(f"{name} +{points:g}" for name, points in est.factors[1:])
        if est.probability >= LISTED_FROM:
            rows.append(
                [
                    account.name,
                    f"{est.probability:.0f}%",
                    score_text(account.score),
                    signed(account.momentum),
                    book.money(account.mrr),
                    factor_text or "score only",
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
            f"Accounts at {LISTED_FROM:g} % or more",
            [
                Table(
                    ["Account", "Churn", "Score", "7d", "MRR", "Contributing factors"],
                    rows,
                    widths=(2.2, 0.8, 0.8, 0.8, 1.0, 4.4),
                    bands=bands,
                    band_column=2,
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "LEFT"),
                    empty=f"No account is at {LISTED_FROM:g} % or more.",
                    order="highest estimate first",
                ),
            ],
        )
    )
    report.sections.append(
        defs.notes(
            churn_definition(book.config.quiet_after),
            f"MRR at {HIGH_CHURN:g} %+: the MRR of the accounts whose churn estimate is "
            f"{HIGH_CHURN:g} % or more.",
            defs.EXPECTED_MRR_LOSS,
            defs.revenue_at_risk(book.config),
            defs.MOMENTUM,
        )
    )
    report.summary = (
        f"{len(high)} accounts at {HIGH_CHURN:g} %+ churn estimate; expected MRR loss "
        f"{book.money(expected)}; revenue at risk {book.money(book.revenue_at_risk)}."
    )
    return report
