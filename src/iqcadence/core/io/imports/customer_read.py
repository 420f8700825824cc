"""Reading a customer file: the match keys of the stored customers, and the
file's rows in chunks, read column by column, rows with bad cells rejected."""

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


class RowReader(ImporterState):
    """Loads the stored match keys and reads the file's rows."""

    def load_existing(self) -> None:
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
