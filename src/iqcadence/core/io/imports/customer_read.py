"""Reading a customer file: the stored customers the rows of a chunk match,
and the file's rows in chunks, read column by column, rows with bad cells
rejected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import islice, repeat
from typing import Any

from sqlalchemy import text

from iqcadence.core.io.imports.common import RowProblem
from iqcadence.core.io.imports.customer_plan import MISSING, Chunk
from iqcadence.core.io.imports.customer_state import ImporterState
from iqcadence.core.io.imports.detect import BrokenRecord
from iqcadence.core.io.imports.normalize import CellError, domain_key

CHUNK_ROWS = 2000
MEMO_SIZE = 20_000
PREVIEW_ROWS = 5
# With `--key domain|email`: the comparable key of each stored customer.
KEYS_TABLE = "import_keys"
KEYS_PAGE = 5000


class RowReader(ImporterState):
    """Matches rows with stored customers and reads the file's rows."""

    def prepare_matching(self, max_id: int) -> None:
        """Count the client's customers; with `--key domain|email`, list the
        comparable key of each (streamed, in a temporary table), so that the
        rows of each chunk are matched with one query and no key of the whole
        book is held in memory."""
        self.max_id = max_id
        self.seen_ids = bytearray(max_id + 1)
        client = {"client_id": self.actor.client_id}
        self.existing_count = int(
            self.conn.execute(
                text("SELECT COUNT(*) FROM customer WHERE client_id = :client_id"), client
            ).scalar_one()
        )
        if self.key == "name" or not self.existing_count:
            return
        conn, column = self.conn, self.key
        conn.execute(text(f"DROP TABLE IF EXISTS {KEYS_TABLE}"))
        conn.execute(text(f"CREATE TEMP TABLE {KEYS_TABLE} (key TEXT NOT NULL, id INTEGER)"))
        after = 0
        while True:
            page = conn.execute(
                text(
                    f"SELECT id, {column} FROM customer WHERE client_id = :client_id "
                    f"AND {column} IS NOT NULL AND id > :after ORDER BY id LIMIT {KEYS_PAGE}"
                ),
                {**client, "after": after},
            ).all()
            if not page:
                break
            after = int(page[-1][0])
            keys = [(stored_key(column, str(raw)), int(cid)) for cid, raw in page]
            found = [(key, cid) for key, cid in keys if key is not None]
            if found:
                conn.exec_driver_sql(
                    f"INSERT INTO {KEYS_TABLE} (key, id) VALUES ({self.ph}, {self.ph})", found
                )
        conn.execute(text(f"CREATE INDEX {KEYS_TABLE}_key ON {KEYS_TABLE} (key)"))

    def stored(self, keys: list[str], columns: list[str]) -> dict[str, tuple[Any, ...] | None]:
        """The customers the keys of a chunk match, as key -> (id, *columns),
        or None when the key matches more than one customer; customers created
        by this import are not matched (a repeat of their key is a repeat of
        a row of the file)."""
        if not keys or not self.existing_count:
            return {}
        marks = ", ".join([self.ph] * len(keys))
        wanted = ", ".join(f"c.{column}" for column in columns)
        if self.key == "name":
            sql = (
                f"SELECT c.name_key, c.id, {wanted} FROM customer c "
                f"WHERE c.client_id = {self.ph} AND c.name_key IN ({marks}) AND c.id <= {self.ph}"
            )
            params: tuple[Any, ...] = (self.actor.client_id, *keys, self.max_id)
        else:
            sql = (
                f"SELECT k.key, c.id, {wanted} FROM {KEYS_TABLE} k "
                f"JOIN customer c ON c.id = k.id WHERE k.key IN ({marks})"
            )
            params = tuple(keys)
        found: dict[str, tuple[Any, ...] | None] = {}
        for row in self.conn.exec_driver_sql(sql, params).fetchall():
            key = row[0]
            found[key] = None if key in found else tuple(row[1:])
        return found

    def chunks(self) -> Iterator[Chunk]:
        records = self.source.rows(broken_records=True)
        while raw := list(islice(records, CHUNK_ROWS)):
            yield self.read_chunk(raw)

    def read_chunk(self, raw: list[tuple[int, list[str]]]) -> Chunk:
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
                if isinstance(row, BrokenRecord):
                    bad[pos] = [RowProblem(name, raw[pos][0], "row", row.reason, '"')]
                    rows[pos] = [""] * width
                elif count > width:
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
        chunk = Chunk(lines, rows, dict(zip(names, columns, strict=True)))
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


def stored_key(column: str, raw: str) -> str | None:
    """The comparable form of a stored domain or e-mail (None: no key)."""
    if column == "domain":
        return domain_key(raw)
    return raw.strip().lower()
