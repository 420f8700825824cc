"""The ten report types and how to build one by name.

Each report is built from a `Portfolio` (and snapshots where it needs
history) into a `Report`, which renders to PDF and to CSV with the same
figures. The builders live by theme: `book` (portfolio, CSM, segments),
`risk` (at-risk, churn risk), `renewals`, `history` (trend, customer),
`score_history` and `digest`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from iqcadence.core.base import clock
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.reports.book import csm_report, portfolio_report, segments_report
from iqcadence.core.reports.data import ReportScope
from iqcadence.core.reports.digest import digest_report
from iqcadence.core.reports.history import customer_report, trend_report
from iqcadence.core.reports.model import Report
from iqcadence.core.reports.renewals import renewals_report
from iqcadence.core.reports.risk import at_risk_report, churn_risk_report
from iqcadence.core.reports.score_history import history_report

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
