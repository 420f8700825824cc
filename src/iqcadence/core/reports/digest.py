"""The weekly digest: movers, newly at risk, open alerts, renewals, tasks done.

It opens with the week's band mix (a week ago against now); every table
that the PDF shortens says which rows it kept and how they were chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import inspect, text
from sqlmodel import Session

from iqcadence.core.accounts.history import snapshots_before
from iqcadence.core.base import clock
from iqcadence.core.base.labels import label
from iqcadence.core.reports import definitions as defs
from iqcadence.core.reports.book import band_counts
from iqcadence.core.reports.data import (
    RISK_BANDS,
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
from iqcadence.core.reports.model import BandMix, Report, Section, Table
from iqcadence.core.reports.risk import weakest_signal
from iqcadence.core.scoring.formula import BANDS

# --- weekly digest ---------------------------------------------------------


def digest_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    book = load_portfolio(session, client_id, scope)
    day = scope.day
    week_start = day - timedelta(days=6)
    before = snapshots_before(session, [a.id for a in book.accounts], clock.start_of(week_start))
    moved_in = [
        a
        for a in book.accounts
        if a.at_risk and a.id in before and before[a.id]["band"] not in RISK_BANDS
    ]
    recovered = [
        a
        for a in book.accounts
        if a.band in ("healthy", "expansion")
        and a.id in before
        and before[a.id]["band"] in RISK_BANDS
    ]
    movers = sorted(
        (a for a in book.accounts if a.momentum is not None),
        key=lambda a: (a.momentum or 0, a.name),
    )
    renewals = sorted(
        (a for a in book.accounts if renews_within(a, 30)),
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
    week_ago = dict.fromkeys(BANDS, 0)
    for snap in before.values():
        if snap["band"] in week_ago:
            week_ago[snap["band"]] += 1
    report.sections.append(
        Section(
            "Band mix, a week ago and now",
            [BandMix([("A week ago", week_ago), ("Now", band_counts(book.accounts))])],
        )
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
                    book.money(a.mrr),
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
    sections: list[tuple[str, str, list[Account], Callable[[Account], str], str]] = [
        ("Biggest drops this week", "drop", falling, weakest_signal, "No score fell this week."),
        ("Biggest gains this week", "gain", rising, lambda a: "", "No score rose this week."),
        (
            "Newly at risk",
            "newly_at_risk",
            moved_in,
            lambda a: f"was {band_label(before[a.id]['band'])}",
            "No account entered At Risk or Critical.",
        ),
        (
            "Renewals in the next 30 days",
            "renewal",
            renewals,
            lambda a: f"renews {a.renewal_date} ({a.days_to_renewal} d)",
            "No renewals in the next 30 days.",
        ),
    ]
    for heading, key, accounts, detail, empty in sections:
        table = Table(
            heads,
            rows_for(key, accounts, detail),
            widths=widths,
            bands=[a.band for a in accounts],
            band_column=3,
            align=align,
            empty=empty,
        )
        report.sections.append(Section(heading, [table]))
    done.sort(key=lambda task: (str(task[3]), task[0]), reverse=True)
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
                    max_rows=25,
                    order="the most recent first",
                )
            ],
        )
    )
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
        3,
        Section(
            "Alerts open now (critical and warning)",
            [
                _alert_counts(alerts),
                Table(
                    ["Account", "Severity", "Category", "MRR", "Reason"],
                    [
                        [
                            a.customer,
                            label("severity", a.severity),
                            label("category", a.category),
                            book.money(a.mrr),
                            a.reason,
                        ]
                        for a in alerts
                    ],
                    widths=(2, 0.9, 1, 0.9, 4),
                    empty="No critical or warning alerts.",
                    max_rows=25,
                    order="critical before warning, then the most MRR first",
                ),
            ],
        ),
    )
    report.sections.append(
        defs.notes(
            defs.MOMENTUM,
            defs.NEWLY_AT_RISK,
            "Alerts: the critical and warning alerts derived from today's data (a digest "
            "for a past week shows none); the CSV lists every one.",
            defs.AVERAGE_SCORE,
        )
    )
    report.summary = (
        f"Week to {day.isoformat()}: {len(alerts)} critical/warning alerts, "
        f"average score {score_text(book.average_score)}, "
        f"{len(moved_in)} newly at risk, "
        f"{len(recovered)} recovered, {len(renewals)} renewals in 30 days, {len(done)} tasks done."
    )
    return report


def _alert_counts(alerts: list[Any]) -> Table:
    """Every open alert counted by category and severity, so a shortened
    list below it hides nothing."""
    counts: dict[str, list[int]] = {}
    for alert in alerts:
        row = counts.setdefault(alert.category, [0, 0])
        row[0 if alert.severity == "critical" else 1] += 1
    return Table(
        ["Category", "Critical", "Warning", "Alerts"],
        [
            [label("category", k), c, w, c + w]
            for k, (c, w) in sorted(counts.items(), key=lambda i: -sum(i[1]))
        ],
        widths=(2, 1, 1, 1),
        align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        empty="No critical or warning alerts.",
    )


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
