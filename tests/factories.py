"""Builders for tests: a small, fixed portfolio with score history, customers
from a table of values, and a canonical dump of a whole database."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

# the admin user of every fresh test database
ADMIN = "admin@example.com"

NAMES = (
    "Acme Corp",
    "Zürich Café",
    "Łódź Logistics",
    "Globex",
    "Initech",
    "Umbrella Health",
    "Stark Industries",
    "Wayne Foods",
    "Hooli",
    "Pied Piper",
    "Soylent",
    "Tyrell Systems",
    "Cyberdyne",
    "Wonka Sweets",
    "Gringotts Bank",
    "Oscorp",
    "Vandelay Imports",
    "Dunder Paper",
)
MANAGERS = ("Sarah", "Miguel", "Aiko")
TIERS = ("smb", "mid", "enterprise")


def customer_values(index: int, day_offset: int) -> dict[str, Any]:
    """Deterministic signals that drift over time for some accounts."""
    drift = (index % 4 - 1) * day_offset  # some fall, some rise, some stay
    return {
        "logins": max(0, min(40, 5 + (index * 7) % 30 + drift // 3)),
        "adoption": max(0, min(100, 20 + (index * 13) % 75 + drift)),
        "tickets": (index * 3) % 6,
        "nps": (index * 5) % 11,
        "days": (index * 11) % 60,
        "growth": ("strong", "mild", "none", "na")[index % 4],
        "mrr": 500 + index * 750,
        "tier": TIERS[index % 3],
        "manager": MANAGERS[index % 3],
        "tags": ["vip", "beta", "emea"][index % 3],
        "renewal_date": (date(2026, 11, 27) + timedelta(days=15 + index * 20)).isoformat(),
        "sentiment": ("positive", "neutral", "negative")[index % 3],
    }


def build_portfolio(session: Any, actor: Any, *, days: int = 30, today: str = "2026-11-27") -> None:
    """Score every customer once a week over `days` days up to `today`."""
    from iqcadence.core.accounts.customers import apply_changes

    end = date.fromisoformat(today)
    saved = os.environ.get("IQCADENCE_TODAY")
    try:
        for back in range(days, -1, -7):
            day = end - timedelta(days=back)
            os.environ["IQCADENCE_TODAY"] = day.isoformat()
            for index, name in enumerate(NAMES):
                apply_changes(session, actor, name, customer_values(index, days - back))
    finally:
        if saved is None:
            os.environ.pop("IQCADENCE_TODAY", None)
        else:
            os.environ["IQCADENCE_TODAY"] = saved


def seed_customers(
    session: Any,
    actor: Any,
    accounts: Mapping[str, Mapping[str, Any]],
    *,
    archived: Iterable[str] = (),
) -> None:
    """Create each customer from its values (in order), then archive some."""
    from iqcadence.core.accounts import customers

    for name, values in accounts.items():
        customers.apply_changes(session, actor, name, dict(values))
    for name in archived:
        customers.set_status(session, actor, name, "archive")


def dump(target: Any, *, skip: Iterable[str] = ()) -> str:
    """A canonical text of a whole database, for "nothing changed" checks.

    `target` is a SQLite file (Path), a database URL, or an open `Database`;
    `skip` names tables whose rows to leave out (e.g. `audit_entry`, for an
    action that changes nothing but is still recorded).
    Every table is listed with its definition and its rows sorted by every
    column, so equal texts mean equal contents whatever the insertion order.
    SQLite adds every schema object's SQL (indexes, triggers, the search
    index's tables); PostgreSQL adds columns and indexes. Sequence positions
    are left out: PostgreSQL advances them even in a rolled-back transaction.
    """
    if isinstance(target, Path):
        conn = sqlite3.connect(target)
        try:
            return _dump_sqlite(conn, set(skip))
        finally:
            conn.close()
    from sqlalchemy import create_engine

    engine = target.engine if hasattr(target, "engine") else None
    own = engine is None
    if engine is None:
        engine = create_engine(str(target))
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                return _dump_sqlite(conn.connection.dbapi_connection, set(skip))
            return _dump_postgresql(conn, set(skip))
    finally:
        if own:
            engine.dispose()


def _rows_text(table: str, rows: Iterable[tuple[Any, ...]]) -> list[str]:
    return [f"{table}: {row!r}" for row in sorted(rows, key=repr)]


def _dump_sqlite(conn: Any, skip: set[str]) -> str:
    objects = conn.execute(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    ).fetchall()
    lines = [repr(tuple(obj)) for obj in objects]
    for kind, name, _table, _sql in objects:
        if kind == "table" and name not in skip:
            rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
            lines += _rows_text(name, (tuple(r) for r in rows))
    return "\n".join(lines)


def _dump_postgresql(conn: Any, skip: set[str]) -> str:
    from sqlalchemy import text

    def query(sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in conn.execute(text(sql))]

    tables = [
        name
        for (name,) in query(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' ORDER BY table_name"
        )
    ]
    lines = [
        repr(row)
        for row in query(
            "SELECT table_name, column_name, data_type, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = 'public' "
            "ORDER BY table_name, column_name"
        )
    ]
    lines += [
        repr(row)
        for row in query(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = 'public' ORDER BY tablename, indexname"
        )
    ]
    for name in tables:
        if name not in skip:
            lines += _rows_text(name, query(f'SELECT * FROM "{name}"'))
    return "\n".join(lines)
