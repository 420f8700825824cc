"""Backups: every table written as one checksummed JSON document.

The backup walks `SQLModel.metadata.sorted_tables`, so every table any
capability registers in `iqcadence.core.store.models` is included without changes
here. The document (top-level keys):

    format            "iqcadence-backup"
    format_version    1
    app_version       the iqcadence version that wrote it
    schema_revision   the Alembic revision of the database it came from
    created_at        ISO date-time (UTC)
    excluded_columns  ["table.column", ...] left out as secrets
    tables            {table: {"columns": [names], "rows": [[values], ...]}}
    sha256            SHA-256 of the canonical JSON of every other key

Tables marked `derived` in their `info` (worked out from the others, such
as the current alerts) are listed with their columns and no rows.

Canonical JSON: keys sorted, no spaces, UTF-8, no NaN. Values: dates and
date-times as ISO strings, JSON columns as JSON, Numeric as strings, binary as
base64. Rows are ordered by primary key, so two backups of the same data have
the same `tables` and checksum apart from `created_at`.

Secrets live in the OS keyring, never in the database; as a second guard,
any column whose name contains "secret", "password" or "token" is left out.
Such a column must be nullable or have a default (restore refills it), so a
column that only names a keyring entry is better called `keyring_name`.
The writer streams rows, so memory stays flat at any size. Reading a backup
back is `backup_check`, restoring it `restore`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, Table, inspect, select
from sqlalchemy import types as satypes
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from iqcadence.core.base import clock
from iqcadence.core.base.errors import StorageError
from iqcadence.core.store import dialect, migrations
from iqcadence.core.store.db import Database, DatabaseLocation, data_dir
from iqcadence.core.store.output_files import open_output

FORMAT = "iqcadence-backup"
FORMAT_VERSION = 1
SECRET_MARKERS = ("secret", "password", "token")
BATCH = 2000

Encoder = Callable[[Any], Any]


# --- the tables and their values -------------------------------------------


def all_tables() -> list[Table]:
    """Every table the models declare, parents before children."""
    import iqcadence.core.store.models  # noqa: F401  (registers every table)

    return list(SQLModel.metadata.sorted_tables)


def is_secret_column(name: str) -> bool:
    """Whether a column is left out of backups: its name contains "secret",
    "password" or "token" (a second guard; secrets belong in the keyring)."""
    lowered = name.lower()
    return any(marker in lowered for marker in SECRET_MARKERS)


def is_derived(table: Table) -> bool:
    """Whether a table only holds what follows from the others (a backup
    lists it without rows; a restore leaves it empty)."""
    return bool(table.info.get("derived"))


def backed_up_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if not is_secret_column(column.name)]


def present_tables(conn: Connection) -> list[Table]:
    existing = set(inspect(conn).get_table_names())
    return [table for table in all_tables() if table.name in existing]


_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> str:
    """Keys sorted, no spaces, no NaN: the form the checksum covers."""
    return _CANONICAL.encode(value)


def _encoder(column: Column[Any]) -> Encoder | None:
    """How a column's Python value becomes JSON (None: as it is)."""
    kind = column.type
    if isinstance(kind, satypes.DateTime | satypes.Date | satypes.Time):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, satypes.Float):
        return lambda v: None if v is None else float(v)
    if isinstance(kind, satypes.Numeric):
        return lambda v: None if v is None else str(v)
    if isinstance(kind, satypes.LargeBinary):
        return lambda v: None if v is None else base64.b64encode(v).decode("ascii")
    if isinstance(kind, satypes.Uuid):
        return lambda v: None if v is None else str(v)
    return None


# --- writing -------------------------------------------------------------------


@dataclass(frozen=True)
class BackupSummary:
    path: Path | None
    sha256: str
    schema_revision: str | None
    created_at: str
    counts: dict[str, int]
    excluded_columns: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path) if self.path is not None else None,
            "sha256": self.sha256,
            "schema_revision": self.schema_revision,
            "created_at": self.created_at,
            "counts": self.counts,
            "excluded_columns": self.excluded_columns,
        }


def write_backup(conn: Connection, sink: IO[bytes]) -> BackupSummary:
    """Stream a backup of everything `conn` sees into `sink`.

    The bytes before the closing `sha256` key are exactly the canonical JSON
    that the checksum covers, so it is computed while writing.
    """
    from iqcadence import __version__

    tables = sorted(present_tables(conn), key=lambda t: t.name)
    excluded = sorted(
        f"{table.name}.{column.name}"
        for table in tables
        for column in table.columns
        if is_secret_column(column.name)
    )
    created_at = clock.now().isoformat(timespec="seconds")
    revision = migrations.current_revision(conn)
    header = {
        "app_version": __version__,
        "created_at": created_at,
        "excluded_columns": excluded,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": revision,
    }  # every key sorts before "tables", which comes last
    digest = hashlib.sha256()

    def emit(chunk: str) -> None:
        data = chunk.encode("utf-8")
        digest.update(data)
        sink.write(data)

    counts: dict[str, int] = {}
    emit(canonical_json(header)[:-1] + ',"tables":{')
    for index, table in enumerate(tables):
        columns = backed_up_columns(table)
        names = [column.name for column in columns]
        emit(("," if index else "") + canonical_json(table.name) + ':{"columns":')
        emit(canonical_json(names) + ',"rows":[')
        encoders = [_encoder(column) for column in columns]
        order = list(table.primary_key.columns) or columns
        query = select(*columns).order_by(*order)
        count = 0
        pending: list[list[Any]] = []
        rows: Iterable[Any] = (
            () if is_derived(table) else conn.execute(query.execution_options(yield_per=BATCH))
        )
        try:
            for row in rows:
                values = [
                    value if encode is None else encode(value)
                    for encode, value in zip(encoders, row, strict=True)
                ]
                pending.append(values)
                count += 1
                if len(pending) >= BATCH:  # a list's items, encoded in one call
                    emit(("," if count > len(pending) else "") + canonical_json(pending)[1:-1])
                    pending = []
        except ValueError as exc:
            raise StorageError(
                f"table {table.name}: a value cannot be written as JSON ({exc})."
            ) from exc
        if pending:
            emit(("," if count > len(pending) else "") + canonical_json(pending)[1:-1])
        emit("]}")
        counts[table.name] = count
    emit("}")  # closes "tables"
    digest.update(b"}")  # the document's own closing brace comes after "sha256"
    checksum = digest.hexdigest()
    sink.write(f',"sha256":"{checksum}"}}\n'.encode())
    return BackupSummary(
        path=None,
        sha256=checksum,
        schema_revision=revision,
        created_at=created_at,
        counts=counts,
        excluded_columns=excluded,
    )


def backups_dir() -> Path:
    return data_dir() / "backups"


def default_backup_path(kind: str = "backup", directory: Path | None = None) -> Path:
    """A new timestamped file name under the data dir's `backups/`."""
    directory = directory or backups_dir()
    stamp = clock.now().strftime("%Y%m%dT%H%M%S")
    path = directory / f"iqcadence-{kind}-{stamp}.json"
    serial = 2
    while path.exists():
        path = directory / f"iqcadence-{kind}-{stamp}-{serial}.json"
        serial += 1
    return path


def write_backup_file(
    conn: Connection,
    path: Path,
    *,
    database: DatabaseLocation | None = None,
    force: bool = False,
    label: str = "",
) -> BackupSummary:
    """Write a backup file (0600, through a temporary name, so a failed backup
    leaves no half file); never over `database`, nor over another file
    unless `force`."""
    with open_output(
        path, database=database, force=force, label=label, what="the backup", create_folders=True
    ) as sink:
        summary = write_backup(conn, sink)
    return BackupSummary(
        path=path,
        sha256=summary.sha256,
        schema_revision=summary.schema_revision,
        created_at=summary.created_at,
        counts=summary.counts,
        excluded_columns=summary.excluded_columns,
    )


def create_backup(
    database: Database, out: Path | None = None, *, force: bool = False
) -> BackupSummary:
    """Back up everything into `out` (default: a new file under backups/);
    an existing `out` is replaced only with `force`."""
    path = out or default_backup_path()
    with database.engine.connect() as conn:
        conn = conn.execution_options(**dialect.read_snapshot_options(conn))
        with conn.begin():  # one consistent view of every table
            return write_backup_file(
                conn,
                path,
                database=database.location,
                force=force,
                label="--out" if out is not None else "",
            )


def backup_to_stream(database: Database, sink: IO[bytes]) -> BackupSummary:
    with database.engine.connect() as conn:
        conn = conn.execution_options(**dialect.read_snapshot_options(conn))
        with conn.begin():
            return write_backup(conn, sink)


__all__ = [
    "BATCH",
    "FORMAT",
    "FORMAT_VERSION",
    "SECRET_MARKERS",
    "BackupSummary",
    "all_tables",
    "backed_up_columns",
    "backup_to_stream",
    "canonical_json",
    "create_backup",
    "default_backup_path",
    "is_derived",
    "is_secret_column",
    "present_tables",
    "write_backup",
    "write_backup_file",
]
