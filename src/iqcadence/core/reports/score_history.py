"""The score history report: every recorded score change in 90 days.

For one account (`--customer`) the PDF charts its scores and lists each
change. For a whole portfolio a list of thousands of changes says nothing,
so the PDF tells what moved: the biggest movers down and up, how accounts
flowed between bands, and the changes week by week; the CSV holds every
recorded change, one per row, as before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts.history import snapshots_before
from iqcadence.core.base import clock
from iqcadence.core.reports import definitions as defs
from iqcadence.core.reports.data import ReportScope
from iqcadence.core.reports.fmt import band_label, score_text, signed
from iqcadence.core.reports.history import one_account
from iqcadence.core.reports.model import BandMix, Lines, Report, Section, Table
from iqcadence.core.reports.pdf_style import BAND_COLOURS
from iqcadence.core.scoring.formula import BANDS

PERIOD_DAYS = 90
MOVERS = 10  # rows in each movers table
BIG_DROP = 10  # points: a "drop of 10+"


@dataclass
class Change:
    name: str
    moment: str  # YYYY-MM-DD HH:MM
    before: float | None
    score: float | None
    band: str | None
    source: str

    @property
    def delta(self) -> float | None:
        if self.before is None or self.score is None:
            return None
        return round(self.score - self.before, 1)


@dataclass
class Trail:
    """One account over the period: where it started and ended."""

    name: str
    manager: str | None
    start: float | None = None
    start_band: str | None = None
    end: float | None = None
    end_band: str | None = None
    changes: int = 0
    worst: float = 0.0  # the largest single drop (negative)
    moments: list[str] = field(default_factory=list)

    @property
    def move(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return round(self.end - self.start, 1)


def history_report(session: Session, client_id: int, scope: ReportScope) -> Report:
    day = scope.day
    first = day - timedelta(days=PERIOD_DAYS - 1)
    start = clock.start_of(first)
    params: dict[str, Any] = {
        "client_id": client_id,
        "start": start,
        "end": clock.start_of(day + timedelta(days=1)),
    }
    title = "Score history"
    thresholds: dict[str, float] = {}
    scope_text = scope.describe()
    if scope.customer:
        book, account, _customer = one_account(session, client_id, scope)
        thresholds = dict(book.config.thresholds)
        scope_text = f"As of {scope.day.isoformat()}"
        clause = " AND c.id = :customer_id"
        params["customer_id"] = account.id
        title = f"Score history: {account.name}"
    else:
        clause = " AND c.status = 'active'" + _scope_sql(scope, params)
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT c.id, c.name, c.manager, s.taken_at, s.score, s.band, s.source "
                "FROM score_snapshot s JOIN customer c ON c.id = s.customer_id "
                "WHERE c.client_id = :client_id AND s.taken_at >= :start AND s.taken_at < :end"
                + clause
                + " ORDER BY c.name_key, s.taken_at, s.id"
            ),
            params,
        )
        .all()
    )
    prior = snapshots_before(session, sorted({int(r[0]) for r in rows}), start)
    paths: dict[int, Trail] = {}
    changes: list[Change] = []
    for cid, name, manager, taken_at, score, band, source in rows:
        path = paths.get(int(cid))
        if path is None:
            snap = prior.get(int(cid))
            path = paths[int(cid)] = Trail(str(name), manager)
            if snap is not None and snap["score"] is not None:
                path.start, path.start_band = snap["score"], snap["band"]
                path.end, path.end_band = path.start, path.start_band
        before = path.end
        path.end, path.end_band = score, band
        if path.start is None:
            path.start, path.start_band = score, band
        if before is not None and score is not None and abs(score - before) < 0.05:
            continue
        change = Change(str(name), str(taken_at)[:16], before, score, band, str(source))
        changes.append(change)
        path.changes += 1
        path.worst = min(path.worst, change.delta or 0.0)
    report = Report(
        kind="history",
        title=title,
        subtitle=scope_text + f" · {first.isoformat()} to {day.isoformat()}",
        kpis=[
            ("Changes", f"{len(changes):,}"),
            ("Accounts", f"{len({c.name for c in changes}):,}"),
            ("Drops of 10+", f"{sum(1 for c in changes if (c.delta or 0) <= -BIG_DROP):,}"),
        ],
        csv_header=["name", "taken_at", "from_score", "to_score", "change", "band", "source"],
    )
    for c in changes:
        report.csv_rows.append([c.name, c.moment, c.before, c.score, c.delta, c.band, c.source])
    if scope.customer:
        _one_account_sections(report, changes, thresholds)
    else:
        moved = sum(1 for p in paths.values() if p.start_band != p.end_band)
        report.kpis.append(("Changed band", f"{moved:,}"))
        _portfolio_sections(report, list(paths.values()), changes, first, day)
    report.summary = f"{len(changes)} score changes in {PERIOD_DAYS} days."
    return report


def _one_account_sections(
    report: Report, changes: list[Change], thresholds: dict[str, float]
) -> None:
    if changes:
        days = sorted({c.moment[:10] for c in changes})
        last = {c.moment[:10]: c.score for c in changes}
        report.sections.append(
            Section(
                "Recorded scores",
                [
                    Lines(
                        [d[5:] for d in days],
                        [("Score", [last[d] for d in days])],
                        thresholds=thresholds,
                    )
                ],
            )
        )
    report.sections.append(
        Section(
            "Changes",
            [
                Table(
                    ["When", "From", "To", "Change", "Band", "Source"],
                    [
                        [
                            c.moment,
                            score_text(c.before),
                            score_text(c.score),
                            signed(c.delta),
                            band_label(c.band),
                            c.source,
                        ]
                        for c in changes
                    ],
                    widths=(1.6, 0.8, 0.8, 0.8, 1, 1.2),
                    bands=[c.band for c in changes],
                    band_column=4,
                    align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "LEFT"),
                    empty="No score changes in the period.",
                    order="oldest first",
                ),
            ],
        )
    )
    report.sections.append(defs.notes(defs.DROPS))


def _portfolio_sections(
    report: Report, paths: list[Trail], changes: list[Change], first: date, last: date
) -> None:
    moving = [p for p in paths if p.move]
    down = sorted((p for p in moving if (p.move or 0) < 0), key=lambda p: (p.move or 0, p.name))
    up = sorted((p for p in moving if (p.move or 0) > 0), key=lambda p: (-(p.move or 0), p.name))
    for heading, chosen, empty in (
        ("Biggest falls", down[:MOVERS], "No score fell over the period."),
        ("Biggest rises", up[:MOVERS], "No score rose over the period."),
    ):
        report.sections.append(
            Section(
                heading,
                [
                    Table(
                        ["Account", "Start", "End", "Move", "Band now", "Changes", "Worst drop"],
                        [
                            [
                                p.name,
                                score_text(p.start),
                                score_text(p.end),
                                signed(p.move),
                                band_label(p.end_band),
                                p.changes,
                                signed(p.worst) if p.worst < 0 else "—",
                            ]
                            for p in chosen
                        ],
                        widths=(2.6, 0.8, 0.8, 0.8, 1.1, 0.9, 1.0),
                        bands=[p.end_band for p in chosen],
                        band_column=4,
                        align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT", "RIGHT", "RIGHT"),
                        empty=empty,
                    )
                ],
            )
        )
    report.sections.append(Section("Band flow", _band_flow(paths)))
    report.sections.append(Section("Changes week by week", [_weekly(changes, first, last)]))
    report.sections.append(
        defs.notes(
            defs.BAND_FLOW,
            defs.DROPS,
            f"Every recorded change ({len(changes):,}) is a row of this report's CSV "
            "(--format csv), with its time, scores, band and source.",
        )
    )


def _band_flow(paths: list[Trail]) -> list[Any]:
    flow: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(BANDS, 0))
    for p in paths:
        if p.start_band in BANDS and p.end_band in BANDS:
            assert p.start_band is not None and p.end_band is not None
            flow[p.start_band][p.end_band] += 1
    starts = [b for b in BANDS if b in flow]
    rows = [
        [band_label(b), *(flow[b][to] or "·" for to in BANDS), sum(flow[b].values())]
        for b in starts
    ]
    ends = {to: sum(flow[b][to] for b in starts) for to in BANDS}
    rows.append(["All (end)", *ends.values(), sum(ends.values())])
    mix = BandMix(
        [
            ("Start", {b: sum(flow[b].values()) for b in starts}),
            ("End", ends),
        ]
    )
    table = Table(
        ["From ↓ to →", *(band_label(b) for b in BANDS), "Accounts"],
        rows,
        widths=(1.6, 1, 1, 1, 1, 1, 1),
        bands=[*starts, None],
        band_column=0,
        align=("LEFT", *(["RIGHT"] * 6)),
        empty="No account has a band at both ends of the period.",
    )
    return [mix, table]


def _weekly(changes: list[Change], first: date, last: date) -> Lines:
    weeks = [first + timedelta(days=7 * i) for i in range((last - first).days // 7 + 1)]
    drops = [0.0] * len(weeks)
    rises = [0.0] * len(weeks)
    for c in changes:
        if c.delta is None:
            continue
        index = min((datetime.fromisoformat(c.moment).date() - first).days // 7, len(weeks) - 1)
        if c.delta < 0:
            drops[index] += 1
        elif c.delta > 0:
            rises[index] += 1
    return Lines(
        [w.strftime("%m-%d") for w in weeks],
        [("Falls", list(drops)), ("Rises", list(rises))],
        colours=(BAND_COLOURS["critical"], BAND_COLOURS["healthy"]),
    )


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
