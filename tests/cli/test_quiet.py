"""`--quiet` / `-q` on every command: nothing on stdout on success, errors
still on stderr with their exit code, and --json output still written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import typer.main

DATA = Path(__file__).parent.parent / "data" / "import"


def leaf_commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):  # a group
            found += leaf_commands(command, f"{prefix}{name} ")
        else:
            found.append((f"{prefix}{name}", command))
    return found


def customers(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM customer").fetchone()[0])


def test_every_command_accepts_quiet() -> None:
    from iqcadence.cli.main import app

    commands = leaf_commands(typer.main.get_command(app))
    assert len(commands) > 50
    for name, command in commands:
        options = {opt for param in command.params for opt in getattr(param, "opts", ())}
        assert {"--quiet", "-q"} <= options, f"`{name}` does not accept --quiet / -q"


def test_cron_commands_print_nothing_on_success(cli: Any, db_path: Path, tmp_path: Path) -> None:
    imported = cli("import", "csv", DATA / "messy.csv", "--quiet")
    assert (imported.exit_code, imported.stdout, imported.stderr) == (0, "", "")
    assert customers(db_path) == 3
    for args in (
        ("rescore", "-q"),
        ("automations", "run", "-q"),
        ("report", "digest", "--format", "csv", "--out", str(tmp_path / "d.csv"), "-q"),
        ("customers", "edit", "Acme Corp", "--set", "manager=Sarah", "-q"),
        (
            "reports",
            "schedule",
            "add",
            "digest",
            "--every",
            "weekly@mon-08:00",
            "--email",
            "a@b.co",
            "-q",
        ),
    ):
        result = cli(*args)
        assert (result.exit_code, result.stdout) == (0, ""), args
        # stderr keeps warnings only (schedule add: no SMTP server is set yet)
        assert result.stderr == "" or result.stderr.startswith("note:"), args
    assert (tmp_path / "d.csv").exists()
    # Quiet lasts one command: the next one prints as usual.
    assert "Rescored 3 customers" in cli("rescore").stdout


def test_quiet_still_prints_errors_and_asked_for_json(cli: Any, db_path: Path) -> None:
    refused = cli("import", "csv", DATA / "bad_rows.csv", "-q")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert "8 rows were rejected, so nothing was written" in refused.stderr
    assert customers(db_path) == 0
    unknown = cli("customers", "edit", "Nobody", "--set", "tier=mid", "--quiet")
    assert unknown.exit_code == 1 and "Nobody" in unknown.stderr
    counted = cli("rescore", "--json", "--quiet")
    assert counted.exit_code == 0 and json.loads(counted.stdout)["scored"] == 0
