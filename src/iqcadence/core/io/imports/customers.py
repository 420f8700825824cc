"""`import csv`: create and update customers from a spreadsheet, fast.

The file is streamed in chunks; each row is read and normalised in Python,
matched against the existing customers (the key → id map is loaded once),
compared with what is stored, and written with `executemany` — no ORM object
per row. Everything happens in one transaction: the search index triggers are
suspended during a large write, every created or changed customer is scored
set-based by `rescore.rescore_where`, and only then are the search index and
any indexes dropped for the bulk write built again, once each.

Into a client that has no customers yet (SQLite), every row is new: rows are
inserted with their score, band and lifecycle already worked out, column by
column (`scoring.score_columns`, the same arithmetic a rescore does), and ids
numbered in file order, and `rescore.record_inserted` writes the snapshots,
audit entries and bulk hook a rescore would — no second pass over the rows.

Rules:

* Only the mapped columns change; a blank cell in a mapped column clears that
  value (a blank signal is a missing signal, excluded from the score). A blank
  name or lifecycle leaves the stored one.
* With `--key name` (default) a row matches the customer of the same name
  (trimmed, any case) and never renames it. With `--key domain|email` the
  name column, when given, renames the matched customer.
* `days` is compared as days-since-contact today, so re-importing an export
  (whose `days_since_contact` has decayed) changes nothing; an edited
  `last_contact_date` resets the baseline as `customers edit` does.
* MRR and ARR derive each other: an edited one sets the other; both edited
  must agree (ARR = 12 × MRR within rounding to cents).
* A non-blank `score` is a manual override (unless `score_source` says
  `computed`, as in `export csv` files); a blank one clears the override.
* Any bad row → nothing is written (the summary says `written: false`),
  unless `skip_invalid`, which writes the good rows. `dry_run` does all the
  work, reports it, and rolls back.
"""

from __future__ import annotations

import gc
import json
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from itertools import islice, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Index, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from iqcadence.core.accounts.customers import RECOVERED_BANDS, RISK_BANDS, name_key
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, RefusedFile
from iqcadence.core.io.imports.common import (
    ErrorReport,
    ImportOptions,
    Progress,
    RowProblem,
    canon,
    canon_day,
    placeholder,
    stamp,
)
from iqcadence.core.io.imports.detect import CsvSource
from iqcadence.core.io.imports.headers import (
    CUSTOMER_ALIASES,
    Column,
    match_columns,
    parse_map_options,
)
from iqcadence.core.io.imports.normalize import CellError, Normalizer, domain_key
from iqcadence.core.scoring.formula import SIGNALS, band_for, effective_days, score_columns
from iqcadence.core.store import audit, dialect, settings
from iqcadence.core.store.models import Customer

CHUNK_ROWS = 2000
KEYS: tuple[str, ...] = ("name", "domain", "email")
IMPORT_FIELDS: tuple[str, ...] = tuple(CUSTOMER_ALIASES)
TOUCHED_TABLE = "import_touched"
MANUAL_TABLE = "import_manual"
# New customers inserted already scored: (id, the lifecycle the file gave).
GIVEN_TABLE = "import_given"
# Stored columns a field writes as-is (besides the special ones below).
DIRECT: tuple[str, ...] = (
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "notes",
    "tier",
    "manager",
    "last_contact_date",
    "customer_since",
    "next_touch",
    "tags",
    "sentiment",
    "scoring_profile",
    "logins",
    "adoption",
    "tickets",
    "nps",
    "csat",
    "growth",
)
DATE_COLUMNS = frozenset(
    {"renewal_date", "customer_since", "next_touch", "last_contact_date", "days_as_of"}
)
# Into a client without customers (SQLite), score rows before their INSERT.
SCORE_ON_INSERT = True
# A first load of a client from a file this large writes without the WAL.
BULK_LOAD_MIN_BYTES = 4 << 20
# Suspend per-row search-index upkeep (and rebuild once) from this many rows.
SUSPEND_MIN_ROWS = 20_000
MONEY_TOLERANCE = 0.07  # ARR vs 12 × MRR once MRR is rounded to cents
MISSING = object()
# One name per client: on a bulk write into an empty client this index is
# built once at the end (see `_check_unique_names`) instead of row by row.
UNIQUE_NAMES = "uq_customer_client_name"
MEMO_SIZE = 20_000
PREVIEW_ROWS = 5
UNIQUE_FIELDS = frozenset({"name", "notes", "email", "website", "phone", "domain"})


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    file: str
    encoding: str
    delimiter: str
    key: str
    dry_run: bool
    columns: list[Column]
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    problems: list[RowProblem] = field(default_factory=list)
    problems_total: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    preview: list[dict[str, Any]] = field(default_factory=list)
    scoring: dict[str, Any] = field(default_factory=dict)
    manual_overrides: int = 0

    @property
    def ignored_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.field is None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "key": self.key,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "columns": [c.to_dict() for c in self.columns],
            "ignored_columns": self.ignored_columns,
            "scoring": self.scoring,
            "manual_overrides": self.manual_overrides,
            "errors": [p.to_dict() for p in self.problems],
            "errors_total": self.problems_total,
            "changes": self.changes,
            "changes_total": self.updated,
            "preview": self.preview,
        }


@dataclass
class _Chunk:
    """Rows of the file read without a problem: their lines, cells, and the
    read value of each mapped field, column by column."""

    lines: list[int]
    rows: list[list[str]]
    columns: dict[str, list[Any]]

    def records(self, limit: int | None = None) -> list[dict[str, Any]]:
        """The rows as field → value."""
        fields = list(self.columns)
        rows: Iterator[tuple[Any, ...]] = zip(*self.columns.values(), strict=True)
        if limit is not None:
            rows = islice(rows, limit)
        return [dict(zip(fields, row, strict=True)) for row in rows]

    def subset(self, positions: list[int]) -> _Chunk:
        return _Chunk(
            [self.lines[p] for p in positions],
            [self.rows[p] for p in positions],
            {f: [v[p] for p in positions] for f, v in self.columns.items()},
        )


@dataclass
class _Plan:
    """Which stored columns the mapped fields write, in a fixed order."""

    fields: set[str]
    key: str
    columns: list[str] = field(default_factory=list)
    direct: list[str] = field(default_factory=list)
    tags_at: int = -1
    has_name: bool = False
    has_lifecycle: bool = False
    has_renewal: bool = False
    has_money: bool = False
    has_days: bool = False
    has_score: bool = False

    def __post_init__(self) -> None:
        f = self.fields
        self.direct = [c for c in DIRECT if c in f]
        self.tags_at = self.direct.index("tags") if "tags" in self.direct else -1
        self.has_name = "name" in f
        self.has_lifecycle = "lifecycle" in f
        self.has_renewal = "renewal_date" in f or "months_to_renewal" in f
        self.has_money = "mrr" in f or "arr" in f
        self.has_days = "days" in f or "last_contact_date" in f
        self.has_score = "score" in f
        cols: list[str] = []
        if self.has_name:
            cols += ["name", "name_key"]
        if self.has_lifecycle:
            cols.append("lifecycle")
        cols += self.direct
        if self.has_renewal:
            cols.append("renewal_date")
        if self.has_money:
            cols += ["mrr", "arr"]
        if self.has_days:
            cols += ["days_baseline", "days_as_of"]
        if self.has_score:
            cols += ["score", "score_manual"]
        self.columns = cols


def import_customers(
    session: Session,
    actor: Actor,
    source: CsvSource,
    options: ImportOptions,
    *,
    progress: Progress | None = None,
) -> ImportSummary:
    """Import customers from an opened CSV (see the module notes for the rules)."""
    if not options.dry_run:
        actor.require_write("import customers")
    if options.key not in KEYS:
        raise InvalidValue(f"--key: {options.key!r} is not one of {', '.join(KEYS)}.")
    explicit = parse_map_options(options.mapping, IMPORT_FIELDS)
    columns = match_columns(source.header, explicit, CUSTOMER_ALIASES, source_name=source.name)
    mapped = {c.field: c for c in columns if c.field is not None}
    if options.key not in mapped:
        raise RefusedFile(
            f"{source.name}: no column gives the {options.key} used to match customers "
            f"(columns: {', '.join(source.header)}); "
            f'add --map "Your Column={options.key}".'
        )
    summary = ImportSummary(
        file=source.name,
        encoding=source.encoding,
        delimiter=source.delimiter_name,
        key=options.key,
        dry_run=options.dry_run,
        columns=columns,
    )
    try:
        if _loads_in_bulk(session, actor, source, options):
            # what was read so far is read again in the import's transaction
            session.commit()
            session.connection(execution_options=dialect.bulk_load_options(session.get_bind()))
        _Importer(session, actor, source, options, summary, progress).run()
    except BaseException:
        session.rollback()
        raise
    return summary


def _loads_in_bulk(
    session: Session, actor: Actor, source: CsvSource, options: ImportOptions
) -> bool:
    """Whether the import is a large first load of a client (SQLite, a file of
    BULK_LOAD_MIN_BYTES or more, no customers yet, not a dry run): it then
    writes in one transaction without the WAL (dialect.bulk_load_options)."""
    if options.dry_run or source.size is None or source.size < BULK_LOAD_MIN_BYTES:
        return False
    if not dialect.is_sqlite(session.get_bind()):
        return False
    found = session.connection().execute(
        text("SELECT 1 FROM customer WHERE client_id = :client_id LIMIT 1"),
        {"client_id": actor.client_id},
    )
    return found.first() is None


class _Bands(dict[float | None, str | None]):
    """The band of each score seen (scores have a thousand values or so)."""

    def __init__(self, thresholds: dict[str, float]) -> None:
        super().__init__()
        self.thresholds = thresholds

    def __missing__(self, score: float | None) -> str | None:
        self[score] = band = band_for(score, self.thresholds)
        return band


class _Importer:
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
        self.plan = _Plan({f for _i, f, _r, _m in self.readers}, options.key)
        self.report = ErrorReport(source.header, options.errors_out)
        self.key = options.key
        self.existing: dict[str, int] = {}
        self.updated_ids: set[int] = set()
        self.seen_new: set[str] = set()
        self.suspended = False
        self.dropped_indexes: list[Index] = []
        self.wrote_any = False
        self.existing_count = 0
        # Into a client without customers every row is new: rows are inserted
        # with their score, band and lifecycle computed in the INSERT, and
        # numbered here, so no second pass rewrites them.
        self.fresh = False
        self.next_id = 0
        self.fresh_sql = ""
        # weights by profile name ("" = the global ones), read on first use
        self.weights: dict[str, dict[str, int]] = {}
        self._band_of = _Bands(self.config.thresholds)
        # the file line of each row inserted on that path: runs of ids on
        # consecutive lines as (first id, its line), one per chunk in a clean file
        self.line_runs: list[tuple[int, int]] = []
        self.unique_dropped = False
        self.removed = 0  # rows taken out again by `_check_unique_names`

    # -- driver -------------------------------------------------------------

    def run(self) -> None:
        conn = self.conn
        self._load_existing()
        max_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM customer")).scalar_one()
        for table in (TOUCHED_TABLE, MANUAL_TABLE):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
            conn.execute(text(f"CREATE TEMP TABLE {table} (id INTEGER PRIMARY KEY)"))
        conn.execute(text(f"DROP TABLE IF EXISTS {GIVEN_TABLE}"))
        self.fresh = SCORE_ON_INSERT and self.existing_count == 0 and dialect.is_sqlite(conn)
        if self.fresh:
            conn.execute(
                text(f"CREATE TEMP TABLE {GIVEN_TABLE} (id INTEGER PRIMARY KEY, lifecycle TEXT)")
            )
            self.next_id = int(max_id) + 1
        # The rows are short-lived and free themselves when a chunk is done;
        # the cycle collector would only walk the long-lived objects loaded at
        # startup again and again, so it is paused while the rows stream.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for chunk in self._chunks():
                self._write_chunk(chunk)
                if self.progress is not None:
                    self.progress(self.source.bytes_read, self.source.size, self.summary.rows)
            if collecting:
                gc.enable()
            self._finish(int(max_id))
        finally:
            if collecting:
                gc.enable()
            if self.options.dry_run or not self.summary.written:
                self.session.rollback()
            else:
                self.session.commit()

    def _finish(self, max_id: int) -> None:
        summary, conn = self.summary, self.conn
        if self.unique_dropped:
            self._check_unique_names(max_id)
        summary.problems = sorted(self.report.problems, key=lambda p: p.line)
        summary.problems_total = self.report.total
        summary.rejected = self.report.rows
        refused = bool(summary.rejected) and not self.options.skip_invalid
        if refused and not self.options.dry_run:
            summary.written = False
            return
        if self.fresh:  # every new customer is listed with its given lifecycle
            touched = self.next_id - max_id - 1 - self.removed
        else:
            conn.execute(
                text(
                    f"INSERT INTO {TOUCHED_TABLE} (id) SELECT id FROM customer "
                    "WHERE client_id = :client_id AND id > :max_id"
                ),
                {"client_id": self.actor.client_id, "max_id": max_id},
            )
            touched = int(conn.execute(text(f"SELECT COUNT(*) FROM {TOUCHED_TABLE}")).scalar_one())
        if touched:
            from iqcadence.core.accounts import rescore

            # a dry run is rolled back, so a viewer may preview the scores too
            scorer = self.actor
            if self.options.dry_run and not scorer.can_write:
                scorer = replace(scorer, role="csm")
            if self.fresh:
                result = rescore.record_inserted(
                    self.session, scorer, GIVEN_TABLE, cause="import", commit=False
                )
            else:
                result = rescore.rescore_where(
                    self.session,
                    scorer,
                    f"customer.id IN (SELECT id FROM {TOUCHED_TABLE})",
                    {},
                    include_overrides=False,
                    cause="import",
                    commit=False,
                )
            summary.scoring = result.to_dict()
            summary.manual_overrides = self._snapshot_overrides()
        else:
            summary.scoring = {
                "scored": 0,
                "changed": 0,
                "unchanged": 0,
                "skipped_overrides": 0,
                "band_moves": {},
                "lifecycle_changes": 0,
            }
        # Scored while the indexes dropped for the bulk write are still gone
        # (the rescore rewrites score, band and lifecycle of every new row):
        # each index and the search index are then built once, in one pass.
        if self.suspended:
            dialect.rebuild_search_index(conn)
        for index in self.dropped_indexes:
            if index.name != UNIQUE_NAMES:
                index.create(conn)
        if summary.changes:
            self._fill_scores()
        audit.record(
            self.session,
            self.actor,
            "import.csv",
            details={
                "file": summary.file,
                "key": summary.key,
                "rows": summary.rows,
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
                "rejected": summary.rejected,
                "columns": {c.header: c.field for c in summary.columns if c.field},
                "ignored": summary.ignored_columns,
                "scoring": summary.scoring,
            },
            at=self.now,
        )
        for table in (TOUCHED_TABLE, MANUAL_TABLE, GIVEN_TABLE):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        summary.written = not self.options.dry_run and not refused

    # -- reading ------------------------------------------------------------

    def _load_existing(self) -> None:
        column = {"name": "name_key", "domain": "domain", "email": "email"}[self.key]
        result = self.conn.execute(
            text(
                f"SELECT {column}, id FROM customer WHERE client_id = :client_id "
                f"AND {column} IS NOT NULL"
            ),
            {"client_id": self.actor.client_id},
        )
        existing = self.existing
        for raw, customer_id in result:
            if self.key == "domain":
                key = domain_key(str(raw))
                if key is None:
                    continue
            elif self.key == "email":
                key = str(raw).strip().lower()
            else:
                key = raw
            if key in existing:
                existing[key] = -1  # two customers share it: ambiguous
            else:
                existing[key] = int(customer_id)
        self.existing_count = int(
            self.conn.execute(
                text("SELECT COUNT(*) FROM customer WHERE client_id = :client_id"),
                {"client_id": self.actor.client_id},
            ).scalar_one()
        )

    def _chunks(self) -> Iterator[_Chunk]:
        records = self.source.rows()
        while raw := list(islice(records, CHUNK_ROWS)):
            yield self._read(raw)

    def _read(self, raw: list[tuple[int, list[str]]]) -> _Chunk:
        """Read a chunk column by column (each column's cells go through its
        reading function in one pass); rows with bad cells are rejected."""
        self.summary.rows += len(raw)
        width, name = self.width, self.source.name
        rows = [row for _line, row in raw]
        bad: dict[int, list[RowProblem]] = {}
        lengths = set(map(len, rows))
        if lengths != {width}:
            for pos, row in enumerate(rows):
                count = len(row)
                if count > width:
                    if any(cell.strip() for cell in row[width:]):
                        bad[pos] = [
                            RowProblem(
                                name,
                                raw[pos][0],
                                "row",
                                f"has {count} values but the header has {width} columns",
                                row[width],
                            )
                        ]
                    rows[pos] = row[:width]
                elif count < width:
                    rows[pos] = row + [""] * (width - count)
        cells_by_column = list(zip(*rows, strict=True))
        names: list[str] = []
        columns: list[list[Any]] = []
        for index, field_name, read, memo in self.readers:
            cells = cells_by_column[index]
            values: list[Any]
            if memo is not None:
                values = list(map(memo.get, cells, repeat(MISSING)))
                if MISSING in values:
                    for pos, value in enumerate(values):
                        if value is MISSING:
                            values[pos] = self._cell(read, cells[pos], pos, raw, field_name, bad)
                            if len(memo) < MEMO_SIZE and pos not in bad:
                                memo[cells[pos]] = values[pos]
            else:
                try:
                    values = list(map(read, cells))
                except CellError:
                    values = [
                        self._cell(read, cell, pos, raw, field_name, bad)
                        for pos, cell in enumerate(cells)
                    ]
            names.append(field_name)
            columns.append(values)
        lines = [line for line, _row in raw]
        if bad:
            for pos in sorted(bad):
                self.report.reject(lines[pos], rows[pos], bad[pos])
            keep = [pos for pos in range(len(raw)) if pos not in bad]
            lines = [lines[pos] for pos in keep]
            rows = [rows[pos] for pos in keep]
            columns = [[values[pos] for pos in keep] for values in columns]
        chunk = _Chunk(lines, rows, dict(zip(names, columns, strict=True)))
        preview = self.summary.preview
        if len(preview) < PREVIEW_ROWS:  # the first rows read without a problem
            for line, record in zip(
                lines, chunk.records(PREVIEW_ROWS - len(preview)), strict=False
            ):
                preview.append({"line": line, **record})
        return chunk

    def _cell(
        self,
        read: Callable[[str], Any],
        cell: str,
        pos: int,
        raw: list[tuple[int, list[str]]],
        field_name: str,
        bad: dict[int, list[RowProblem]],
    ) -> Any:
        try:
            return read(cell)
        except CellError as exc:
            problem = RowProblem(self.source.name, raw[pos][0], field_name, exc.reason, cell)
            bad.setdefault(pos, []).append(problem)
            return None

    def _problem(self, line: int, row: list[str], field_name: str, reason: str, value: Any) -> None:
        self.report.reject(
            line, row, [RowProblem(self.source.name, line, field_name, reason, str(value or ""))]
        )

    # -- one chunk ----------------------------------------------------------

    def _key_of(self, values: dict[str, Any]) -> str | None:
        """The match key of a row by domain or e-mail (by name: `_name_key_of`)."""
        raw = values.get(self.key)
        if raw is None:
            return None
        if self.key == "domain":
            return domain_key(raw)
        return str(raw).lower()

    def _write_chunk(self, chunk: _Chunk) -> None:
        if self.fresh and self.key == "name":
            # every row is new: no per-row matching, and the rows are built
            # column by column; a blank name is the only key problem
            names = chunk.columns["name"]
            if None in names:
                keep = []
                for pos, name in enumerate(names):
                    if name is None:
                        line, row = chunk.lines[pos], chunk.rows[pos]
                        self._problem(line, row, "name", "required to match customers", "")
                    else:
                        keep.append(pos)
                chunk = chunk.subset(keep)
            insert_rows = self._new_rows(chunk)
            if insert_rows and not self.wrote_any:
                self._start_writing()
            self._insert(insert_rows)
            return
        creates: list[int] = []  # positions in the chunk
        updates: list[tuple[int, list[str], dict[str, Any], int]] = []
        key_of = _name_key_of if self.key == "name" else self._key_of
        existing = self.existing.get
        for pos, (line, row, values) in enumerate(
            zip(chunk.lines, chunk.rows, chunk.records(), strict=True)
        ):
            key = key_of(values)
            if key is None:
                self._problem(line, row, self.key, "required to match customers", "")
                continue
            customer_id = existing(key)
            if customer_id == -1:
                self._problem(
                    line, row, self.key, "matches more than one customer; use --key name", key
                )
                continue
            if customer_id is None:
                if self.key != "name":
                    if key in self.seen_new:
                        self._problem(
                            line, row, self.key, "appears more than once in the file", key
                        )
                        continue
                    self.seen_new.add(key)
                if values.get("name") is None:
                    self._problem(line, row, "name", "required to create a customer", "")
                    continue
                creates.append(pos)
            else:
                if customer_id in self.updated_ids:
                    self._problem(line, row, self.key, "appears more than once in the file", key)
                    continue
                self.updated_ids.add(customer_id)
                updates.append((line, row, values, customer_id))
        insert_rows = self._new_rows(chunk.subset(creates)) if creates else []
        update_rows = self._compare(updates)
        if (insert_rows or update_rows) and not self.wrote_any:
            self._start_writing()
        self._insert(insert_rows)
        self._update(update_rows)

    def _start_writing(self) -> None:
        self.wrote_any = True
        size, read = self.source.size, max(self.source.bytes_read, 1)
        estimate = self.summary.rows * (size / read) if size else self.summary.rows
        if estimate >= max(SUSPEND_MIN_ROWS, self.existing_count // 4):
            dialect.suspend_search_triggers(self.conn)
            self.suspended = True
        if estimate >= max(SUSPEND_MIN_ROWS, self.existing_count):
            # At least doubling the table: one sorted build per index afterwards
            # is several times cheaper than inserting into each as rows arrive.
            present = {ix["name"] for ix in inspect(self.conn).get_indexes("customer")}
            table = Customer.__table__  # type: ignore[attr-defined]
            for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
                if index.name not in present:
                    continue
                if index.name == UNIQUE_NAMES:
                    # rows breaking it are found at the end and read again
                    # from the file for the report, so only then
                    if not (self.fresh and self.source.path is not None):
                        continue
                    self.unique_dropped = True
                index.drop(self.conn)
                self.dropped_indexes.append(index)

    def _compare(
        self, updates: list[tuple[int, list[str], dict[str, Any], int]]
    ) -> list[tuple[int, list[str], tuple[Any, ...], bool, int]]:
        if not updates:
            return []
        wanted = list(dict.fromkeys(self.plan.columns + list(OLD_EXTRA)))
        ids = [u[3] for u in updates]
        marks = ", ".join([self.ph] * len(ids))
        rows = self.conn.exec_driver_sql(
            f"SELECT id, {', '.join(wanted)} FROM customer WHERE id IN ({marks})", tuple(ids)
        )
        old_by_id: dict[int, dict[str, Any]] = {}
        for record in rows:
            old = {}
            for column, value in zip(wanted, record[1:], strict=True):
                old[column] = canon_day(value) if column in DATE_COLUMNS else canon(value)
            old_by_id[int(record[0])] = old
        out: list[tuple[int, list[str], tuple[Any, ...], bool, int]] = []
        columns = self.plan.columns
        detail = self.options.detail_limit
        for line, row, values, customer_id in updates:
            old = old_by_id[customer_id]
            try:
                new, manual = self._build(values, old)
            except CellError as exc:
                self._problem(line, row, exc.field or "row", exc.reason, "")
                continue
            changed = [
                column for column, value in zip(columns, new, strict=True) if value != old[column]
            ]
            if not changed:
                self.summary.unchanged += 1
                continue
            out.append((line, row, new, manual, customer_id))
            if len(self.summary.changes) < detail:
                self.summary.changes.append(
                    _describe_change(
                        line,
                        customer_id,
                        old,
                        dict(zip(columns, new, strict=True)),
                        changed,
                        self.today,
                    )
                )
        return out

    def _build(self, values: dict[str, Any], old: dict[str, Any]) -> tuple[tuple[Any, ...], bool]:
        """The stored values of the plan's columns for one row updating a
        customer (and whether it sets a manual score). New customers are built
        by `_new_rows`."""
        plan = self.plan
        out: list[Any] = []
        manual = False
        if plan.has_name:
            if self.key == "name" or values["name"] is None:
                out += [old["name"], old["name_key"]]
            else:
                out += [values["name"], values["name"].casefold()]
        if plan.has_lifecycle:
            lifecycle = values["lifecycle"]
            if lifecycle is None:
                lifecycle = old["lifecycle"]
            elif _auto_moved(lifecycle, old["lifecycle"], old["band"]):
                # the stored stage is this one after an automatic transition
                # (the band it is in moved it): importing the file again keeps it
                lifecycle = old["lifecycle"]
            out.append(lifecycle)
        if plan.direct:
            direct = [values[column] for column in plan.direct]
            if plan.tags_at >= 0:
                tags = direct[plan.tags_at]
                if tags is None:
                    direct[plan.tags_at] = ""
                elif _same_tags(tags, old["tags"]):
                    direct[plan.tags_at] = old["tags"]
            out += direct
        if plan.has_renewal:
            renewal = values.get("renewal_date")
            if renewal is None:
                months = values.get("months_to_renewal")
                if months is not None:
                    renewal = months
                elif "renewal_date" not in values:
                    renewal = old["renewal_date"]
            out.append(renewal)
        if plan.has_money:
            out += self._money(values, old)
        if plan.has_days:
            out += self._days(values, old)
        if plan.has_score:
            score = values["score"]
            if score is not None and values.get("score_source", "manual") == "computed":
                score = None
            if score is None:
                out += [old["score"], False]
            else:
                manual = old["score"] != score or not old["score_manual"]
                out += [score, True]
        return tuple(out), manual

    def _new_rows(self, chunk: _Chunk) -> list[tuple[int, list[str], tuple[Any, ...], bool]]:
        """(line, row, stored values of the plan's columns, sets a manual score)
        for rows creating customers, built column by column (the rules of
        `_build` for a customer that does not exist yet); rows breaking a rule
        across columns are rejected."""
        plan, count = self.plan, len(chunk.lines)
        column = chunk.columns.get
        nothing: list[Any] = [None] * count
        out: list[list[Any]] = []
        problems: dict[int, CellError] = {}
        if plan.has_name:
            names = chunk.columns["name"]
            out += [names, [name.casefold() for name in names]]
        if plan.has_lifecycle:
            out.append([v if v is not None else "active" for v in chunk.columns["lifecycle"]])
        for name in plan.direct:
            values = chunk.columns[name]
            out.append([v if v is not None else "" for v in values] if name == "tags" else values)
        if plan.has_renewal:
            renewal = column("renewal_date") or nothing
            months = column("months_to_renewal")
            if months is not None:
                renewal = [m if r is None else r for r, m in zip(renewal, months, strict=True)]
            out.append(renewal)
        if plan.has_money:
            out += self._new_money(column("mrr"), column("arr"), problems)
        if plan.has_days:
            out += self._new_days(column("days"), column("last_contact_date"), problems)
        manual = [False] * count
        if plan.has_score:
            scores = list(chunk.columns["score"])
            sources = column("score_source")
            if sources is not None:
                scores = [
                    None if source == "computed" else score
                    for score, source in zip(scores, sources, strict=True)
                ]
            manual = [score is not None for score in scores]
            out += [scores, manual]
        rows = list(zip(chunk.lines, chunk.rows, zip(*out, strict=True), manual, strict=True))
        if not problems:
            return rows
        for pos, exc in sorted(problems.items()):
            self._problem(chunk.lines[pos], chunk.rows[pos], exc.field or "row", exc.reason, "")
        return [row for pos, row in enumerate(rows) if pos not in problems]

    def _new_money(
        self,
        mrr: list[Any] | None,
        arr: list[Any] | None,
        problems: dict[int, CellError],
    ) -> list[list[Any]]:
        """MRR and ARR of new customers: a given one sets the other; both given
        must agree."""
        if arr is None:
            assert mrr is not None
            return [mrr, [None if m is None else round(m * 12, 2) for m in mrr]]
        if mrr is None:
            return [[None if a is None else round(a / 12, 2) for a in arr], arr]
        pairs = []
        for pos, (m, a) in enumerate(zip(mrr, arr, strict=True)):
            if m is not None and a is not None:
                if abs(a - 12 * m) > MONEY_TOLERANCE:
                    problems[pos] = CellError(f"must be 12 × MRR ({12 * m:g}), got {a:g}", "arr")
                pairs.append((m, a))
            elif m is not None:
                pairs.append((m, round(m * 12, 2)))
            elif a is not None:
                pairs.append((round(a / 12, 2), a))
            else:
                pairs.append((None, None))
        return [[m for m, _a in pairs], [a for _m, a in pairs]]

    def _new_days(
        self,
        days: list[Any] | None,
        contact: list[Any] | None,
        problems: dict[int, CellError],
    ) -> list[list[Any]]:
        """(baseline, as of) of new customers: days since contact today, or
        zero on the last contact date."""
        count = len(days if days is not None else contact or [])
        baselines: list[Any] = list(days) if days is not None else [None] * count
        as_of: list[Any] = [None if d is None else self.today_iso for d in baselines]
        if contact is not None:
            for pos, when in enumerate(contact):
                if when is None or baselines[pos] is not None:
                    continue
                if when > self.today_iso:  # a row's first problem is the one reported
                    problems.setdefault(
                        pos, CellError(f"{when} is in the future", "last_contact_date")
                    )
                baselines[pos], as_of[pos] = 0, when
        return [baselines, as_of]

    def _money(self, values: dict[str, Any], old: dict[str, Any]) -> list[Any]:
        mrr = values.get("mrr", MISSING)
        arr = values.get("arr", MISSING)
        old_mrr, old_arr = old["mrr"], old["arr"]
        mrr_new = mrr is not MISSING and mrr != old_mrr
        arr_new = arr is not MISSING and arr != old_arr
        if mrr_new and arr_new and mrr is not None and arr is not None:
            if abs(arr - 12 * mrr) > MONEY_TOLERANCE:
                raise CellError(f"must be 12 × MRR ({12 * mrr:g}), got {arr:g}", "arr")
            return [mrr, arr]
        if mrr_new:
            return [mrr, None if mrr is None else round(mrr * 12, 2)]
        if arr_new:
            return [None if arr is None else round(arr / 12, 2), arr]
        return [old_mrr, old_arr]

    def _days(self, values: dict[str, Any], old: dict[str, Any]) -> list[Any]:
        days = values.get("days", MISSING)
        contact = values.get("last_contact_date", MISSING)
        old_pair = [old["days_baseline"], old["days_as_of"]]
        old_effective = effective_days(
            old_pair[0],
            None if old_pair[1] is None else _iso_date(old_pair[1]),
            self.today,
        )
        if days is not MISSING and days is not None and days != old_effective:
            return [days, self.today_iso]
        old_contact = old["last_contact_date"]
        if contact is not MISSING and contact is not None and contact != old_contact:
            if contact > self.today_iso:
                raise CellError(f"{contact} is in the future", "last_contact_date")
            return [0, contact]
        if days is None:
            return [None, None]
        return old_pair

    # -- writing ------------------------------------------------------------

    def _insert(self, rows: list[tuple[int, list[str], tuple[Any, ...], bool]]) -> None:
        if not rows:
            return
        columns = list(self.plan.columns)
        extra: list[tuple[str, Any]] = [
            ("client_id", self.actor.client_id),
            ("status", "active"),
            ("created_at", self.now_param),
            ("updated_at", self.now_param),
        ]
        if "lifecycle" not in columns:
            extra.append(("lifecycle", "active"))
        if "tags" not in columns:
            extra.append(("tags", ""))
        if "score_manual" not in columns:
            extra.append(("score_manual", False))
        names = columns + [name for name, _ in extra]
        tail = tuple(value for _, value in extra)
        if self.fresh:
            ok = self._insert_scored(names, rows, tail)
        else:
            sql = (
                f"INSERT INTO customer ({', '.join(names)}) "
                f"VALUES ({', '.join([self.ph] * len(names))})"
            )
            params = [self._params(new) + tail for _l, _r, new, _m in rows]
            ok = self._execute_many(
                sql, params, rows, "name", "another row of the file has this name"
            )
        self.summary.created += sum(ok)
        manual_names = [
            name_key(new[0]) for (_l, _r, new, m), good in zip(rows, ok, strict=True) if m and good
        ]
        if manual_names:
            self._mark_manual_by_name(manual_names)

    def _insert_scored(
        self,
        names: list[str],
        rows: list[tuple[int, list[str], tuple[Any, ...], bool]],
        tail: tuple[Any, ...],
    ) -> list[bool]:
        """Insert new customers numbered from `next_id` with the score, band
        and lifecycle a rescore would give them (SQLite; the client has no
        customers yet). Scores are worked out column by column in Python,
        which is cheaper than the formula in SQL per row; the lifecycle
        follows the band in the INSERT. Records each one's given lifecycle
        for the rescore bookkeeping."""
        from iqcadence.core.accounts.rescore import lifecycle_sql

        # numbered parameters: id, the row's values, then score, band, scored at
        at = {name: 2 + pos for pos, name in enumerate(names)}
        score_at = 2 + len(names)
        if not self.fresh_sql:
            columns = ["id", *names]
            values = [f"?{pos}" for pos in range(1, len(columns) + 1)]
            values[at["lifecycle"] - 1] = lifecycle_sql(f"?{score_at + 1}", f"?{at['lifecycle']}")
            if "score" in at:
                values[at["score"] - 1] = f"?{score_at}"
            else:
                columns.append("score")
                values.append(f"?{score_at}")
            self.fresh_sql = (
                f"INSERT INTO customer ({', '.join(columns)}, band, scored_at) "
                f"VALUES ({', '.join(values)}, ?{score_at + 1}, ?{score_at + 2})"
            )
        start = self.next_id
        params = [(start + pos, *new, *tail) for pos, (_l, _r, new, _m) in enumerate(rows)]
        scores = self._scores(params, {name: pos - 1 for name, pos in at.items()})
        band_of = self._band_of
        now = self.now_param
        scored = [
            (*param, score, band_of[score], None if score is None else now)
            for param, score in zip(params, scores, strict=True)
        ]
        ok = self._execute_many(
            self.fresh_sql, scored, rows, "name", "another row of the file has this name", True
        )
        # the rows that wrote are numbered in order from `start`, without gaps
        lifecycle_at = at["lifecycle"] - 1
        written = [param[lifecycle_at] for param, good in zip(params, ok, strict=True) if good]
        self._note_lines(start, [row[0] for row, good in zip(rows, ok, strict=True) if good])
        self.next_id = start + len(written)
        dialect.insert_numbered(self.conn, GIVEN_TABLE, "lifecycle", start, written)
        return ok

    def _scores(self, params: list[tuple[Any, ...]], at: dict[str, int]) -> list[float | None]:
        """The score of each new row (`params` by column position `at`): a
        manual score as given, else scoring.score_columns with the weights of
        the row's profile."""
        count = len(params)
        columns: dict[str, list[Any]] = {
            name: list(map(itemgetter(at[name]), params)) for name in SIGNALS if name in at
        }
        if "days_baseline" in at:
            base, as_of, today = at["days_baseline"], at["days_as_of"], self.today_iso
            columns["days"] = [
                # most rows give days since contact as of today: no decay
                p[base] if p[as_of] == today else self._effective_days(p[base], p[as_of])
                for p in params
            ]
        if not self.weights:
            self.weights = {
                name: self.config.effective_weights(weights)
                for name, weights in settings.profile_weights(
                    self.session, self.actor.client_id
                ).items()
            }
            self.weights[""] = self.config.effective_weights(None)
        groups: dict[str, list[int]] = {}
        if "scoring_profile" in at and len(self.weights) > 1:
            profile = at["scoring_profile"]
            for pos, param in enumerate(params):
                name = param[profile]
                groups.setdefault(name if name in self.weights else "", []).append(pos)
        else:
            groups[""] = list(range(count))
        scores: list[float | None] = [None] * count
        for name, positions in groups.items():
            if len(positions) == count:
                part = score_columns(columns, self.weights[name], count)
            else:
                picked = {k: [v[pos] for pos in positions] for k, v in columns.items()}
                part = score_columns(picked, self.weights[name], len(positions))
            for pos, score in zip(positions, part, strict=True):
                scores[pos] = score
        if "score" in at:
            score_at, manual_at = at["score"], at["score_manual"]
            for pos, param in enumerate(params):
                if param[manual_at] and param[score_at] is not None:
                    scores[pos] = param[score_at]
        return scores

    def _note_lines(self, first_id: int, lines: list[int]) -> None:
        """Remember the lines of rows given ids from `first_id` on."""
        if not lines:
            return
        if lines[-1] - lines[0] == len(lines) - 1:  # one line each, none skipped
            self.line_runs.append((first_id, lines[0]))
            return
        for offset, line in enumerate(lines):
            if offset == 0 or line != lines[offset - 1] + 1:
                self.line_runs.append((first_id + offset, line))

    def _line_of(self, customer_id: int) -> int:
        first_id, line = self.line_runs[bisect_right(self.line_runs, (customer_id, 1 << 62)) - 1]
        return line + customer_id - first_id

    def _check_unique_names(self, max_id: int) -> None:
        """Build the unique name index dropped for the bulk write; when rows
        of the file repeat a name, reject every repeat after the first (as a
        row-by-row insert would have) and take those rows out first."""
        conn = self.conn
        index = next(ix for ix in self.dropped_indexes if ix.name == UNIQUE_NAMES)
        conn.exec_driver_sql("SAVEPOINT import_unique")
        try:
            index.create(conn)
        except IntegrityError:
            conn.exec_driver_sql("ROLLBACK TO SAVEPOINT import_unique")
        else:
            conn.exec_driver_sql("RELEASE SAVEPOINT import_unique")
            return
        conn.exec_driver_sql("RELEASE SAVEPOINT import_unique")
        rows = conn.execute(
            text(
                "SELECT id, name_key FROM customer WHERE client_id = :client_id "
                "AND id > :max_id AND name_key IN (SELECT name_key FROM customer "
                "WHERE client_id = :client_id AND id > :max_id "
                "GROUP BY name_key HAVING COUNT(*) > 1) ORDER BY name_key, id"
            ),
            {"client_id": self.actor.client_id, "max_id": max_id},
        )
        kept: set[str] = set()
        repeats: dict[int, int] = {}  # file line -> id
        for customer_id, key in rows:
            if key in kept:
                repeats[self._line_of(int(customer_id))] = int(customer_id)
            else:
                kept.add(key)
        raw = self.source.reread(repeats)
        at = self._column_index("name")
        for line in sorted(repeats):
            row = raw.get(line, [])
            value = row[at] if at is not None and at < len(row) else ""
            self._problem(line, row, "name", "another row of the file has this name", value)
        ids = list(repeats.values())
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            marks = ", ".join([self.ph] * len(part))
            conn.exec_driver_sql(f"DELETE FROM customer WHERE id IN ({marks})", tuple(part))
            conn.exec_driver_sql(f"DELETE FROM {GIVEN_TABLE} WHERE id IN ({marks})", tuple(part))
        self.removed = len(ids)
        self.summary.created -= len(ids)
        lines = set(repeats)
        self.summary.preview = [p for p in self.summary.preview if p["line"] not in lines]
        index.create(conn)

    def _effective_days(self, baseline: int | None, as_of: str | None) -> int | None:
        """scoring.effective_days of a new row's (baseline, ISO date) pair."""
        if baseline is None or as_of is None or as_of == self.today_iso:
            return baseline
        return effective_days(baseline, _iso_date(as_of), self.today)

    def _update(self, rows: list[tuple[int, list[str], tuple[Any, ...], bool, int]]) -> None:
        if not rows:
            return
        columns = self.plan.columns
        sets = ", ".join(f"{c} = {self.ph}" for c in columns)
        sql = f"UPDATE customer SET {sets}, updated_at = {self.ph} WHERE id = {self.ph}"
        params = [self._params(new) + (self.now_param, cid) for _l, _r, new, _m, cid in rows]
        ok = self._execute_many(
            sql,
            params,
            [(line, row) for line, row, *_ in rows],
            "name",
            "another customer already has this name",
        )
        self.summary.updated += sum(ok)
        touched = [(cid,) for (*_x, cid), good in zip(rows, ok, strict=True) if good]
        manual = [(cid,) for (_l, _r, _n, m, cid), good in zip(rows, ok, strict=True) if m and good]
        ph = self.ph
        if touched:
            self.conn.exec_driver_sql(f"INSERT INTO {TOUCHED_TABLE} (id) VALUES ({ph})", touched)
        if manual:
            self.conn.exec_driver_sql(f"INSERT INTO {MANUAL_TABLE} (id) VALUES ({ph})", manual)
        if not all(ok):
            failed = {cid for (*_x, cid), good in zip(rows, ok, strict=True) if not good}
            self.summary.changes = [c for c in self.summary.changes if c["id"] not in failed]

    def _params(self, new: tuple[Any, ...]) -> tuple[Any, ...]:
        if dialect.is_sqlite(self.conn):
            return new
        from iqcadence.core.io.imports.common import day_param

        return tuple(
            day_param(self.conn, v) if c in DATE_COLUMNS else v
            for c, v in zip(self.plan.columns, new, strict=True)
        )

    def _execute_many(
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
        at = self._column_index(field_name)
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
                self._problem(line, row, field_name, reason, value)
                ok.append(False)
            else:
                ok.append(True)
                number += 1
            conn.exec_driver_sql("RELEASE SAVEPOINT import_row")
        conn.exec_driver_sql("RELEASE SAVEPOINT import_chunk")
        return ok

    def _column_index(self, field_name: str) -> int | None:
        for index, name, _read, _memo in self.readers:
            if name == field_name:
                return index
        return None

    def _mark_manual_by_name(self, keys: list[str]) -> None:
        ph = self.ph
        self.conn.exec_driver_sql(
            f"INSERT INTO {MANUAL_TABLE} (id) SELECT id FROM customer "
            f"WHERE client_id = {ph} AND name_key = {ph}",
            [(self.actor.client_id, key) for key in keys],
        )

    def _snapshot_overrides(self) -> int:
        """Manual scores set by this import get their snapshot (rescoring keeps
        overrides as they are, so it writes none for them)."""
        conn = self.conn
        count = int(conn.execute(text(f"SELECT COUNT(*) FROM {MANUAL_TABLE}")).scalar_one())
        if not count:
            return 0
        days_sql = dialect.effective_days_sql(conn, self.today)
        signals = ", ".join(s for s in SIGNALS if s != "days")
        conn.execute(
            text(
                f"INSERT INTO score_snapshot (customer_id, taken_at, score, band, {signals}, "
                "days, weights, source) "
                f"SELECT id, :now, score, band, {signals}, {days_sql}, :weights, 'import' "
                f"FROM customer WHERE id IN (SELECT id FROM {MANUAL_TABLE}) "
                "AND score IS NOT NULL ORDER BY id"
            ),
            {
                "now": self.now_param,
                "weights": json.dumps({"manual": True}),
            },
        )
        return count

    def _fill_scores(self) -> None:
        ids = [c["id"] for c in self.summary.changes]
        marks = ", ".join([self.ph] * len(ids))
        current = {
            int(r[0]): (r[1], r[2])
            for r in self.conn.exec_driver_sql(
                f"SELECT id, score, band FROM customer WHERE id IN ({marks})", tuple(ids)
            )
        }
        for change in self.summary.changes:
            score, band = current.get(change["id"], (None, None))
            change["score"]["to"] = score
            change["band"]["to"] = band


OLD_EXTRA: tuple[str, ...] = (
    "name",
    "name_key",
    "lifecycle",
    "score",
    "band",
    "score_manual",
    "mrr",
    "arr",
    "days_baseline",
    "days_as_of",
    "last_contact_date",
    "renewal_date",
)


def _name_key_of(values: dict[str, Any]) -> str | None:
    """The match key of a row by name (read names are already trimmed and collapsed)."""
    name = values.get("name")
    return None if name is None else str(name).casefold()


def _auto_moved(given: str, stored: str, band: str | None) -> bool:
    """Whether `stored` is what the automatic lifecycle transition makes of
    `given` for a customer in `band` (customers.lifecycle_transition)."""
    if given in ("active", "onboarding") and stored == "atrisk":
        return band in RISK_BANDS
    if given == "atrisk" and stored == "active":
        return band in RECOVERED_BANDS
    return False


def _same_tags(new: str, old: str | None) -> bool:
    return {t.casefold() for t in new.split("|") if t} == {
        t.casefold() for t in (old or "").split("|") if t
    }


def _iso_date(value: str) -> Any:
    from datetime import date

    return date.fromisoformat(value[:10])


def _describe_change(
    line: int,
    customer_id: int,
    old: dict[str, Any],
    new: dict[str, Any],
    changed: list[str],
    today: Any,
) -> dict[str, Any]:
    fields: dict[str, dict[str, Any]] = {}
    for column in changed:
        if column == "name_key":
            continue
        if column in ("days_baseline", "days_as_of"):
            before = effective_days(
                old["days_baseline"],
                None if old["days_as_of"] is None else _iso_date(old["days_as_of"]),
                today,
            )
            after = effective_days(
                new["days_baseline"],
                None if new["days_as_of"] is None else _iso_date(new["days_as_of"]),
                today,
            )
            if before != after:
                fields["days"] = {"from": before, "to": after}
            continue
        if column == "score_manual":
            fields["score_source"] = {
                "from": "manual" if old["score_manual"] else "computed",
                "to": "manual" if new["score_manual"] else "computed",
            }
            continue
        if column == "tags":
            fields["tags"] = {
                "from": [t for t in (old["tags"] or "").split("|") if t],
                "to": [t for t in (new["tags"] or "").split("|") if t],
            }
            continue
        fields[column] = {"from": old[column], "to": new[column]}
    return {
        "line": line,
        "id": customer_id,
        "name": new.get("name") or old["name"],
        "fields": fields,
        "score": {"from": old["score"], "to": None},
        "band": {"from": old["band"], "to": None},
    }
