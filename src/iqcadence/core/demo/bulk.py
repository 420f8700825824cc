"""Bulk loading for the demo sections: executemany of plain tuples and the
secondary indexes dropped for the load and built again after it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Index, Table, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeEngine

COLUMN_TYPES: dict[str, TypeEngine[Any]] = {
    "renewal_date": Date(),
    "customer_since": Date(),
    "next_touch": Date(),
    "last_contact_date": Date(),
    "days_as_of": Date(),
    "created_at": DateTime(),
    "updated_at": DateTime(),
    "taken_at": DateTime(),
    "score_manual": Boolean(),
}


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> int:
    """executemany of plain tuples, values converted as the column types store
    them (dates as ISO text on SQLite): no per-row statement objects."""
    if not rows:
        return 0
    processors = [
        COLUMN_TYPES[name].bind_processor(conn.dialect) if name in COLUMN_TYPES else None
        for name in columns
    ]
    if any(processors):
        rows = [
            tuple(
                v if p is None or v is None else p(v) for p, v in zip(processors, row, strict=True)
            )
            for row in rows
        ]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})",
        rows,
    )
    return len(rows)


@contextmanager
def indexes_off(conn: Connection, *tables: Table) -> Iterator[None]:
    """Drop the secondary indexes of `tables` for a bulk load and build them
    again afterwards in one sorted pass each (much faster than row by row)."""
    dropped: list[Index] = []
    for table in tables:
        present = {ix["name"] for ix in inspect(conn).get_indexes(table.name)}
        for index in sorted(table.indexes, key=lambda ix: str(ix.name)):
            if index.name in present and not index.unique:
                index.drop(conn)
                dropped.append(index)
    yield
    for index in dropped:
        index.create(conn)
