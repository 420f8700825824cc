"""Reports over time: the 90-day trend, one account in depth, score history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts.breakdown import breakdown
from iqcadence.core.accounts.customers import find_customer
from iqcadence.core.accounts.history import snapshots_before
from iqcadence.core.base import clock
from iqcadence.core.base.errors import InvalidValue, NotFound
from iqcadence.core.reports.data import (
    Account,
    Portfolio,
    ReportScope,
    daily_scores,
    load_portfolio,
)
from iqcadence.core.reports.fmt import (
    TIER_LABELS,
    average,
    band_label,
    money,
    score_text,
    signed,
)
from iqcadence.core.reports.model import Lines, Report, Section, Table, Text
from iqcadence.core.reports.risk import churn_estimate
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


# --- one customer ----------------------------------------------------------


def _one(
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
    book, account, customer = _one(session, client_id, scope)
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
        _book, account, _customer = _one(session, client_id, scope)
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
