"""Hostile values on the command line: huge integers, control characters,
values past the documented limits and dangerous URLs or addresses are one
sentence on stderr and a non-zero exit, and the database stays as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump

HUGE = str(2**63)  # one past the largest SQL integer
ESC_CLEAR = "\x1b[2JX"


@pytest.fixture
def steady(cli: Any) -> Any:
    result = cli("score", "Steady", "--logins", "10", "--adoption", "50", "--tier", "mid")
    assert result.exit_code == 0, result.output
    return cli


def one_sentence(stderr: str) -> str:
    line = " ".join(stderr.split())
    assert line.startswith("error: ") and stderr.count("\n") == 1, stderr
    assert "Traceback" not in stderr and "\x1b" not in stderr
    return line


@pytest.mark.parametrize(
    "args",
    [
        ["score", "Steady", "--logins", HUGE],
        ["score", "Steady", "--tickets", HUGE],
        ["score", "Steady", "--days", HUGE],
        ["customers", "edit", "Steady", "--set", f"logins={HUGE}"],
        ["tasks", "done", HUGE],
        ["tasks", "reopen", HUGE],
        ["playbooks", "cancel", HUGE],
        ["opportunities", "edit", HUGE, "--amount", "1"],
        ["opportunities", "close", HUGE, "--won"],
        ["leads", "edit", HUGE, "--status", "qualified"],
        ["leads", "promote", HUGE],
        ["outbox", "retry", HUGE],
        ["reports", "schedule", "remove", HUGE],
        ["customers", "list", "--limit", HUGE],
        ["customers", "list", "--offset", HUGE],
        ["audit", "--limit", HUGE],
        ["timeline", "Steady", "--limit", HUGE],
        ["timeline", "Steady", "--since", "99999999999999d"],
    ],
)
def test_integers_past_64_bits_are_one_sentence(
    steady: Any, db_path: Path, args: list[str]
) -> None:
    before = dump(db_path)
    result = steady(*args)
    assert result.exit_code == 2, result.output
    assert "must be" in one_sentence(result.stderr)
    assert dump(db_path) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["score", ESC_CLEAR], "name: must be one line of text without control characters"),
        (["score", "Acme\u202eCorp"], "(found U+202E)"),
        (["score", "Nul\x00Co"], "(found U+0000)"),
        (["score", "--", "Caf\udce9"], "holds bytes that are not valid text"),
        (["customers", "edit", "Steady", "--set", "name=A\x1b[31mB"], "(found U+001B)"),
        (["customers", "edit", "Steady", "--set", "manager=Ann\x07"], "(found U+0007)"),
        (["customers", "edit", "Steady", "--set", "notes=ok\nbut\x1b[2J"], "(found U+001B)"),
        (["tasks", "add", "Steady", f"Call {ESC_CLEAR}"], "title: must be one line"),
        (["log", "Steady", "--kind", "note", "--title", f"QBR {ESC_CLEAR}"], "title: must be one"),
        (["contacts", "add", "Steady", f"Dana {ESC_CLEAR}"], "contact name: must be one line"),
        (["leads", "add", f"Globex {ESC_CLEAR}"], "name: must be one line"),
        (["fields", "add", "region", "--label", f"Re{ESC_CLEAR}"], "--label: must be one line"),
        (["reports", "company", f"North{ESC_CLEAR}"], "company name: must be one line"),
        (
            ["opportunities", "add", "Steady", f"Seats {ESC_CLEAR}", "--amount", "1"],
            "name: must be one line",
        ),
        (
            ["customers", "edit", "Steady", "--set", "mrr=99999999999999999999999"],
            "mrr: must be at most 1,000,000,000,000, got 1e+23.",
        ),
        (
            ["customers", "edit", "Steady", "--set", "notes=" + "n" * (64 * 1024 + 1)],
            "notes: must be at most 64 KiB",
        ),
        (
            ["customers", "edit", "Steady", "--set", "website=javascript:alert(1)"],
            "website: 'javascript:alert(1)' is not a web address",
        ),
        (
            ["customers", "edit", "Steady", "--set", "email=<script>@x.com"],
            "email: '<script>@x.com' is not an e-mail address",
        ),
        (["leads", "add", "Globex", "--website", "data:text/html,hi"], "is not a web address"),
        (
            ["log", "Steady", "--kind", "note", "--title", "QBR", "--at", "9999-12-31"],
            "at: must be between 1900-01-01 and 2199-12-31, got 9999-12-31.",
        ),
        (["score", "Steady", "--renewal", "9999-12-31"], "renewal_date: must be between"),
        (["config", "alerts", "set", f"quiet_after={HUGE}"], "quiet_after: must be at most"),
    ],
)
def test_values_past_the_limits_are_refused(
    steady: Any, db_path: Path, args: list[str], expected: str
) -> None:
    before = dump(db_path)
    result = steady(*args)
    assert result.exit_code != 0, result.output
    assert expected in one_sentence(result.stderr)
    assert dump(db_path) == before


def test_names_keep_collapsing_line_breaks(steady: Any) -> None:
    result = steady("score", "Two\nLines\tLtd", "--logins", "3")
    assert result.exit_code == 0, result.output
    assert "Two Lines Ltd" in steady("customers", "list").stdout


def legacy_name(db_path: Path, old: str, new: str) -> None:
    """A name stored by an older version, before control characters were refused."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "UPDATE customer SET name = ?, name_key = ? WHERE name = ?", (new, new.casefold(), old)
        )
    conn.close()


def test_stored_control_characters_never_reach_the_terminal(
    steady: Any, db_path: Path, tmp_path: Path
) -> None:
    legacy_name(db_path, "Steady", "Stea\x1b[2Jdy\u202e\x00")
    for args in (
        [
            "report",
            "customer",
            "--customer",
            "stea\x1b[2jdy\u202e\x00",
            "--out",
            tmp_path / "r.pdf",
        ],
        ["customers", "list"],
        ["customers", "show", "stea\x1b[2jdy\u202e\x00"],
        ["score", "stea\x1b[2jdy\u202e\x00", "--logins", "12"],
        ["alerts", "list"],
    ):
        result = steady(*args)
        assert result.exit_code == 0, result.output
        assert "Stea[2Jdy" in result.stdout
        for hidden in ("\x1b", "\u202e", "\x00"):
            assert hidden not in result.stdout, args


def test_json_keeps_the_stored_value_escaped(steady: Any, db_path: Path) -> None:
    import json

    legacy_name(db_path, "Steady", "Stea\x1bdy\u202e")
    result = steady("customers", "list", "--json")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\u001b" in result.stdout and "\\u202e" in result.stdout
    assert json.loads(result.stdout)[0]["name"] == "Stea\x1bdy\u202e"


def test_postgres_without_its_driver_names_the_extra(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    result = cli("--db", "postgresql://ana:secret@127.0.0.1/cs", "customers", "list", db=False)
    assert result.exit_code == 1
    line = one_sentence(result.stderr)
    assert "PostgreSQL needs the postgres extra" in line and "iqcadence[postgres]" in line
    assert "secret" not in line


def test_every_whole_number_option_is_bounded() -> None:
    """A new `int` option or argument without `common.whole_number` (or
    Typer's min and max) fails here: unbounded, 2**63 would overflow inside
    the database."""
    import typer.main

    from iqcadence.cli.main import app

    unbounded: list[str] = []

    def walk(command: Any, path: list[str]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])
        for param in command.params:
            annotation = param.type_descriptor.annotation
            bounded = hasattr(param.callback, "bounds") or None not in (param.min, param.max)
            if annotation in (int, int | None) and not bounded:
                unbounded.append(" ".join([*path, param.name or "?"]))

    walk(typer.main.get_command(app), [])
    assert unbounded == []
