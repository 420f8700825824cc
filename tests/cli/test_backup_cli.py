"""`iqcadence backup` and `iqcadence restore` from the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from iqcadence.core.store import migrations
from tests.factories import dump


def names(database: Any) -> list[str]:
    """Customer names in an open database (either engine), or a SQLite file."""
    if isinstance(database, Path):
        conn = sqlite3.connect(database)
        try:
            return sorted(row[0] for row in conn.execute("SELECT name FROM customer"))
        finally:
            conn.close()
    with database.engine.connect() as conn:
        return sorted(conn.execute(text("SELECT name FROM customer")).scalars())


@pytest.fixture
def with_data(cli: Any) -> Any:
    assert cli("score", "Acme Corp", "--logins", "22", "--nps", "9", "--mrr", "5000").exit_code == 0
    assert cli("score", "Globex", "--logins", "3", "--renewal", "2027-01-15").exit_code == 0
    return cli


@pytest.fixture
def saved(with_data: Any, tmp_path: Path) -> Path:
    path = tmp_path / "saved.json"
    result = with_data("backup", "--out", path)
    assert result.exit_code == 0, result.output
    return path


def test_backup_json_summary_and_default_location(with_data: Any, tmp_path: Path) -> None:
    result = with_data("backup", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {
        "path",
        "sha256",
        "schema_revision",
        "created_at",
        "counts",
        "excluded_columns",
    }
    path = Path(summary["path"])
    assert path.parent == tmp_path / "data" / "backups"
    assert path.name.startswith("iqcadence-backup-2026") and path.suffix == ".json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["sha256"] == summary["sha256"]
    assert summary["counts"]["customer"] == 2
    assert summary["schema_revision"] == migrations.HEAD


def test_backup_to_a_path_prints_where_and_checksum(saved: Path, with_data: Any) -> None:
    doc = json.loads(saved.read_text(encoding="utf-8"))
    assert doc["format"] == "iqcadence-backup"
    result = with_data("backup", "--out", saved.with_name("second.json"))
    assert "2 customers" in result.stdout and "second.json" in result.stdout
    assert "sha256 " in result.stdout


def test_backup_to_stdout(with_data: Any) -> None:
    result = with_data("backup", "--out", "-")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc["format"] == "iqcadence-backup" and len(doc["tables"]["customer"]["rows"]) == 2


def test_backup_sqlite_copy(with_data: Any, tmp_path: Path) -> None:
    result = with_data("backup", "--sqlite", tmp_path / "copy.db")
    assert result.exit_code == 0, result.output
    assert names(tmp_path / "copy.db") == ["Acme Corp", "Globex"]
    both = with_data("backup", "--sqlite", tmp_path / "c.db", "--out", tmp_path / "x.json")
    assert both.exit_code == 2 and "not both" in both.stderr


def test_restore_needs_yes_without_a_terminal(saved: Path, with_data: Any, db_path: Path) -> None:
    with_data("score", "Initech", "--logins", "9")
    before = dump(db_path)
    result = with_data("restore", saved)
    assert result.exit_code == 2
    assert "add --yes" in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert dump(db_path) == before


def test_restore_with_yes(
    engine_db: Any, saved: Path, with_data: Any, database: Any, tmp_path: Path
) -> None:
    with_data("score", "Initech", "--logins", "9")
    result = with_data("restore", saved, "--yes")
    assert result.exit_code == 0, result.output
    assert names(database) == ["Acme Corp", "Globex"]
    safety = next((tmp_path / "data" / "backups").glob("iqcadence-pre-restore-*.json"))
    assert str(safety) in result.stdout.replace("\n", "")
    assert "Initech" in safety.read_text(encoding="utf-8")
    audit = json.loads(with_data("audit", "--action", "restore", "--json").stdout)
    assert len(audit) == 1 and audit[0]["user"] == "admin@example.com"


def test_restore_json(saved: Path, with_data: Any) -> None:
    result = with_data("restore", saved, "--yes", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert set(summary) == {"restored", "sha256", "schema_revision", "counts", "safety_backup"}
    assert summary["counts"]["customer"] == 2 and Path(summary["safety_backup"]).is_file()


def test_restore_asks_on_a_terminal(
    saved: Path, with_data: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.cli import backup as backup_cli

    monkeypatch.setattr(backup_cli, "_interactive", lambda: True)
    with_data("score", "Initech", "--logins", "9")
    before = dump(db_path)
    declined = with_data("restore", saved, input="n\n")
    assert declined.exit_code == 1 and "cancelled" in declined.stderr
    assert "2 customers" in declined.stdout  # the question says what the file holds
    assert dump(db_path) == before
    accepted = with_data("restore", saved, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert names(db_path) == ["Acme Corp", "Globex"]


def test_tampered_file_is_refused(
    engine_db: Any, saved: Path, with_data: Any, database: Any
) -> None:
    saved.write_text(saved.read_text(encoding="utf-8").replace("Globex", "Globox"), "utf-8")
    before = dump(database)
    result = with_data("restore", saved, "--yes")
    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert "does not match its sha256 checksum" in message and "nothing was restored" in message
    assert dump(database) == before


def test_truncated_file_is_refused(saved: Path, with_data: Any, db_path: Path) -> None:
    raw = saved.read_bytes()
    saved.write_bytes(raw[: len(raw) // 2])
    before = dump(db_path)
    result = with_data("restore", saved, "--yes")
    assert result.exit_code == 1 and "truncated" in result.stderr
    assert dump(db_path) == before


def test_restore_is_admin_only(saved: Path, with_data: Any, db_path: Path) -> None:
    assert with_data("users", "add", "csm@example.com", "--role", "csm").exit_code == 0
    before = dump(db_path)
    result = with_data("--as", "csm@example.com", "restore", saved, "--yes")
    assert result.exit_code == 4 and "only an admin can restore" in result.stderr
    assert dump(db_path) == before


def test_round_trip_through_the_cli(
    engine_db: Any, saved: Path, with_data: Any, tmp_path: Path
) -> None:
    """A backup of either engine restores into a new SQLite file and backs up the same."""
    target = tmp_path / "empty.db"
    first = json.loads(saved.read_text(encoding="utf-8"))
    restored = with_data("--db", target, "restore", saved, "--yes", db=False)
    assert restored.exit_code == 0, restored.output
    again = with_data("--db", target, "backup", "--out", tmp_path / "again.json", db=False)
    assert again.exit_code == 0
    second = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    audit = second["tables"]["audit_entry"]
    action = audit["columns"].index("action")
    audit["rows"] = [row for row in audit["rows"] if row[action] != "restore"]
    assert second["tables"] == first["tables"]
