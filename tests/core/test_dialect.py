"""Engine differences kept in one module: the same results on each engine."""

from __future__ import annotations

from sqlalchemy import create_engine, text


def _numbered(url: str) -> list[tuple[int, str]]:
    from iqcadence.core.store import dialect

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE given (id INTEGER PRIMARY KEY, lifecycle TEXT)"))
            dialect.insert_numbered(conn, "given", "lifecycle", 41, ["active", "o'neil", "é"])
            dialect.insert_numbered(conn, "given", "lifecycle", 44, [])
            return [tuple(r) for r in conn.execute(text("SELECT * FROM given ORDER BY id"))]
    finally:
        engine.dispose()


def test_insert_numbered_on_sqlite_and_postgresql(postgres_url: str) -> None:
    expected = [(41, "active"), (42, "o'neil"), (43, "é")]
    assert _numbered("sqlite://") == expected
    assert _numbered(postgres_url) == expected
