"""Bad input gets one sentence naming the field and what is allowed, a non-zero
exit code, and leaves every table exactly as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump


@pytest.fixture
def steady(cli: Any, db_path: Path) -> Any:
    result = cli("score", "Steady", "--logins", "10", "--adoption", "50", "--tier", "mid")
    assert result.exit_code == 0, result.output
    # the next open notes the day's decay refresh (the database had no
    # customer at the first); the dumps compare what the refused command did
    assert cli("customers", "list", "--json").exit_code == 0
    return cli


def one_sentence(text: str) -> str:
    line = " ".join(text.split())
    assert line.startswith("error: ")
    assert line.count(". ") == 0 and line.endswith((".", "?).", ")."))
    return line


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["score", "Steady", "--nps", "11"], 2, "nps: must be between 0 and 10, got 11."),
        (["score", "Steady", "--nps", "x"], 2, "nps: expected a number, got 'x'."),
        (["score", "Steady", "--logins", "2.5"], 2, "logins: expected a whole number, got '2.5'."),
        (["score", "Steady", "--adoption", "lots"], 2, "adoption: expected a number, got 'lots'."),
        (["score", "Steady", "--score", "high"], 2, "score: expected a number, got 'high'."),
        (["score", "New One", "--nps", "11"], 2, "nps: must be between 0 and 10, got 11."),
        (["score", "Steady", "--adoption", "101"], 2, "adoption: must be between 0 and 100"),
        (["score", "Steady", "--csat", "0"], 2, "csat: must be between 1 and 5, got 0."),
        (
            ["score", "Steady", "--tier", "huge"],
            2,
            "tier: 'huge' is not one of smb, mid, enterprise.",
        ),
        (["score", "Steady", "--logins", "-1"], 2, "logins: must be at least 0, got -1."),
        (["score", "Steady", "--tickets", "-2"], 2, "tickets: must be at least 0, got -2."),
        (["score", "Steady", "--days", "-5"], 2, "days: must be at least 0, got -5."),
        (
            ["score", "Steady", "--renewal", "2026-02-30"],
            2,
            "renewal_date: '2026-02-30' is not a date; use YYYY-MM-DD.",
        ),
        (
            ["score", "Steady", "--growth", "fast"],
            2,
            "growth: 'fast' is not one of strong, mild, none, na.",
        ),
        (
            ["score", "Steady", "--lifecycle", "asleep"],
            2,
            "lifecycle: 'asleep' is not one of onboarding, active, atrisk, won, churned.",
        ),
        (["score", "Steady", "--mrr", "lots"], 2, "mrr: expected a number, got 'lots'."),
        (["score", "Steady", "--mrr", "-10"], 2, "mrr: must be at least 0, got -10."),
        (["score", "Steady", "--profile", "nope"], 1, "scoring profile 'nope' does not exist"),
        (["customers", "edit", "Steady", "--set", "nps=11"], 2, "nps: must be between 0 and 10"),
        (
            ["customers", "edit", "Steady", "--set", "email=ops at acme"],
            2,
            "email: 'ops at acme' is not an e-mail address (like ana@example.com).",
        ),
        (
            ["customers", "edit", "Steady", "--set", "tier=huge"],
            2,
            "tier: 'huge' is not one of smb, mid, enterprise.",
        ),
        (["customers", "edit", "Steady", "--set", "tickets=-1"], 2, "tickets: must be at least 0"),
        (
            ["customers", "edit", "Steady", "--set", "renewal_date=someday"],
            2,
            "renewal_date: 'someday' is not a date; use YYYY-MM-DD.",
        ),
        (["customers", "edit", "Steady", "--set", "colour=red"], 2, "unknown field 'colour'"),
        (["customers", "edit", "Steady", "--set", "tier"], 2, "expected FIELD=VALUE"),
        (["customers", "edit", "Nobody", "--set", "nps=5"], 1, "customer 'Nobody' does not exist"),
        (["customers", "show", "Nobody"], 1, "customer 'Nobody' does not exist."),
        (["customers", "show", "stead"], 1, "(did you mean 'Steady'?)."),
        (["customers", "archive", "Nobody"], 1, "customer 'Nobody' does not exist."),
        (["customers", "delete", "Nobody", "--yes"], 1, "customer 'Nobody' does not exist."),
        (["explain", "Nobody"], 1, "customer 'Nobody' does not exist."),
    ],
)
def test_bad_input(steady: Any, db_path: Path, args: list[str], code: int, expected: str) -> None:
    before = dump(db_path)
    result = steady(*args)
    assert result.exit_code == code, result.output
    assert expected in one_sentence(result.stderr)
    assert result.stdout == ""
    assert dump(db_path) == before


def test_usage_errors_from_the_parser_exit_2(steady: Any, db_path: Path) -> None:
    before = dump(db_path)
    result = steady("score", "Steady", "--bogus", "eleven")
    assert result.exit_code == 2
    assert "--bogus" in result.stderr
    assert dump(db_path) == before


def test_mrr_and_arr_together_are_refused(steady: Any, db_path: Path) -> None:
    before = dump(db_path)
    result = steady("score", "Steady", "--mrr", "100", "--arr", "1200")
    assert result.exit_code == 2 and "--mrr or --arr" in result.stderr
    assert dump(db_path) == before


def test_a_database_another_program_keeps_writing_is_one_sentence(
    steady: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.core.store import dialect

    monkeypatch.setattr(dialect, "BUSY_TIMEOUT_MS", 50)
    before = dump(db_path)
    writer = sqlite3.connect(db_path, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # holds the write lock (WAL: readers go on)
        assert steady("customers", "show", "Steady").exit_code == 0
        result = steady("score", "Steady", "--nps", "3")
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert result.exit_code == 1 and result.stdout == ""
    assert one_sentence(result.stderr).startswith("error: the database is busy: another program")
    assert dump(db_path) == before
