"""`iqcadence import csv` and `import history` from the command line."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.factories import dump

DATA = Path(__file__).parent.parent / "data" / "import"


def count(db_path: Path, table: str = "customer") -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_import_prints_a_summary_and_lists_ignored_columns(cli: Any, db_path: Path) -> None:
    r = cli("import", "csv", DATA / "messy.csv")
    assert r.exit_code == 0, r.output
    assert "Ignored columns: Favourite Colour" in r.stdout
    assert "3 created, 0 updated, 0 unchanged, 0 rejected" in r.stdout
    assert count(db_path) == 3


def test_json_summary_shape(cli: Any) -> None:
    r = cli("import", "csv", DATA / "messy.csv", "--json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert {k: data[k] for k in ("rows", "created", "updated", "unchanged", "rejected")} == {
        "rows": 3,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert data["written"] is True and data["dry_run"] is False
    assert data["encoding"] == "utf-8" and data["delimiter"] == "comma" and data["key"] == "name"
    assert data["columns"][0] == {
        "column": "Company Name",
        "field": "name",
        "how": "alias",
        "note": "matched",
    }
    assert data["ignored_columns"] == ["Favourite Colour"]
    # Acme 82.5 (expansion), Globex 20.8 (critical), Initech 62.5 (watch)
    assert data["scoring"]["scored"] == 3 and data["scoring"]["band_moves"] == {
        "unscored->critical": 1,
        "unscored->expansion": 1,
        "unscored->watch": 1,
    }
    assert data["errors"] == [] and data["errors_total"] == 0


def test_bad_rows_exit_1_with_one_line_each_and_nothing_written(cli: Any, db_path: Path) -> None:
    r = cli("import", "csv", DATA / "bad_rows.csv")
    assert r.exit_code == 1
    assert f"{DATA / 'bad_rows.csv'}:3: mrr: expected a number (lots)" in r.stderr
    assert f"{DATA / 'bad_rows.csv'}:9: name: required to match customers (blank)" in r.stderr
    assert "8 rows were rejected, so nothing was written" in r.stderr
    assert count(db_path) == 0


def test_skip_invalid_exits_3_and_writes_the_error_file(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    errors = tmp_path / "rejected.csv"
    r = cli("import", "csv", DATA / "bad_rows.csv", "--skip-invalid", "--errors-out", errors)
    assert r.exit_code == 3
    assert count(db_path) == 2
    lines = errors.read_text().splitlines()
    assert lines[0].endswith(",line,error") and len(lines) == 9


def test_dry_run_shows_mapping_and_changes_and_writes_nothing(cli: Any, db_path: Path) -> None:
    cli("import", "csv", DATA / "messy.csv")
    cli("customers", "list")  # the day's decay refresh, due on the next open, is done
    before = dump(db_path)
    path = db_path.parent / "edit.csv"
    path.write_text("Account,NPS\nGlobex,Promoter\nNewco,9\n")
    r = cli("import", "csv", path, "--dry-run")
    assert r.exit_code == 0, r.output
    assert "Columns" in r.stdout and "Account" in r.stdout
    assert "1 created, 1 updated" in r.stdout
    assert (
        "Globex" in r.stdout and "nps" in r.stdout and "Dry run: nothing was written." in r.stdout
    )
    assert dump(db_path) == before
    data = json.loads(cli("import", "csv", path, "--dry-run", "--json").stdout)
    assert data["preview"][0] == {"line": 2, "name": "Globex", "nps": 10}
    assert "First rows" in r.stdout
    (change,) = data["changes"]
    assert change["fields"]["nps"] == {"from": 0, "to": 10}
    assert change["band"]["from"] == "critical" and change["score"]["to"] > change["score"]["from"]


def test_stdin_map_delimiter_decimal_comma_and_date_format(cli: Any, db_path: Path) -> None:
    body = "Firma;Umsatz;Verlängerung;Owner\nMüller GmbH;€3.400,50;03/04/2027;Jo\n"
    r = cli(
        "import",
        "csv",
        "-",
        "--map",
        "Firma=name",
        "--map",
        "Umsatz=mrr",
        "--map",
        "Verlängerung=renewal_date",
        "--delimiter",
        ";",
        "--decimal-comma",
        "--date-format",
        "%d/%m/%Y",
        "--json",
        input=body,
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["file"] == "stdin"
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT name, mrr, renewal_date, manager FROM customer").fetchone() == (
            "Müller GmbH",
            3400.5,
            "2027-04-03",
            "Jo",
        )


def test_key_option_and_usage_errors(cli: Any, db_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "k.csv"
    path.write_text("name,email,tier\nAcme,ops@acme.com,smb\n")
    assert cli("import", "csv", path).exit_code == 0
    path.write_text("email,tier\nOPS@acme.com,mid\n")
    r = cli("import", "csv", path, "--key", "email", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["updated"] == 1
    r = cli("import", "csv", path, "--key", "phone")
    assert r.exit_code == 2 and "--key: 'phone' is not one of name, domain, email" in r.stderr
    r = cli("import", "csv", path, "--map", "Nope=tier")
    assert r.exit_code == 2 and "no column matching" in r.stderr
    r = cli("import", "csv", tmp_path / "missing.csv")
    assert r.exit_code == 1 and "no such file" in r.stderr


def test_import_history_command(cli: Any, db_path: Path) -> None:
    cli("score", "Acme Corp", "--logins", "20")
    cli("score", "Globex", "--logins", "2")
    r = cli("import", "history", DATA / "history.csv", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert (data["snapshots"], data["customers"], data["rejected"]) == (4, 2, 0)
    assert count(db_path, "score_snapshot") == 2 + 4
    r = cli("import", "history", "-", input="customer,date,logins\nNobody,2026-01-01,3\n")
    assert r.exit_code == 1 and "stdin:2: name: no customer of that name" in r.stderr
