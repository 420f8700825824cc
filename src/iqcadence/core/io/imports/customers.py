"""`import csv`: create and update customers from a spreadsheet, fast.

The file is streamed in chunks; each chunk is read and normalised in Python
column by column, matched against the stored customers with one query (which
also reads the values compared: no key or row of the whole book is held in
memory), compared with what is stored column by column, and written with
`executemany` — no ORM object per row. Everything happens in one transaction:
when the import is on course to write many rows, the search index triggers
are suspended (and indexes dropped); every created or changed customer is
scored set-based by `rescore.rescore_where`, and only then are the search
index and any indexes dropped for the bulk write built again, once each.

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

This module owns the entry point, `import_customers`, and drives the
`Importer`, which is put together from the parts beside it: `customer_state`
(what the parts share), `customer_read` (the rows read), `customer_new` and
`customer_insert` (new customers) and `customer_update` (matched ones);
`customer_plan` holds the stored columns written, `customer_summary` the report.
"""

from __future__ import annotations

import gc
import json
from dataclasses import replace
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, RefusedFile
from iqcadence.core.io.imports.common import ImportOptions, Progress
from iqcadence.core.io.imports.customer_insert import Inserter
from iqcadence.core.io.imports.customer_new import NewRows
from iqcadence.core.io.imports.customer_plan import (
    GIVEN_TABLE,
    MANUAL_TABLE,
    MISSING,
    TOUCHED_TABLE,
    UNIQUE_NAMES,
    Chunk,
)
from iqcadence.core.io.imports.customer_read import KEYS_TABLE, RowReader
from iqcadence.core.io.imports.customer_summary import ImportSummary
from iqcadence.core.io.imports.customer_update import Updater
from iqcadence.core.io.imports.detect import CsvSource
from iqcadence.core.io.imports.headers import (
    CUSTOMER_ALIASES,
    match_columns,
    parse_map_options,
)
from iqcadence.core.scoring.formula import SIGNALS
from iqcadence.core.store import audit, dialect, search_index

KEYS: tuple[str, ...] = ("name", "domain", "email")
IMPORT_FIELDS: tuple[str, ...] = tuple(CUSTOMER_ALIASES)
# Into a client without customers (SQLite), score rows before their INSERT.
SCORE_ON_INSERT = True
# A first load of a client from a file this large writes without the WAL.
BULK_LOAD_MIN_BYTES = 4 << 20


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
        encoding_note=source.encoding_note,
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
        Importer(session, actor, source, options, summary, progress).run()
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


class Importer(RowReader, NewRows, Updater, Inserter):
    """Streams the file chunk by chunk, writes each chunk, then scores the
    customers written, rebuilds what was dropped, and records the import."""

    # -- driver -------------------------------------------------------------

    def run(self) -> None:
        conn = self.conn
        max_id = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM customer")).scalar_one()
        self.prepare_matching(int(max_id))
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
            for chunk in self.chunks():
                self.write_chunk(chunk)
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
            self.check_unique_names(max_id)
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
            search_index.rebuild_search_index(conn)
        for index in self.dropped_indexes:
            if index.name != UNIQUE_NAMES:
                index.create(conn)
        if summary.changes:
            self._fill_scores()
        if touched:
            self._tell_touched(max_id)
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
        for table in (TOUCHED_TABLE, MANUAL_TABLE, GIVEN_TABLE, KEYS_TABLE):
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        summary.written = not self.options.dry_run and not refused

    # -- one chunk ----------------------------------------------------------

    def write_chunk(self, chunk: Chunk) -> None:
        if self.fresh and self.key == "name":
            # every row is new: no per-row matching, and the rows are built
            # column by column; a blank name is the only key problem
            names = chunk.columns["name"]
            if None in names:
                keep = []
                for pos, name in enumerate(names):
                    if name is None:
                        line, row = chunk.lines[pos], chunk.rows[pos]
                        self.problem(line, row, "name", "required to match customers", "")
                    else:
                        keep.append(pos)
                chunk = chunk.subset(keep)
            columns, manual = self.new_columns(chunk)
            self.before_writing(len(chunk.lines))
            self.insert_scored(chunk, columns, manual)
            return
        keys = self.keys_of(chunk)
        stored = self.stored(list(set(filter(None, keys))), self.stored_columns())
        creates: list[int] = []  # positions in the chunk
        updates: list[int] = []
        olds: list[tuple[Any, ...]] = []
        seen = self.seen_ids
        given_names = chunk.columns.get("name")
        for pos, key in enumerate(keys):
            if key is None:
                line, row = chunk.lines[pos], chunk.rows[pos]
                self.problem(line, row, self.key, "required to match customers", "")
                continue
            old = stored.get(key, MISSING)
            if old is None:
                line, row = chunk.lines[pos], chunk.rows[pos]
                self.problem(
                    line, row, self.key, "matches more than one customer; use --key name", key
                )
            elif old is MISSING:
                if self.key != "name":
                    if key in self.seen_new:
                        line, row = chunk.lines[pos], chunk.rows[pos]
                        self.problem(line, row, self.key, "appears more than once in the file", key)
                        continue
                    self.seen_new.add(key)
                if given_names is None or given_names[pos] is None:
                    line, row = chunk.lines[pos], chunk.rows[pos]
                    self.problem(line, row, "name", "required to create a customer", "")
                    continue
                creates.append(pos)
            else:
                assert isinstance(old, tuple)
                if seen[old[0]]:
                    line, row = chunk.lines[pos], chunk.rows[pos]
                    self.problem(line, row, self.key, "appears more than once in the file", key)
                    continue
                seen[old[0]] = 1
                updates.append(pos)
                olds.append(old)
        update_rows = self.compare(chunk, updates, olds)
        if self.fresh:  # matched by domain or e-mail into a client without customers
            creating = chunk.subset(creates)
            columns, manual = self.new_columns(creating)
            self.before_writing(len(creating.lines))
            self.insert_scored(creating, columns, manual)
            return
        insert_rows = self.new_rows(chunk.subset(creates)) if creates else []
        self.before_writing(len(insert_rows) + len(update_rows))
        self.insert(insert_rows)
        self.update(update_rows)

    def _tell_touched(self, max_id: int) -> None:
        """Every customer this import created or wrote, to what is derived
        from customers (the rescore's change event names only those whose
        score or band moved)."""
        from array import array

        from iqcadence.core.accounts import changes

        if self.fresh:
            sql = f"SELECT id FROM customer WHERE client_id = {self.ph} AND id > {self.ph}"
            params: tuple[Any, ...] = (self.actor.client_id, max_id)
        else:
            sql, params = f"SELECT id FROM {TOUCHED_TABLE}", ()
        ids = array("q", (int(cid) for (cid,) in self.conn.exec_driver_sql(sql, params)))
        changes.customers_touched(self.session, self.actor, ids, cause="import")

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
