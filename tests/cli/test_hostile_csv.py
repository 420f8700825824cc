"""Hostile CSV files: broken quoting, control characters, values past the
limits, formula cells and encodings that are not UTF-8. Bad rows are reported
with their line; a file whose encoding cannot be told is refused; nothing is
written when a row is bad."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump


def write(tmp_path: Path, data: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def imported(cli: Any, path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    result = cli("import", "csv", str(path), "--json", *args)
    return result, json.loads(result.stdout)


def test_an_unclosed_quote_is_a_bad_row_not_a_merged_customer(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    before = dump(db_path)
    result, data = imported(cli, write(tmp_path, 'name,mrr\n"Open Co,100\nNext,1\n'))
    assert result.exit_code == 1 and not data["written"]
    assert [(e["line"], e["field"]) for e in data["errors"]] == [(2, "row")]
    assert "a quote opened on line 2 is never closed" in data["errors"][0]["reason"]
    assert dump(db_path) == before


def test_rows_after_a_quote_closed_mid_value_are_still_read(cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path, 'name,mrr\nFirst,5\n"Open Co,100\nNext,1\n"Third",5\nFourth,6\n')
    result, data = imported(cli, path, "--skip-invalid")
    assert result.exit_code == 3
    assert [(e["line"], e["field"]) for e in data["errors"]] == [(3, "row")]
    names = [c["name"] for c in json.loads(cli("customers", "list", "--json").stdout)]
    assert names == ["First", "Fourth"]


@pytest.mark.parametrize(
    ("cells", "field", "reason"),
    [
        ("Nul\x00Co,5", "name", "without control characters (found U+0000)"),
        ("Esc\x1b[2JCo,5", "name", "(found U+001B)"),
        ("Acme\u202eCo,5", "name", "(found U+202E)"),
        ("Nan Co,NaN", "logins", "expected a finite number"),
        ("Big Co,99999999999999999999999", "logins", "must be at most 1,000,000,000"),
    ],
)
def test_bad_cells_are_rejected_with_their_line(
    cli: Any, db_path: Path, tmp_path: Path, cells: str, field: str, reason: str
) -> None:
    before = dump(db_path)
    result, data = imported(cli, write(tmp_path, "name,logins\nGood Co,3\n" + cells + "\n"))
    assert result.exit_code == 1
    assert [(e["line"], e["field"]) for e in data["errors"]] == [(3, field)]
    assert reason in data["errors"][0]["reason"]
    assert dump(db_path) == before


def test_money_and_notes_past_their_limits(cli: Any, tmp_path: Path) -> None:
    notes = "x" * (10 * 1024 * 1024)
    path = write(tmp_path, f"name,mrr,notes\nRich,99999999999999999999999,\nLong,5,{notes}\n")
    result, data = imported(cli, path)
    assert result.exit_code == 1
    reasons = {(e["line"], e["field"]): e["reason"] for e in data["errors"]}
    assert reasons[(2, "mrr")] == "must be at most 1,000,000,000,000"
    assert reasons[(3, "notes")].startswith("must be at most 64 KiB")


def test_exports_neutralise_formulas_and_the_bulksheet_round_trips(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    attack = "=cmd|'/C calc'!A0"
    assert cli("score", attack, "--logins", "3", "--tier", "mid").exit_code == 0
    assert cli("customers", "edit", attack, "--set", "phone=+1 555 0100").exit_code == 0
    assert cli("customers", "edit", attack, "--set", "tags=-x|@y").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(cli("export", "csv").stdout)))
    assert rows[0]["name"] == "'" + attack and rows[0]["phone"] == "'+1 555 0100"
    assert rows[0]["tags"] == "'-x|@y" and rows[0]["logins"] == "3"
    sheet = tmp_path / "sheet.csv"
    assert cli("export", "bulksheet", "--out", str(sheet)).exit_code == 0
    assert sheet.read_text().splitlines()[1].startswith("'=cmd|'/C calc'!A0,")
    before = dump(db_path, skip=["audit_entry"])
    result, data = imported(cli, sheet)
    assert result.exit_code == 0 and (data["created"], data["updated"]) == (0, 0)
    assert dump(db_path, skip=["audit_entry"]) == before


def test_a_tab_before_a_formula_is_an_escape_that_stays_neutral(cli: Any, tmp_path: Path) -> None:
    result, _data = imported(cli, write(tmp_path, 'name,notes\nTabbed,"\t=1+2"\n'))
    assert result.exit_code == 0, result.output
    row = next(csv.DictReader(io.StringIO(cli("export", "csv").stdout)))
    assert row["notes"] == "'=1+2"


def test_report_csv_neutralises_formulas(cli: Any) -> None:
    assert cli("score", "@SUM(A1)", "--logins", "0", "--tickets", "5").exit_code == 0
    result = cli("report", "at-risk", "--format", "csv", "--out", "-")
    assert result.exit_code == 0, result.output
    assert "'@SUM(A1)" in result.stdout and "\n@SUM" not in result.stdout


POLISH = "name,mrr,manager\nŁódź Sp. z o.o.,100,Anna\nKraków Żywiec,200,Paweł\n"


def test_an_unclear_encoding_is_refused_with_the_readings(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    before = dump(db_path)
    for text, encoding in ((POLISH, "iso-8859-2"), ("name,mrr\n株式会社テスト,100\n", "shift_jis")):
        result = cli("import", "csv", str(write(tmp_path, text.encode(encoding))))
        assert result.exit_code == 1
        line = " ".join(result.stderr.split())
        assert "the text is not UTF-8 and its encoding is not clear" in line
        assert "pass --encoding" in line and result.stderr.count("\n") == 1
    assert dump(db_path) == before


def test_an_unclear_polish_file_names_the_right_reading(cli: Any, tmp_path: Path) -> None:
    result = cli("import", "csv", str(write(tmp_path, POLISH.encode("iso-8859-2"))))
    assert "iso8859_2 reads 'Łódź'" in result.stderr
    path = write(tmp_path, POLISH.encode("iso-8859-2"))
    result = cli("import", "csv", str(path), "--encoding", "iso-8859-2")
    assert result.exit_code == 0, result.output
    names = [c["name"] for c in json.loads(cli("customers", "list", "--json").stdout)]
    assert names == ["Kraków Żywiec", "Łódź Sp. z o.o."]


def test_a_detected_encoding_is_said_with_why(cli: Any, tmp_path: Path) -> None:
    path = write(tmp_path, POLISH.encode("cp1250"))
    result = cli("import", "csv", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Read as cp1250: the bytes are not UTF-8" in " ".join(result.stdout.split())
    result, data = imported(cli, path)
    assert data["encoding"] == "cp1250" and "charset-normalizer" in data["encoding_note"]
    names = [c["name"] for c in json.loads(cli("customers", "list", "--json").stdout)]
    assert names == ["Kraków Żywiec", "Łódź Sp. z o.o."]


def test_no_control_characters_come_from_a_decode(cli: Any, tmp_path: Path) -> None:
    # Latin-1 reads byte 0x81 as a C1 control character: refused, not stored
    result = cli("import", "csv", str(write(tmp_path, "name\nCafé\x81,1\n".encode("latin-1"))))
    assert result.exit_code == 1 and "no encoding reads it as plain text" in result.stderr
    assert json.loads(cli("customers", "list", "--json").stdout) == []
