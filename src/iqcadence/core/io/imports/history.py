"""`import history`: back-fill score snapshots from (customer, date, signals…) rows.

Each row is scored with today's model (the customer's profile weights, else
the global ones) by `scoring.compute_score` and written as a snapshot taken at
midnight of its date with source `history`. Customers must exist: an unknown
name is a row error. A snapshot that an earlier history import wrote for the
same customer and date is replaced, so re-importing a file changes nothing;
within one file a later row for the same customer and date wins. The
customer's current score is not touched.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import changes
from iqcadence.core.accounts.customers import name_key
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.io.imports.common import (
    ErrorReport,
    ImportOptions,
    Progress,
    RowProblem,
    placeholder,
    stamp,
)
from iqcadence.core.io.imports.detect import CsvSource
from iqcadence.core.io.imports.headers import (
    COMPUTED_COLUMNS,
    CUSTOMER_ALIASES,
    Column,
    header_key,
    match_columns,
    parse_map_options,
)
from iqcadence.core.io.imports.normalize import CellError, Normalizer
from iqcadence.core.scoring.formula import SIGNALS, compute_score
from iqcadence.core.store import audit, settings

CHUNK_ROWS = 2000
HISTORY_ALIASES: dict[str, tuple[str, ...]] = {
    "name": CUSTOMER_ALIASES["name"],
    "date": ("date", "as_of", "as of", "snapshot_date", "taken_at", "recorded_at", "day", "on"),
    **{signal: CUSTOMER_ALIASES[signal] for signal in SIGNALS},
}
HISTORY_FIELDS: tuple[str, ...] = tuple(HISTORY_ALIASES)
# Customer columns a history file may carry: recognised, not used.
NOT_HISTORY: dict[str, str] = {
    **COMPUTED_COLUMNS,
    **{
        header_key(alias): "not part of score history"
        for field_name, aliases in CUSTOMER_ALIASES.items()
        if field_name not in HISTORY_ALIASES
        for alias in (field_name, *aliases)
    },
}


@dataclass
class HistorySummary:
    file: str
    encoding: str
    delimiter: str
    dry_run: bool
    columns: list[Column]
    rows: int = 0
    snapshots: int = 0
    replaced: int = 0
    rejected: int = 0
    written: bool = False
    customer_ids: set[int] = field(default_factory=set)
    first_date: str | None = None
    last_date: str | None = None
    problems: list[RowProblem] = field(default_factory=list)
    problems_total: int = 0
    encoding_note: str | None = None  # why, when the encoding was detected (not UTF-8)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "encoding_note": self.encoding_note,
            "delimiter": self.delimiter,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "snapshots": self.snapshots,
            "replaced": self.replaced,
            "customers": len(self.customer_ids),
            "rejected": self.rejected,
            "first_date": self.first_date,
            "last_date": self.last_date,
            "columns": [c.to_dict() for c in self.columns],
            "ignored_columns": [c.header for c in self.columns if c.field is None],
            "errors": [p.to_dict() for p in self.problems],
            "errors_total": self.problems_total,
        }


def import_history(
    session: Session,
    actor: Actor,
    source: CsvSource,
    options: ImportOptions,
    *,
    progress: Progress | None = None,
) -> HistorySummary:
    """Write history snapshots from an opened CSV (rules in the module notes)."""
    if not options.dry_run:
        actor.require_write("import score history")
    explicit = parse_map_options(options.mapping, HISTORY_FIELDS)
    columns = match_columns(
        source.header, explicit, HISTORY_ALIASES, source_name=source.name, computed=NOT_HISTORY
    )
    fields = {c.field for c in columns if c.field is not None}
    for required, hint in (("name", "Customer"), ("date", "Date")):
        if required not in fields:
            what = "customer name" if required == "name" else "date"
            raise RefusedFile(
                f"{source.name}: no column gives the {what} "
                f'(columns: {", ".join(source.header)}); add --map "{hint} Column={required}".'
            )
    if not fields & set(SIGNALS):
        raise RefusedFile(
            f"{source.name}: no signal column ({', '.join(SIGNALS)}); nothing to score."
        )
    summary = HistorySummary(
        file=source.name,
        encoding=source.encoding,
        encoding_note=source.encoding_note,
        delimiter=source.delimiter_name,
        dry_run=options.dry_run,
        columns=columns,
    )
    try:
        _run(session, actor, source, options, summary, progress)
    finally:
        if options.dry_run or not summary.written:
            session.rollback()
        else:
            session.commit()
    return summary


def _run(
    session: Session,
    actor: Actor,
    source: CsvSource,
    options: ImportOptions,
    summary: HistorySummary,
    progress: Progress | None,
) -> None:
    conn = session.connection()
    ph = placeholder(conn)
    today = clock.today()
    config = settings.load_scoring_config(session, actor.client_id)
    profiles = settings.profile_weights(session, actor.client_id)
    weights_by_profile: dict[str | None, dict[str, int]] = {None: config.effective_weights(None)}
    for profile_name, weights in profiles.items():
        weights_by_profile[profile_name] = config.effective_weights(weights)
    customers: dict[str, tuple[int, str | None]] = {
        str(key): (int(cid), profile)
        for key, cid, profile in conn.execute(
            text("SELECT name_key, id, scoring_profile FROM customer WHERE client_id = :client_id"),
            {"client_id": actor.client_id},
        )
    }
    normalizer = Normalizer(
        today=today, decimal_comma=options.decimal_comma, date_format=options.date_format
    )
    readers = [
        (c.index, c.field, normalizer.reader_for(c.field))
        for c in summary.columns
        if c.field is not None
    ]
    report = ErrorReport(source.header, options.errors_out)
    width = len(source.header)
    today_iso = today.isoformat()
    signal_names = ", ".join(SIGNALS)
    insert_sql = (
        f"INSERT INTO score_snapshot (customer_id, taken_at, score, band, {signal_names}, "
        f"weights, source) VALUES ({', '.join([ph] * (len(SIGNALS) + 6))})"
    )
    delete_sql = (
        f"DELETE FROM score_snapshot WHERE customer_id = {ph} AND taken_at = {ph} "
        "AND source = 'history'"
    )
    weights_json = {key: json.dumps(value) for key, value in weights_by_profile.items()}
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        if not batch:
            return
        deleted = conn.exec_driver_sql(delete_sql, [(row[0], row[1]) for row in batch])
        summary.replaced += max(deleted.rowcount or 0, 0)
        conn.exec_driver_sql(insert_sql, batch)
        summary.snapshots += len(batch)
        batch.clear()

    for line, row in source.rows():
        summary.rows += 1
        values: dict[str, Any] = {}
        problems: list[RowProblem] = []
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            problems.append(
                RowProblem(
                    source.name,
                    line,
                    "row",
                    f"has {len(row)} values but the header has {width} columns",
                    row[width],
                )
            )
        for index, field_name, read in readers:
            cell = row[index] if index < len(row) else ""
            try:
                values[field_name] = read(cell)
            except CellError as exc:
                problems.append(RowProblem(source.name, line, field_name, exc.reason, cell))
        found = None
        if not problems:
            name = values.get("name")
            day = values.get("date")
            found = customers.get(name_key(name)) if name else None
            if name is None:
                problems.append(RowProblem(source.name, line, "name", "required", ""))
            elif found is None:
                problems.append(
                    RowProblem(
                        source.name,
                        line,
                        "name",
                        "no customer of that name (import it with `import csv` first)",
                        name,
                    )
                )
            if day is None:
                problems.append(RowProblem(source.name, line, "date", "required", ""))
            elif day > today_iso:
                problems.append(RowProblem(source.name, line, "date", "is in the future", day))
            if all(values.get(s) is None for s in SIGNALS):
                problems.append(RowProblem(source.name, line, "row", "has no signal values", ""))
        if problems or found is None:
            report.reject(line, row, problems)
            continue
        customer_id, profile = found
        weights_key = profile if profile in weights_by_profile else None
        result = compute_score(values, weights_by_profile[weights_key], config.thresholds)
        day = values["date"]
        taken = stamp(conn, datetime.combine(date.fromisoformat(day), time.min))
        batch.append(
            (
                customer_id,
                taken,
                result.score,
                result.band,
                *(values.get(s) for s in SIGNALS),
                weights_json[weights_key],
                "history",
            )
        )
        summary.customer_ids.add(customer_id)
        if summary.first_date is None or day < summary.first_date:
            summary.first_date = day
        if summary.last_date is None or day > summary.last_date:
            summary.last_date = day
        if len(batch) >= CHUNK_ROWS:
            flush()
            if progress is not None:
                progress(source.bytes_read, source.size, summary.rows)
    flush()
    summary.problems = sorted(report.problems, key=lambda p: p.line)
    summary.problems_total = report.total
    summary.rejected = report.rows
    if summary.rejected and not options.skip_invalid:
        return
    audit.record(
        session,
        actor,
        "import.history",
        details={
            "file": summary.file,
            "rows": summary.rows,
            "snapshots": summary.snapshots,
            "replaced": summary.replaced,
            "customers": len(summary.customer_ids),
            "rejected": summary.rejected,
            "first_date": summary.first_date,
            "last_date": summary.last_date,
        },
    )
    # momentum and the engagement drop read history: what follows from it follows
    changes.customers_touched(session, actor, sorted(summary.customer_ids), cause="history")
    summary.written = not options.dry_run
