"""What the customer and history imports share: options, row problems, the
error report file, and small SQL helpers for bulk writes."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TextIO

from sqlalchemy.engine import Connection

from iqcadence.core.store import dialect

KEEP_PROBLEMS = 1000  # problems kept in memory for display; the error file gets all
Progress = Callable[[int, int | None, int], None]  # bytes read, total bytes, rows


@dataclass
class ImportOptions:
    """How to read a file and what to do with it (the CLI flags)."""

    mapping: list[str] = field(default_factory=list)  # "Column Name=field"
    encoding: str | None = None
    delimiter: str | None = None
    decimal_comma: bool = False
    date_format: str | None = None
    key: str = "name"
    dry_run: bool = False
    skip_invalid: bool = False
    errors_out: TextIO | None = None
    detail_limit: int = 100  # updates whose field changes are listed


@dataclass(frozen=True)
class RowProblem:
    """One bad value: printed as `FILE:LINE: field: reason (value)`."""

    file: str
    line: int
    field: str
    reason: str
    value: str

    @property
    def message(self) -> str:
        shown = self.value if self.value.strip() else "blank"
        if len(shown) > 60:
            shown = shown[:57] + "..."
        return f"{self.file}:{self.line}: {self.field}: {self.reason} ({shown})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
            "value": self.value,
            "message": self.message,
        }


class ErrorReport:
    """Rejected rows as a CSV (original columns + line + error) ready to fix and
    re-import; keeps the first problems in memory for display."""

    def __init__(self, header: list[str], out: TextIO | None) -> None:
        self.header = header
        self.problems: list[RowProblem] = []
        self.total = 0
        self.rows = 0
        self._writer: Any = None
        if out is not None:
            self._writer = csv.writer(out, lineterminator="\n")
            self._writer.writerow([*header, "line", "error"])

    def reject(self, line: int, row: list[str], problems: list[RowProblem]) -> None:
        self.rows += 1
        self.total += len(problems)
        room = KEEP_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems.extend(problems[:room])
        if self._writer is not None:
            cells = list(row[: len(self.header)])
            cells += [""] * (len(self.header) - len(cells))
            reason = "; ".join(f"{p.field}: {p.reason}" for p in problems)
            self._writer.writerow([*cells, line, reason])


def placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def stamp(conn: Connection, moment: datetime) -> Any:
    """A datetime as the driver stores it (SQLAlchemy's SQLite text form)."""
    if dialect.is_sqlite(conn):
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def day_param(conn: Connection, iso: str | None) -> Any:
    if iso is None or dialect.is_sqlite(conn):
        return iso
    return date.fromisoformat(iso)


def canon(value: Any) -> Any:
    """A value read back from SQL in the form the import compares with."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def canon_day(value: Any) -> str | None:
    """A date column read back from SQL as ISO text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)[:10]
