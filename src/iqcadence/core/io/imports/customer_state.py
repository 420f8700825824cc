"""The state an import of customers keeps while it streams a file (the
connection, the clock, the readers of the mapped columns, the plan, the
match keys seen), and what every part of it writes through: rejecting a row,
getting ready for a chunk's writes and running one statement for many rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Index, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.io.imports.common import (
    ErrorReport,
    ImportOptions,
    Progress,
    RowProblem,
    placeholder,
    stamp,
)
from iqcadence.core.io.imports.customer_plan import DATE_COLUMNS, UNIQUE_NAMES, Plan
from iqcadence.core.io.imports.customer_summary import ImportSummary
from iqcadence.core.io.imports.detect import CsvSource
from iqcadence.core.io.imports.normalize import Normalizer
from iqcadence.core.scoring.formula import band_for
from iqcadence.core.store import dialect, search_index, settings
from iqcadence.core.store.models import Customer

UNIQUE_FIELDS = frozenset({"name", "notes", "email", "website", "phone", "domain"})
# Suspend per-row search-index upkeep (and rebuild once) from this many rows.
SUSPEND_MIN_ROWS = 20_000


class Bands(dict[float | None, str | None]):
    """The band of each score seen (scores have a thousand values or so)."""

    def __init__(self, thresholds: dict[str, float]) -> None:
        super().__init__()
        self.thresholds = thresholds

    def __missing__(self, score: float | None) -> str | None:
        self[score] = band = band_for(score, self.thresholds)
        return band


class ImporterState:
    """What the parts of an import share: the file, the connection, the
    plan, and the rows seen and written so far."""

    def __init__(
        self,
        session: Session,
        actor: Actor,
        source: CsvSource,
        options: ImportOptions,
        summary: ImportSummary,
        progress: Progress | None,
    ) -> None:
        self.session = session
        self.actor = actor
        self.source = source
        self.options = options
        self.summary = summary
        self.progress = progress
        self.conn: Connection = session.connection()
        self.ph = placeholder(self.conn)
        self.today = clock.today()
        self.today_iso = self.today.isoformat()
        self.now = clock.now()
        self.now_param = stamp(self.conn, self.now)
        self.config = settings.load_scoring_config(session, actor.client_id)
        profiles = {
            name.casefold(): name for name in settings.profile_weights(session, actor.client_id)
        }
        self.normalizer = Normalizer(
            today=self.today,
            decimal_comma=options.decimal_comma,
            date_format=options.date_format,
            profiles=profiles,
        )
        # Spreadsheet columns repeat their values (tiers, dates, percentages):
        # each reading is remembered per column, up to MEMO_SIZE distinct cells.
        self.readers: list[tuple[int, str, Callable[[str], Any], dict[str, Any] | None]] = [
            (
                c.index,
                c.field,
                self.normalizer.reader_for(c.field),
                None if c.field in UNIQUE_FIELDS else {},
            )
            for c in summary.columns
            if c.field is not None
        ]
        self.width = len(source.header)
        self.plan = Plan({f for _i, f, _r, _m in self.readers}, options.key)
        self.report = ErrorReport(source.header, options.errors_out)
        self.key = options.key
        # the customers already matched by a row (by id, up to the largest id
        # when the import began): a second row matching one is a repeat
        self.max_id = 0
        self.seen_ids = bytearray()
        self.seen_new: set[str] = set()
        self.suspended = False
        self.dropped_indexes: list[Index] = []
        self.indexes_dropped = False
        self.writes = 0  # rows inserted or updated so far
        self.existing_count = 0
        # Into a client without customers every row is new: rows are inserted
        # with their score, band and lifecycle computed in the INSERT, and
        # numbered here, so no second pass rewrites them.
        self.fresh = False
        self.next_id = 0
        self.fresh_sql = ""
        # weights by profile name ("" = the global ones), read on first use
        self.weights: dict[str, dict[str, int]] = {}
        self.band_of = Bands(self.config.thresholds)
        # the file line of each row inserted on that path: runs of ids on
        # consecutive lines as (first id, its line), one per chunk in a clean file
        self.line_runs: list[tuple[int, int]] = []
        self.unique_dropped = False
        self.removed = 0  # rows taken out again by `check_unique_names`

    def problem(self, line: int, row: list[str], field_name: str, reason: str, value: Any) -> None:
        self.report.reject(
            line, row, [RowProblem(self.source.name, line, field_name, reason, str(value or ""))]
        )

    def driver_params(self, new: tuple[Any, ...]) -> tuple[Any, ...]:
        if dialect.is_sqlite(self.conn):
            return new
        from iqcadence.core.io.imports.common import day_param

        return tuple(
            day_param(self.conn, v) if c in DATE_COLUMNS else v
            for c, v in zip(self.plan.columns, new, strict=True)
        )

    def execute_many(
        self,
        sql: str,
        params: list[tuple[Any, ...]],
        rows: list[Any],
        field_name: str,
        reason: str,
        numbered: bool = False,
    ) -> list[bool]:
        """Run one statement for many rows; if a uniqueness rule refuses one,
        find it row by row and reject just that row. Returns which rows wrote.
        `numbered`: each row's first value is its new id; row by row, the rows
        that write are numbered again in order, so the ids have no gaps."""
        conn = self.conn
        if self.unique_dropped:
            # no uniqueness rule is checked while the rows stream (repeated
            # names are found at the end), so no row can be refused: skip the
            # savepoint, whose upkeep costs ~2 s of a million-row import
            conn.exec_driver_sql(sql, params)
            return [True] * len(params)
        conn.exec_driver_sql("SAVEPOINT import_chunk")
        try:
            conn.exec_driver_sql(sql, params)
        except IntegrityError:
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT import_chunk")
        else:
            conn.exec_driver_sql("RELEASE SAVEPOINT import_chunk")
            return [True] * len(params)
        ok: list[bool] = []
        number = params[0][0] if numbered and params else 0
        at = self.column_index(field_name)
        for param, item in zip(params, rows, strict=True):
            conn.exec_driver_sql("SAVEPOINT import_row")
            if numbered:
                param = (number, *param[1:])
            try:
                conn.exec_driver_sql(sql, param)
            except IntegrityError:
                conn.exec_driver_sql("ROLLBACK TO SAVEPOINT import_row")
                line, row = item[0], item[1]
                value = row[at] if at is not None else ""
                self.problem(line, row, field_name, reason, value)
                ok.append(False)
            else:
                ok.append(True)
                number += 1
            conn.exec_driver_sql("RELEASE SAVEPOINT import_row")
        conn.exec_driver_sql("RELEASE SAVEPOINT import_chunk")
        return ok

    def before_writing(self, count: int) -> None:
        """Before a chunk writes `count` rows: when the rows the import is
        on course to write (those written so far, scaled by the share of the
        file read) reach a quarter of the client's customers, per-row search
        index upkeep is suspended; when they reach as many as it has, the
        indexes are dropped too (one sorted build per index afterwards is
        several times cheaper than writing into each as rows arrive). A
        re-import that changes a few rows keeps both."""
        if not count:
            return
        self.writes += count
        if self.indexes_dropped:
            return
        size, read = self.source.size, max(self.source.bytes_read, 1)
        estimate = self.writes * (size / read) if size else self.writes
        if not self.suspended and estimate >= max(SUSPEND_MIN_ROWS, self.existing_count // 4):
            search_index.suspend_search_triggers(self.conn)
            self.suspended = True
        if estimate >= max(SUSPEND_MIN_ROWS, self.existing_count):
            self.indexes_dropped = True
            present = {ix["name"] for ix in inspect(self.conn).get_indexes("customer")}
            table = Customer.__table__  # type: ignore[attr-defined]
            for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
                if index.name not in present:
                    continue
                if index.name == UNIQUE_NAMES:
                    # rows breaking it are found at the end and read again
                    # from the file for the report, so only then; matching
                    # by name needs it while the rows stream
                    if not (self.fresh and self.source.path is not None):
                        continue
                    self.unique_dropped = True
                index.drop(self.conn)
                self.dropped_indexes.append(index)

    def column_index(self, field_name: str) -> int | None:
        for index, name, _read, _memo in self.readers:
            if name == field_name:
                return index
        return None
