"""Restore on each engine (SQLite and PostgreSQL): a SQLite backup restored
and backed up again gives the same tables, ids continue after the restored
ones, the search rebuilds, older backups take the defaults, and a failure
half-way leaves the database exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iqcadence.core.io import backup, backup_check, restore
from iqcadence.core.read import customer_pages as queries
from iqcadence.core.store import migrations
from tests.core.test_backup import (  # noqa: F401  (filled_template, saved: fixtures)
    admin,
    filled_template,
    populate,
    read_doc,
    resign,
    rows_of,
    saved,
    write_doc,
)
from tests.factories import dump

# every test here runs once per engine, on a fresh database
pytestmark = pytest.mark.usefixtures("engine_db")


@pytest.fixture
def filled(database: Any) -> Any:
    """The engine's database holding what `saved` holds (written anew, not restored)."""
    populate(database)
    return database


def query(database: Any, sql: str) -> list[tuple[Any, ...]]:
    with database.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql))]


def test_round_trip_into_an_empty_database(
    saved: Path,  # noqa: F811
    database: Any,
    tmp_path: Path,
) -> None:
    from iqcadence.core.accounts import customers

    actor = admin(database)
    summary = restore.restore_backup(database, actor, saved, safety_dir=tmp_path / "safety")
    again = backup.create_backup(database, tmp_path / "again.json")

    first, second = read_doc(saved), read_doc(tmp_path / "again.json")
    restore_rows = [r for r in rows_of(second, "audit_entry") if r["action"] == "restore"]
    assert len(restore_rows) == 1 and restore_rows[0]["details"]["sha256"] == summary.sha256
    # the restore itself is audited: apart from that one entry, the payloads are identical
    audit = second["tables"]["audit_entry"]
    action = audit["columns"].index("action")
    audit["rows"] = [row for row in audit["rows"] if row[action] != "restore"]
    assert second["tables"] == first["tables"]
    assert backup.canonical_json(second["tables"]) == backup.canonical_json(first["tables"])
    assert again.counts["customer"] == 3
    assert summary.counts == {name: len(e["rows"]) for name, e in first["tables"].items()}
    # new rows take ids after the restored ones (PostgreSQL: the sequences were moved)
    with database.session() as session:
        created = customers.apply_changes(session, actor, "After Restore", {"logins": 1})
    assert created.customer.id == 1 + max(row["id"] for row in rows_of(first, "customer"))


def test_restore_replaces_data_and_keeps_a_safety_backup(
    saved: Path,  # noqa: F811
    filled: Any,
    tmp_path: Path,
) -> None:
    from iqcadence.core.accounts import customers

    actor = admin(filled)
    with filled.session() as session:
        customers.apply_changes(session, actor, "Newcomer Inc", {"logins": 5})
    summary = restore.restore_backup(filled, actor, saved, safety_dir=tmp_path / "safety")

    assert summary.safety_backup.parent == tmp_path / "safety"
    safety = backup_check.read_backup(summary.safety_backup)  # a valid backup itself
    safety_names = {
        row[safety.tables["customer"][0].index("name")] for row in safety.tables["customer"][1]
    }
    assert "Newcomer Inc" in safety_names
    names = [name for (name,) in query(filled, "SELECT name FROM customer ORDER BY name")]
    assert names == ["Acme Corp", "Manual Ltd", "Zoë Café Ünïcode"]
    # the search finds the restored rows and has forgotten the replaced one
    with filled.session() as session:

        def found(words: str) -> list[str]:
            page = queries.list_customers(
                session, actor.client_id, queries.CustomerFilter(search=words)
            )
            return [row["name"] for row in page]

        assert found("acme") == ["Acme Corp"] and found("newcomer") == []
    if filled.location.is_sqlite:  # SQLite's search index was rebuilt
        match = "SELECT c.name FROM customer_fts f JOIN customer c ON c.id = f.rowid WHERE "
        assert query(filled, match + "customer_fts MATCH '\"acme\"*'") == [("Acme Corp",)]
        assert query(filled, match + "customer_fts MATCH '\"newcomer\"*'") == []
    audit = query(filled, "SELECT user_email, details FROM audit_entry WHERE action = 'restore'")
    assert len(audit) == 1 and audit[0][0] == "admin@example.com"
    details = audit[0][1]  # JSON: text on SQLite, a dict from PostgreSQL
    details = details if isinstance(details, dict) else json.loads(details)
    assert details["safety_backup"] == str(summary.safety_backup)


def test_restore_from_an_older_revision_fills_defaults(
    saved: Path,  # noqa: F811
    database: Any,
    tmp_path: Path,
) -> None:
    doc = read_doc(saved)
    spine = {
        "client",
        "user",
        "customer",
        "score_snapshot",
        "setting",
        "scoring_profile",
        "audit_entry",
    }
    doc["tables"] = {name: entry for name, entry in doc["tables"].items() if name in spine}
    doc["schema_revision"] = migrations.KNOWN_REVISIONS[0]
    customer = doc["tables"]["customer"]
    drop = customer["columns"].index("score_manual")  # pretend it came later
    customer["columns"].pop(drop)
    for row in customer["rows"]:
        row.pop(drop)
    path = write_doc(tmp_path / "old.json", resign(doc))

    restore.restore_backup(database, admin(database), path, safety_dir=tmp_path)
    flags = query(database, "SELECT name, score_manual FROM customer ORDER BY name")
    # 0 on SQLite, False on PostgreSQL: both equal False
    assert flags == [("Acme Corp", False), ("Manual Ltd", False), ("Zoë Café Ünïcode", False)]


def test_failure_during_the_write_rolls_everything_back(
    saved: Path,  # noqa: F811
    filled: Any,
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    from iqcadence.core.store import search_index

    def broken(conn: Any) -> None:
        raise RuntimeError("disk on fire")

    before = dump(filled)
    monkeypatch.setattr(search_index, "rebuild_search_index", broken)
    with pytest.raises(RuntimeError, match="disk on fire"):
        restore.restore_backup(filled, admin(filled), saved, safety_dir=tmp_path / "safety")
    assert dump(filled) == before
    assert list((tmp_path / "safety").glob("*.json")) == []


def test_example_backup_restores(database: Any, tmp_path: Path) -> None:
    """examples/backup-sample.json (written by `iqcadence backup`, then laid out
    one row per line: the checksum covers the canonical form, not the layout)."""
    example = Path(__file__).parents[2] / "examples" / "backup-sample.json"
    loaded = backup_check.read_backup(example)
    assert loaded.counts["customer"] == 3
    restore.restore_backup(database, admin(database), loaded, safety_dir=tmp_path)
    names = [name for (name,) in query(database, "SELECT name FROM customer ORDER BY name")]
    assert names == ["Acme Corp", "Globex", "Initech"]
