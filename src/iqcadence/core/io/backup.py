"""Backups (one checksummed JSON document), restore, and database upkeep.

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

Canonical JSON: keys sorted, no spaces, UTF-8, no NaN. Values: dates and
date-times as ISO strings, JSON columns as JSON, Numeric as strings, binary as
base64. Rows are ordered by primary key, so two backups of the same data have
the same `tables` and checksum apart from `created_at`.

Secrets live in the OS keyring, never in the database; as a second guard,
any column whose name contains "secret", "password" or "token" is left out.
Such a column must be nullable or have a default (restore refills it), so a
column that only names a keyring entry is better called `keyring_name`.
The writer streams rows, so memory stays flat at any size.

Restore validates the whole file before touching anything: JSON, format,
checksum, schema revision (an older one restores into the current schema:
columns it lacks get their defaults), known tables and columns, every value's
type, required fields, unique keys and foreign keys. Then, in one transaction,
it writes a safety backup of the current data, deletes every row, inserts the
backup's rows, rebuilds the search index, fixes id sequences (PostgreSQL) and
audits the restore.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Column, Table, inspect, select
from sqlalchemy import types as satypes
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import SQLModel, col

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, RefusedFile, StorageError
from iqcadence.core.store import dialect, migrations
from iqcadence.core.store.db import (
    Database,
    DatabaseLocation,
    copy_sqlite,
    create_db_engine,
    data_dir,
    integrity_check,
    open_database,
)

FORMAT = "iqcadence-backup"
FORMAT_VERSION = 1
SECRET_MARKERS = ("secret", "password", "token")
_BATCH = 2000

Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


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


def backed_up_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if not is_secret_column(column.name)]


def _present_tables(conn: Connection) -> list[Table]:
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

    tables = sorted(_present_tables(conn), key=lambda t: t.name)
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
        try:
            for row in conn.execute(query.execution_options(yield_per=_BATCH)):
                values = [
                    value if encode is None else encode(value)
                    for encode, value in zip(encoders, row, strict=True)
                ]
                pending.append(values)
                count += 1
                if len(pending) >= _BATCH:  # a list's items, encoded in one call
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


def _write_file(conn: Connection, path: Path) -> BackupSummary:
    """Write through a temporary name so a failed backup leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as sink:
            summary = write_backup(conn, sink)
            sink.flush()
            os.fsync(sink.fileno())
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupSummary(
        path=path,
        sha256=summary.sha256,
        schema_revision=summary.schema_revision,
        created_at=summary.created_at,
        counts=summary.counts,
        excluded_columns=summary.excluded_columns,
    )


def create_backup(database: Database, out: Path | None = None) -> BackupSummary:
    """Back up everything into `out` (default: a new file under backups/)."""
    path = out or default_backup_path()
    try:
        with database.engine.connect() as conn:
            conn = conn.execution_options(**dialect.read_snapshot_options(conn))
            with conn.begin():  # one consistent view of every table
                return _write_file(conn, path)
    except OSError as exc:
        raise StorageError(f"{path}: cannot write the backup ({exc.strerror or exc}).") from exc


def backup_to_stream(database: Database, sink: IO[bytes]) -> BackupSummary:
    with database.engine.connect() as conn:
        conn = conn.execution_options(**dialect.read_snapshot_options(conn))
        with conn.begin():
            return write_backup(conn, sink)


def copy_sqlite_database(location: DatabaseLocation, target: Path) -> Path:
    """A consistent copy of a live SQLite database (the online backup API)."""
    if not location.is_sqlite or location.path is None:
        raise InvalidValue(
            f"--sqlite: the database is {location.describe()}, not a SQLite file; "
            "use a JSON backup (`iqcadence backup`) instead."
        )
    copy_sqlite(location.path, target)
    return target


# --- reading and validating ------------------------------------------------------


@dataclass
class LoadedBackup:
    """A backup file that passed every check, with its rows decoded."""

    path: Path
    sha256: str
    schema_revision: str
    created_at: str
    tables: dict[str, tuple[list[str], list[tuple[Any, ...]]]] = field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(rows) for name, (_columns, rows) in self.tables.items()}


class _Refused(Exception):
    """A reason the file is refused (becomes one RefusedFile sentence)."""


def _decoder(column: Column[Any]) -> tuple[Decoder, str]:
    """A function turning a JSON value into the column's Python value (raising
    ValueError when it cannot), and the words for what is allowed."""
    kind = column.type
    if isinstance(kind, satypes.Boolean):

        def as_bool(v: Any) -> Any:
            if isinstance(v, bool):
                return v
            raise ValueError

        return as_bool, "true or false"
    if isinstance(kind, satypes.Integer):

        def as_int(v: Any) -> Any:
            if isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63:
                return v
            raise ValueError

        return as_int, "a whole number (64-bit)"
    if isinstance(kind, satypes.Float):

        def as_float(v: Any) -> Any:
            if isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v):
                return float(v)
            raise ValueError

        return as_float, "a number"
    if isinstance(kind, satypes.Numeric):

        def as_decimal(v: Any) -> Any:
            if isinstance(v, bool) or not isinstance(v, int | float | str):
                raise ValueError
            try:
                return Decimal(str(v))
            except InvalidOperation:
                raise ValueError from None

        return as_decimal, "a number"
    if isinstance(kind, satypes.DateTime):

        def as_datetime(v: Any) -> Any:
            if not isinstance(v, str) or len(v) < 16:
                raise ValueError
            parsed = datetime.fromisoformat(v)
            if parsed.tzinfo is not None:
                raise ValueError
            return parsed

        return as_datetime, "a date-time YYYY-MM-DDTHH:MM:SS (UTC, no offset)"
    if isinstance(kind, satypes.Date):

        def as_date(v: Any) -> Any:
            if not isinstance(v, str) or len(v) != 10:
                raise ValueError
            return date.fromisoformat(v)

        return as_date, "a date YYYY-MM-DD"
    if isinstance(kind, satypes.Time):

        def as_time(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError
            return time.fromisoformat(v)

        return as_time, "a time HH:MM:SS"
    if isinstance(kind, satypes.JSON):
        return (lambda v: v), "JSON"
    if isinstance(kind, satypes.LargeBinary):

        def as_bytes(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError
            return base64.b64decode(v, validate=True)

        return as_bytes, "base64 text"
    if isinstance(kind, satypes.Uuid):

        def as_uuid(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError
            parsed = uuid.UUID(v)
            return parsed if kind.as_uuid else str(parsed)

        return as_uuid, "a UUID"
    if isinstance(kind, satypes.String):
        length = kind.length
        choices = list(kind.enums) if isinstance(kind, satypes.Enum) else None

        def as_text(v: Any) -> Any:
            if not isinstance(v, str):
                raise ValueError
            if length is not None and len(v) > length:
                raise ValueError
            if choices is not None and v not in choices:
                raise ValueError
            return v

        if choices is not None:
            return as_text, "one of " + ", ".join(choices)
        return as_text, f"text of at most {length} characters" if length else "text"
    return (lambda v: v), "a value"


def _has_default(column: Column[Any]) -> bool:
    return (
        column.nullable
        or column.default is not None
        or column.server_default is not None
        or (column.primary_key and column.autoincrement is not False and _is_int(column))
    )


def _is_int(column: Column[Any]) -> bool:
    return isinstance(column.type, satypes.Integer)


def _describe(value: Any) -> str:
    text_value = json.dumps(value, ensure_ascii=False)
    return text_value if len(text_value) <= 60 else text_value[:57] + "..."


def read_backup(path: Path) -> LoadedBackup:
    """Read and check a backup file completely; raise RefusedFile (one
    sentence saying why) when anything is wrong. Touches no database."""
    try:
        return _read_backup(path)
    except _Refused as exc:
        raise RefusedFile(f"{path}: {exc}; nothing was restored.") from None


def _read_backup(path: Path) -> LoadedBackup:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _Refused(f"cannot be read ({exc.strerror or exc})") from None
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _Refused("is not UTF-8 text, so not an iqcadence backup") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        if exc.pos >= len(raw.rstrip()):
            raise _Refused(f"ends before the JSON is complete ({where}): it is truncated") from None
        raise _Refused(f"is not valid JSON ({exc.msg} at {where})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _Refused(f'is not an iqcadence backup (no "format": "{FORMAT}")')
    version = document.get("format_version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise _Refused(
            f"uses backup format version {_describe(version)}, and this version of "
            f"iqcadence reads format version {FORMAT_VERSION}"
        )
    claimed = document.pop("sha256", None)
    if not isinstance(claimed, str):
        raise _Refused('has no "sha256" checksum')
    try:
        actual = hashlib.sha256(canonical_json(document).encode("utf-8")).hexdigest()
    except ValueError:
        actual = ""
    if actual != claimed.lower():
        raise _Refused(
            "does not match its sha256 checksum: it was changed or damaged after it was written"
        )
    revision = document.get("schema_revision")
    if revision not in migrations.KNOWN_REVISIONS:
        raise _Refused(
            f"was written at schema revision {_describe(revision)}, which this version of "
            f"iqcadence does not know (it knows up to {migrations.HEAD}); "
            "upgrade iqcadence to restore it"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict):
        raise _Refused('has no "tables" object')
    created_at = document.get("created_at")
    loaded = LoadedBackup(
        path=path,
        sha256=claimed.lower(),
        schema_revision=str(revision),
        created_at=str(created_at),
    )
    known = {table.name: table for table in all_tables()}
    for name in tables:
        if name not in known:
            raise _Refused(
                f"contains table {name!r}, which this version of iqcadence does not have"
            )
    for table in all_tables():  # parents first
        if table.name in tables:
            loaded.tables[table.name] = _check_table(table, tables.pop(table.name))
    if not loaded.tables.get("client", ([], []))[1]:
        raise _Refused("has no client record (every iqcadence database has at least one)")
    _check_keys(loaded)
    return loaded


def _check_table(table: Table, entry: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    where = f"table {table.name}"
    if not isinstance(entry, dict) or not isinstance(entry.get("columns"), list):
        raise _Refused(f'{where} has no "columns" list')
    rows = entry.get("rows")
    if not isinstance(rows, list):
        raise _Refused(f'{where} has no "rows" list')
    names = entry["columns"]
    if len(set(map(str, names))) != len(names) or not all(isinstance(n, str) for n in names):
        raise _Refused(f"{where} lists a column twice or a column name that is not text")
    for name in names:
        if name not in table.columns:
            raise _Refused(f"{where} has column {name!r}, which this version of iqcadence lacks")
    for column in table.columns:
        if column.name not in names and not _has_default(column):
            raise _Refused(f"{where} lacks the required column {column.name!r}")
    columns = [table.columns[name] for name in names]
    decoders = [_decoder(column) for column in columns]
    required = [not column.nullable for column in columns]
    id_name = _row_label_column(table, names)
    width = len(names)
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            raise _Refused(f"{where}, row {index + 1}: expected a list of {width} values")
        decoded: list[Any] = []
        for position, value in enumerate(row):
            if value is None:
                if required[position] and not _is_autoincrement(columns[position]):
                    raise _Refused(
                        f"{where}, {_row_label(index, row, id_name)}, column "
                        f"{names[position]}: a value is required"
                    )
                decoded.append(None)
                continue
            decode, allowed = decoders[position]
            try:
                decoded.append(decode(value))
            except (ValueError, TypeError):
                raise _Refused(
                    f"{where}, {_row_label(index, row, id_name)}, column {names[position]}: "
                    f"{_describe(value)} is not {allowed}"
                ) from None
        rows[index] = tuple(decoded)  # decoded in place: one copy in memory
    return list(names), rows


def _is_autoincrement(column: Column[Any]) -> bool:
    return column.primary_key and column.autoincrement is not False and _is_int(column)


def _row_label_column(table: Table, names: list[str]) -> int | None:
    pks = [column.name for column in table.primary_key.columns]
    return names.index(pks[0]) if len(pks) == 1 and pks[0] in names else None


def _row_label(index: int, row: list[Any], id_position: int | None) -> str:
    label = f"row {index + 1}"
    if id_position is not None:
        label += f" (id {_describe(row[id_position])})"
    return label


def _key_values(
    rows: list[tuple[Any, ...]], positions: list[int]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for index, row in enumerate(rows):
        yield index, tuple(row[p] for p in positions)


def _check_keys(loaded: LoadedBackup) -> None:
    """Primary and unique keys are unique; every foreign key finds its row."""
    from sqlalchemy import ForeignKeyConstraint, UniqueConstraint

    known = {table.name: table for table in all_tables()}
    for name, (names, rows) in loaded.tables.items():
        table = known[name]
        keys: list[list[str]] = [[c.name for c in table.primary_key.columns]]
        keys += [
            [c.name for c in constraint.columns]
            for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)
        ]
        keys += [[c.name for c in index.columns] for index in table.indexes if index.unique]
        keys += [[c.name] for c in table.columns if c.unique]
        for key in keys:
            if not key or not all(k in names for k in key):
                continue
            seen: set[tuple[Any, ...]] = set()
            for index, values in _key_values(rows, [names.index(k) for k in key]):
                if None in values:
                    continue
                if values in seen:
                    raise _Refused(
                        f"table {name}, row {index + 1}: {', '.join(key)} "
                        f"{_describe(list(values) if len(values) > 1 else values[0])} "
                        "appears twice"
                    )
                seen.add(values)
    referenced: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = {}
    for name, (names, rows) in loaded.tables.items():
        for constraint in known[name].constraints:
            if not isinstance(constraint, ForeignKeyConstraint):
                continue
            local = [c.name for c in constraint.columns]
            if not all(k in names for k in local):
                continue
            target = constraint.elements[0].column.table.name
            remote = tuple(element.column.name for element in constraint.elements)
            if (target, remote) not in referenced:
                target_names, target_rows = loaded.tables.get(target, ([], []))
                if all(r in target_names for r in remote):
                    positions = [target_names.index(r) for r in remote]
                    referenced[(target, remote)] = {
                        values for _i, values in _key_values(target_rows, positions)
                    }
                else:
                    referenced[(target, remote)] = set()
            present = referenced[(target, remote)]
            for index, values in _key_values(rows, [names.index(k) for k in local]):
                if None in values or values in present:
                    continue
                raise _Refused(
                    f"table {name}, row {index + 1}, column {', '.join(local)}: "
                    f"{_describe(values[0] if len(values) == 1 else list(values))} refers to "
                    f"a {target} that is not in the backup"
                )


# --- restoring ---------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreSummary:
    path: Path
    sha256: str
    schema_revision: str
    counts: dict[str, int]
    safety_backup: Path
    actor_known: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "restored": str(self.path),
            "sha256": self.sha256,
            "schema_revision": self.schema_revision,
            "counts": self.counts,
            "safety_backup": str(self.safety_backup),
        }


def restore_backup(
    database: Database,
    actor: Actor,
    source: Path | LoadedBackup,
    *,
    safety_dir: Path | None = None,
) -> RestoreSummary:
    """Replace every row with the backup's, in one transaction (admin only).

    The file is checked completely first (see `read_backup`); any problem
    refuses it and leaves the database untouched. The safety backup of what
    is replaced is written inside the same transaction, before any change.
    """
    actor.require_admin("restore a backup")
    loaded = source if isinstance(source, LoadedBackup) else read_backup(source)
    safety_path = default_backup_path("pre-restore", safety_dir)
    try:
        with (
            database.engine.connect() as conn,
            dialect.foreign_keys_suspended(conn),  # checked in bulk before commit
            conn.execution_options(**dialect.write_lock_options(conn)).begin(),
        ):
            existing = _present_tables(conn)
            missing = [name for name in loaded.tables if name not in {t.name for t in existing}]
            if missing:
                raise StorageError(
                    f"{database.location.describe()}: has no table {missing[0]!r}; "
                    "run `iqcadence db upgrade` first."
                )
            # the write lock is held from the start: nothing changes between
            # the safety backup and the replacement
            _write_file(conn, safety_path)
            dialect.suspend_search_triggers(conn)
            for table in reversed(existing):
                conn.execute(table.delete())
            for table in existing:
                if table.name not in loaded.tables:
                    continue
                names, rows = loaded.tables[table.name]
                for chunk in _chunks(rows, _BATCH):
                    conn.execute(
                        table.insert(), [dict(zip(names, row, strict=True)) for row in chunk]
                    )
            problems = dialect.foreign_key_problems(conn)
            if problems:
                raise StorageError(
                    f"{loaded.path}: the restored rows break references ({problems[0]}); "
                    "the database was left as it was."
                )
            dialect.rebuild_search_index(conn)
            dialect.reset_sequences(conn, existing)
            actor_known = _audit_restore(conn, actor, loaded, safety_path)
    except SQLAlchemyError as exc:
        safety_path.unlink(missing_ok=True)
        reason = getattr(exc, "orig", None) or exc
        raise StorageError(
            f"{loaded.path}: the restore failed ({reason}); the database was left as it was."
        ) from exc
    except BaseException:
        safety_path.unlink(missing_ok=True)
        raise
    return RestoreSummary(
        path=loaded.path,
        sha256=loaded.sha256,
        schema_revision=loaded.schema_revision,
        counts=loaded.counts,
        safety_backup=safety_path,
        actor_known=actor_known,
    )


def _chunks(rows: list[tuple[Any, ...]], size: int) -> Iterable[list[tuple[Any, ...]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _audit_restore(conn: Connection, actor: Actor, loaded: LoadedBackup, safety: Path) -> bool:
    """One `restore` entry, in the first restored client; says whether the
    acting user exists in the restored data."""
    from iqcadence.core.store.models import AuditEntry, Client, User

    client_id = conn.execute(select(col(Client.id)).order_by(col(Client.id)).limit(1)).scalar_one()
    conn.execute(
        AuditEntry.__table__.insert().values(  # type: ignore[attr-defined]
            client_id=client_id,
            at=clock.now(),
            user_email=actor.email,
            action="restore",
            customer_id=None,
            customer_name=None,
            details={
                "file": str(loaded.path.resolve()),
                "sha256": loaded.sha256,
                "schema_revision": loaded.schema_revision,
                "created_at": loaded.created_at,
                "counts": loaded.counts,
                "safety_backup": str(safety),
            },
        )
    )
    found = conn.execute(select(col(User.id)).where(col(User.email) == actor.email)).first()
    return found is not None


# --- database upkeep: check and upgrade -------------------------------------------------


@dataclass(frozen=True)
class CheckReport:
    location: str
    source: str
    exists: bool
    revision: str | None
    head: str
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "source": self.source,
            "exists": self.exists,
            "revision": self.revision,
            "head": self.head,
            "up_to_date": self.revision == self.head,
            "problems": self.problems,
            "ok": self.ok,
        }


def check_database(location: DatabaseLocation) -> CheckReport:
    """Integrity, foreign keys and schema revision, without changing anything
    (no upgrade, and a missing file is not created)."""

    def report(exists: bool, revision: str | None, problems: list[str]) -> CheckReport:
        return CheckReport(
            location=location.describe(),
            source=location.source,
            exists=exists,
            revision=revision,
            head=migrations.HEAD,
            problems=problems,
        )

    if location.path is not None and location.path.is_dir():
        return report(False, None, [f"{location.path} is a folder, not a database file"])
    if location.path is not None and not location.path.is_file():
        return report(False, None, [f"there is no database at {location.path} yet"])
    engine = create_db_engine(location)
    try:
        with engine.connect() as conn:
            revision = migrations.current_revision(conn)
        problems = integrity_check(Database(engine=engine, location=location))
    except SQLAlchemyError as exc:
        return report(True, None, [f"cannot be read ({getattr(exc, 'orig', None) or exc})"])
    finally:
        engine.dispose()
    if revision is None:
        problems.append("it has no schema revision: not an iqcadence database")
    elif revision not in migrations.KNOWN_REVISIONS:
        problems.append(
            f"schema revision {revision} is newer than this iqcadence knows ({migrations.HEAD})"
        )
    elif revision != migrations.HEAD:
        problems.append(
            f"schema revision {revision} is behind {migrations.HEAD}; run `iqcadence db upgrade`"
        )
    return report(True, revision, problems)


@dataclass(frozen=True)
class UpgradeResult:
    location: str
    from_revision: str | None
    to_revision: str
    backup_path: Path | None
    created: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "location": self.location,
            "from": self.from_revision,
            "to": self.to_revision,
            "backup": str(self.backup_path) if self.backup_path is not None else None,
            "created": self.created,
        }


def upgrade_database(
    location: DatabaseLocation, *, acting_user: str | None = None
) -> UpgradeResult:
    """Bring the database to the newest schema (creating it when missing);
    an older one is copied to a timestamped backup first."""
    before: str | None = None
    exists = location.path.is_file() if location.path is not None else True
    if exists:
        engine = create_db_engine(location)
        try:
            with engine.connect() as conn:
                before = migrations.current_revision(conn)
        except SQLAlchemyError as exc:
            raise StorageError(
                f"{location.describe()}: cannot open the database "
                f"({' '.join(str(getattr(exc, 'orig', None) or exc).split())})."
            ) from exc
        finally:
            engine.dispose()
    database = open_database(location, acting_user=acting_user)
    database.dispose()
    return UpgradeResult(
        location=location.describe(),
        from_revision=before,
        to_revision=migrations.HEAD,
        backup_path=database.backup_path,
        created=before is None,
    )


__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "SECRET_MARKERS",
    "BackupSummary",
    "CheckReport",
    "LoadedBackup",
    "RestoreSummary",
    "UpgradeResult",
    "all_tables",
    "backup_to_stream",
    "canonical_json",
    "check_database",
    "copy_sqlite_database",
    "create_backup",
    "default_backup_path",
    "read_backup",
    "restore_backup",
    "upgrade_database",
    "write_backup",
]
