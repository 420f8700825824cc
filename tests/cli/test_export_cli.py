"""`iqcadence export csv` and `export bulksheet`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from tests.factories import dump


def seed(cli: Any) -> None:
    cli(
        "score",
        "Acme Corp",
        "--logins",
        "22",
        "--mrr",
        "5000",
        "--tier",
        "enterprise",
        "--renewal",
        "2027-01-10",
        "--tags",
        "vip",
    )
    cli("score", "Globex", "--logins", "1", "--tickets", "4", "--tier", "mid", "--mrr", "800")
    cli("score", "Initech", "--score", "71", "--tier", "smb")


def test_export_csv_to_stdout_with_filters(cli: Any) -> None:
    seed(cli)
    r = cli("export", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [row["name"] for row in rows] == ["Acme Corp", "Globex", "Initech"]
    assert len(rows[0]) >= 20 and rows[0]["days_until_renewal"] == "44"
    assert rows[2]["score_source"] == "manual"
    r = cli("export", "csv", "--band", "critical", "--sort", "mrr", "--desc")
    assert [row["name"] for row in csv.DictReader(io.StringIO(r.stdout))] == ["Globex"]
    r = cli("export", "csv", "--band", "purple")
    assert r.exit_code == 2 and "--band" in r.stderr


def test_export_to_a_file_reports_the_count(cli: Any, tmp_path: Path) -> None:
    seed(cli)
    out = tmp_path / "all.csv"
    r = cli("export", "csv", "--out", out, "--json")
    assert r.exit_code == 0
    assert json.loads(r.stdout) == {"file": str(out), "rows": 3, "kind": "csv"}
    assert out.read_text().startswith("id,name,score,band,score_source,priority,")


def test_bulksheet_reimport_changes_nothing(cli: Any, db_path: Path, tmp_path: Path) -> None:
    seed(cli)
    sheet = tmp_path / "sheet.csv"
    assert cli("export", "bulksheet", "--out", sheet).exit_code == 0
    before = dump(db_path, skip=["audit_entry"])  # the import is audited
    r = cli("import", "csv", sheet, "--json")
    data = json.loads(r.stdout)
    assert (data["created"], data["updated"], data["unchanged"]) == (0, 0, 3)
    assert dump(db_path, skip=["audit_entry"]) == before
