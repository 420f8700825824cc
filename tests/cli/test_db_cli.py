"""`iqcadence db path|check|upgrade`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from iqcadence.core.store import migrations
from tests.core.test_migrations import FIRST, make_old_database


def test_path_names_the_setting_that_chose_it(
    cli: Any, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("db", "path")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [str(db_path), "chosen by: --db"]

    monkeypatch.setenv("IQCADENCE_DB", str(tmp_path / "env.db"))
    data = json.loads(cli("db", "path", "--json", db=False).stdout)
    assert data == {
        "location": str(tmp_path / "env.db"),
        "source": "IQCADENCE_DB",
        "engine": "sqlite",
        "exists": False,
    }
    assert not (tmp_path / "env.db").exists()  # asking creates nothing

    monkeypatch.delenv("IQCADENCE_DB")
    monkeypatch.setenv("IQCADENCE_DATABASE_URL", "postgresql://cs:hunter2@db.local/iq")
    result = cli("db", "path", db=False)
    assert result.stdout.splitlines() == [
        "postgresql://cs:***@db.local/iq",
        "chosen by: IQCADENCE_DATABASE_URL",
    ]

    monkeypatch.delenv("IQCADENCE_DATABASE_URL")
    data = json.loads(cli("db", "path", "--json", db=False).stdout)
    assert data["source"] == "default"
    assert data["location"] == str(tmp_path / "data" / "iqcadence.db")


def test_check_healthy_database(cli: Any) -> None:
    result = cli("db", "check", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["problems"] == []
    assert report["revision"] == report["head"] == migrations.HEAD
    assert report["up_to_date"] is True
    text = cli("db", "check")
    assert text.exit_code == 0 and "ok:" in text.stdout


def test_check_reports_broken_references(cli: Any, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO score_snapshot (customer_id, taken_at, weights, source) "
        "VALUES (999, '2026-01-01', '{}', 'score')"
    )
    conn.commit()
    conn.close()
    result = cli("db", "check", "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert any("score_snapshot" in problem for problem in report["problems"])


def test_check_does_not_upgrade_or_create(cli: Any, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    make_old_database(old)
    result = cli("--db", old, "db", "check", db=False)
    assert result.exit_code == 1
    assert f"schema revision {FIRST} is behind {migrations.HEAD}" in result.stdout
    conn = sqlite3.connect(old)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == FIRST
    conn.close()

    missing = tmp_path / "missing.db"
    result = cli("--db", missing, "db", "check", db=False)
    assert result.exit_code == 1 and "there is no database" in result.stdout
    assert not missing.exists()


def test_upgrade_prints_from_to_and_backup(cli: Any, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    make_old_database(old)
    result = cli("--db", old, "db", "upgrade", db=False)
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert f"from {FIRST} to {migrations.HEAD}" in text
    copies = list(tmp_path.glob(f"old.*.pre-{FIRST}.db"))
    assert len(copies) == 1 and str(copies[0]) in result.stdout.replace("\n", "")

    again = json.loads(cli("--db", old, "db", "upgrade", "--json", db=False).stdout)
    assert again == {
        "location": str(old),
        "from": migrations.HEAD,
        "to": migrations.HEAD,
        "backup": None,
        "created": False,
    }
    assert "already at the newest schema" in cli("--db", old, "db", "upgrade", db=False).stdout


def test_upgrade_creates_a_missing_database(cli: Any, tmp_path: Path) -> None:
    target = tmp_path / "brand-new.db"
    result = cli("--db", target, "db", "upgrade", db=False)
    assert result.exit_code == 0
    assert f"Created {target} at schema {migrations.HEAD}." in " ".join(result.stdout.split())
    assert target.is_file()


def test_newer_database_is_refused_in_one_sentence(cli: Any, db_path: Path) -> None:
    conn = sqlite3.connect(db_path)
    conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    conn.commit()
    conn.close()
    result = cli("db", "upgrade")
    assert result.exit_code == 1
    assert "newer than this version of iqcadence knows" in " ".join(result.stderr.split())
    check = json.loads(cli("db", "check", "--json").stdout)
    assert check["ok"] is False and "newer" in check["problems"][0]


def test_check_on_a_folder_says_it_is_a_folder(cli: Any, tmp_path: Path) -> None:
    result = cli("--db", tmp_path, "db", "check", "--json", db=False)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"] == [f"{tmp_path} is a folder, not a database file"]
