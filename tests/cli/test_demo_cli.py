"""`iqcadence demo` writes its own file and prints what it built."""

from __future__ import annotations

import json
from pathlib import Path

from iqcadence.core.store.db import data_dir


def test_demo_prints_a_summary_without_a_terminal(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo", "--customers", "30", "--seed", "5", db=False)
    assert result.exit_code == 0, result.output
    assert "30 customers" in result.stdout
    assert str(data_dir() / "demo.db") in result.stdout
    assert "Total MRR" in result.stdout
    assert not (data_dir() / "iqcadence.db").exists()


def test_demo_json_and_db_option(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "mine-demo.db"
    result = cli("--db", str(target), "demo", "--customers", "25", "--json", db=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["path"] == str(target)
    assert data["customers"] == 25
    assert set(data["bands"]) == {
        "critical",
        "at_risk",
        "watch",
        "healthy",
        "expansion",
        "unscored",
    }
    assert data["total_mrr"] > 0
    listed = cli("--db", str(target), "customers", "list", "--json", "--limit", "5", db=False)
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 5


def test_demo_refuses_a_real_database(cli, db_path: Path) -> None:  # type: ignore[no-untyped-def]
    before = db_path.read_bytes()
    result = cli("demo", "--customers", "10", "--no-tui")
    assert result.exit_code == 1
    assert "not an iqcadence demo database" in result.stderr
    assert db_path.read_bytes() == before


def test_demo_rejects_a_bad_count(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("demo", "--customers", "0", db=False)
    assert result.exit_code == 2
    assert "--customers" in result.stderr
