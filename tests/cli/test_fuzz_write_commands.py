"""Fuzzing the write commands: whatever hostile value lands in a field (huge
or negative numbers, NaN and infinities, control characters, ESC sequences,
U+202E, NUL, very long text, behind a formula prefix or not), the command
answers with one sentence on stderr and a non-zero exit, and the database is
exactly as it was. CSV rows with the same values, or with broken quoting,
are refused the same way.

Example counts are small and fixed (derandomized) so the suite stays quick
and every run tries the same values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import dump

FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CONTROLS = ["\x00", "\x07", "\x08", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\udcff"]
ESCAPES = ["\x1b[2J", "\x1b]0;owned\x07", "\x1b[31m", "\x9b2J"]
FORMULA = st.sampled_from(["", "=", "+", "@", "=cmd|'/C calc'!A0 "])
# Letters around a hidden character (at either end it could be trimmed away
# as whitespace, like U+0085, and then refusing it is not the point).
WORD = st.text(alphabet="abcXYZ", min_size=1, max_size=6)

hidden = st.builds(
    lambda before, mark, after: before + mark + after,
    WORD,
    st.sampled_from(CONTROLS + ESCAPES),
    WORD,
)
LONG_NOTES = 64 * 1024 + 1  # a cell this long (as the marker LONG, expanded in the test)
too_long = st.sampled_from(["N" * 1001, "LONG"])
# Text a field must refuse, sometimes behind a formula prefix.
HOSTILE_TEXT = st.builds(lambda prefix, text: prefix + text, FORMULA, hidden | too_long)
HOSTILE_NOTES = st.builds(lambda prefix, text: prefix + text, FORMULA, hidden | st.just("LONG"))
# Numbers a field must refuse (never a plain in-range number).
HOSTILE_NUMBER = st.one_of(
    st.integers(min_value=2**63, max_value=2**80).map(str),
    st.integers(min_value=-(2**70), max_value=-1).map(str),
    st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e400", "99999999999999999999999"]),
    hidden,
)
HUGE_ID = st.integers(min_value=2**63, max_value=2**90).map(str)

TEXT_COMMANDS: list[list[str]] = [
    ["score", "--"],
    ["customers", "edit", "Steady", "--set", "name="],
    ["customers", "edit", "Steady", "--set", "manager="],
    ["customers", "edit", "Steady", "--set", "website="],
    ["customers", "edit", "Steady", "--set", "email="],
    ["customers", "edit", "Steady", "--set", "phone="],
    ["customers", "edit", "Steady", "--set", "tags="],
    ["tasks", "add", "Steady", "--"],
    ["log", "Steady", "--kind", "note", "--title"],
    ["contacts", "add", "Steady", "--"],
    ["leads", "add", "--"],
    ["opportunities", "add", "Steady", "--amount", "1", "--"],
]
NUMBER_COMMANDS: list[list[str]] = [
    ["score", "Steady", "--logins"],
    ["score", "Steady", "--tickets"],
    ["score", "Steady", "--days"],
    ["score", "Steady", "--adoption"],
    ["score", "Steady", "--mrr"],
    ["customers", "edit", "Steady", "--set", "logins="],
    ["customers", "edit", "Steady", "--set", "mrr="],
    ["customers", "edit", "Steady", "--set", "arr="],
    ["opportunities", "add", "Steady", "Deal", "--amount"],
]
ID_COMMANDS: list[list[str]] = [
    ["tasks", "done"],
    ["tasks", "reopen"],
    ["playbooks", "cancel"],
    ["opportunities", "close", "--won"],
    ["leads", "promote"],
    ["outbox", "retry"],
    ["reports", "schedule", "remove"],
    ["customers", "list", "--limit"],
]


@pytest.fixture
def steady(cli: Any) -> Any:
    result = cli("score", "Steady", "--logins", "10", "--adoption", "50", "--tier", "mid")
    assert result.exit_code == 0, result.output
    return cli


def refused(cli: Any, db_path: Path, args: list[str]) -> None:
    args = [arg.replace("LONG", "x" * LONG_NOTES) for arg in args]
    before = dump(db_path)
    result = cli(*args)
    assert result.exit_code != 0, (args, result.output)
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, (
        args,
        result.stderr,
    )
    assert "Traceback" not in result.stderr and "\x1b" not in result.stderr
    assert dump(db_path) == before, args


def filled(command: list[str], value: str) -> list[str]:
    """The command with the value as its last argument (or after `FIELD=`)."""
    if command[-1].endswith("="):
        return [*command[:-1], command[-1] + value]
    if command[0] == "opportunities" and command[-1] == "--":
        return ["opportunities", "add", "Steady", "--amount", "1", "--", value]
    return [*command, value]


@FUZZ
@given(st.sampled_from(TEXT_COMMANDS), HOSTILE_TEXT)
def test_hostile_text_is_refused(
    steady: Any, db_path: Path, command: list[str], value: str
) -> None:
    refused(steady, db_path, filled(command, value))


@FUZZ
@given(st.sampled_from(NUMBER_COMMANDS), HOSTILE_NUMBER)
def test_hostile_numbers_are_refused(
    steady: Any, db_path: Path, command: list[str], value: str
) -> None:
    refused(steady, db_path, filled(command, value))


@settings(FUZZ, max_examples=12)
@given(st.sampled_from(ID_COMMANDS), HUGE_ID)
def test_ids_past_64_bits_are_refused(
    steady: Any, db_path: Path, command: list[str], value: str
) -> None:
    args = [*command, value] if command[-1] != "--won" else [*command[:-1], value, "--won"]
    refused(steady, db_path, args)


def csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


BROKEN_QUOTING = st.sampled_from(['"Open Co,5\nNext,1', '"Mid"dle,5', 'A,"b"c'])
COLUMNS = ["name", "logins", "mrr", "manager", "website", "email", "notes"]
HOSTILE_CELL = st.one_of(
    st.tuples(st.sampled_from(["name", "manager", "website", "email"]), HOSTILE_TEXT),
    st.tuples(st.just("notes"), HOSTILE_NOTES),
    st.tuples(st.sampled_from(["logins", "mrr"]), HOSTILE_NUMBER),
)


@settings(FUZZ, max_examples=20)
@given(HOSTILE_CELL, st.none() | BROKEN_QUOTING)
def test_hostile_csv_rows_are_refused(
    steady: Any,
    db_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    cell: tuple[str, str],
    broken: str | None,
) -> None:
    field, value = cell
    row = {"name": "Bad Co", field: value.replace("LONG", "x" * LONG_NOTES)}
    lines = [",".join(COLUMNS), "Good Co,3,5,Ann,acme.com,a@acme.com,"]
    lines.append(",".join(csv_cell(row.get(column, "")) for column in COLUMNS))
    if broken is not None:
        lines.append(broken)
    path = tmp_path_factory.mktemp("fuzz") / "in.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
    refused(steady, db_path, ["import", "csv", str(path), "--json"])
