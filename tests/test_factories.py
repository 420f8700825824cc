"""The shared `dump()` that "database unchanged" checks rely on: it sees a
changed value, an added row and a changed schema, on each engine, and does
not see the order rows were written in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from tests.factories import dump


def execute(database: Any, sql: str) -> None:
    with database.engine.begin() as conn:
        conn.execute(text(sql))


def add_setting(database: Any, key: str, value: str) -> None:
    execute(
        database,
        "INSERT INTO setting (client_id, key, value, updated_at) "
        f"VALUES (1, '{key}', '{value}', '2026-01-01 00:00:00')",
    )


def test_dump_sees_every_kind_of_change(engine_db: Any) -> None:
    add_setting(engine_db, "a", "1")
    before = dump(engine_db)
    assert "'a'" in before and dump(engine_db) == before
    execute(engine_db, "UPDATE setting SET value = '2' WHERE key = 'a'")
    assert dump(engine_db) != before
    execute(engine_db, "UPDATE setting SET value = '1' WHERE key = 'a'")
    assert dump(engine_db) == before
    add_setting(engine_db, "b", "1")
    assert dump(engine_db) != before
    execute(engine_db, "DELETE FROM setting WHERE key = 'b'")
    execute(engine_db, "CREATE INDEX ix_extra ON setting (updated_by)")
    assert dump(engine_db) != before
    execute(engine_db, "DROP INDEX ix_extra")
    assert dump(engine_db) == before
    assert dump(engine_db, skip=["setting"]) != before


def test_dump_ignores_the_order_rows_were_written_in(engine_db: Any) -> None:
    add_setting(engine_db, "b", "2")
    add_setting(engine_db, "a", "1")
    written = dump(engine_db)
    execute(engine_db, "DELETE FROM setting")
    add_setting(engine_db, "a", "1")
    add_setting(engine_db, "b", "2")
    assert dump(engine_db) == written
