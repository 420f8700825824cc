"""Reading a backup file and checking it completely before any restore.

Nothing is touched until the whole file passes: JSON, format, checksum,
schema revision (an older one restores into the current schema: columns it
lacks get their defaults), known tables and columns, every value's type,
required fields, every value against the rules commands and imports apply
(`row_rules`: ranges, vocabularies, lengths, JSON shapes), unique keys,
foreign keys, and the rules over rows (names unique in any case, at least
one admin, ...). The checksum only catches accidents: anyone can recompute
it, so only these checks keep a hand-edited file out. Any problem refuses
the file with one sentence naming the table, the row and the column.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from sqlalchemy import Column, ForeignKeyConstraint, Table, UniqueConstraint
from sqlalchemy import types as satypes

from iqcadence.core.base.errors import RefusedFile
from iqcadence.core.io.backup import FORMAT, FORMAT_VERSION, all_tables, canonical_json
from iqcadence.core.io.row_checks import Refused as _Refused
from iqcadence.core.io.row_checks import RowLabels, check_rows, check_values
from iqcadence.core.store import migrations

Decoder = Callable[[Any], Any]


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
    check_values(loaded.tables)
    _check_keys(loaded)
    check_rows(loaded.tables)
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
    labels = RowLabels()
    width = len(names)
    for index, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != width:
            raise _Refused(f"{table.name} row {index + 1}: expected a list of {width} values")
        decoded: list[Any] = []
        for position, value in enumerate(row):
            if value is None:
                if required[position] and not _is_autoincrement(columns[position]):
                    raise _Refused(
                        f"{labels.label(table.name, index, names, row)}: "
                        f"{names[position]}: a value is required"
                    )
                decoded.append(None)
                continue
            decode, allowed = decoders[position]
            try:
                decoded.append(decode(value))
            except (ValueError, TypeError):
                raise _Refused(
                    f"{labels.label(table.name, index, names, row)}: {names[position]}: "
                    f"{_describe(value)} is not {allowed}"
                ) from None
        rows[index] = tuple(decoded)  # decoded in place: one copy in memory
    return list(names), rows


def _is_autoincrement(column: Column[Any]) -> bool:
    return column.primary_key and column.autoincrement is not False and _is_int(column)


def _key_values(
    rows: list[tuple[Any, ...]], positions: list[int]
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for index, row in enumerate(rows):
        yield index, tuple(row[p] for p in positions)


_PARTIAL = re.compile(r"^\s*(\w+)\s*=\s*'([^']*)'\s*$")


def _unique_keys(table: Table) -> list[tuple[list[str], tuple[str, str] | None]]:
    """Each unique key's columns, and for a partial unique index the one
    `column = 'value'` its rows must match. A partial index whose condition
    is anything else is left to the database (it refuses inside the restore's
    transaction, which then changes nothing)."""
    keys: list[tuple[list[str], tuple[str, str] | None]] = [
        ([c.name for c in table.primary_key.columns], None)
    ]
    keys += [
        ([c.name for c in constraint.columns], None)
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
    ]
    for index in table.indexes:
        if not index.unique:
            continue
        where = index.dialect_options["sqlite"].get("where")
        where = where if where is not None else index.dialect_options["postgresql"].get("where")
        if where is None:
            keys.append(([c.name for c in index.columns], None))
        elif match := _PARTIAL.match(str(where)):
            keys.append(([c.name for c in index.columns], (match.group(1), match.group(2))))
    keys += [([c.name], None) for c in table.columns if c.unique]
    return keys


def _check_keys(loaded: LoadedBackup) -> None:
    """Primary and unique keys are unique; every foreign key finds its row."""
    known = {table.name: table for table in all_tables()}
    labels = RowLabels()
    for name, (names, rows) in loaded.tables.items():
        for key, only in _unique_keys(known[name]):
            if not key or not all(k in names for k in key):
                continue
            if only is not None and only[0] not in names:
                continue
            among = f" among rows with {only[0]} {only[1]!r}" if only else ""
            seen: set[tuple[Any, ...]] = set()
            for index, values in _key_values(rows, [names.index(k) for k in key]):
                if None in values or (only and rows[index][names.index(only[0])] != only[1]):
                    continue
                if values in seen:
                    raise _Refused(
                        f"{labels.label(name, index, names, rows[index])}: {', '.join(key)} "
                        f"{_describe(list(values) if len(values) > 1 else values[0])} "
                        f"appears twice{among}"
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
                    f"{labels.label(name, index, names, rows[index])}: {', '.join(local)}: "
                    f"{_describe(values[0] if len(values) == 1 else list(values))} refers to "
                    f"a {target} that is not in the backup"
                )


__all__ = ["LoadedBackup", "read_backup"]
