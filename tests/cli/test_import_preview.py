"""`import csv --dry-run` shows the first rows on their side (a line per
field), so a wide file stays readable on an 80-column terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from iqcadence.cli import common

HEADER = (
    "Company Name,CSM,MRR,Logins (30d),Feature Adoption %,Open Tickets,NPS,"
    "Days Since Contact,Renews On,Growth,Tier,Tags,Stage,Sentiment,Email,Industry"
)


def test_a_wide_file_previews_a_line_per_field_at_80_columns(
    cli: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(common, "_console", None)  # made again at 80 columns
    path = db_path.parent / "wide.csv"
    rows = [
        f"Acme {i},Ana Souza,$5000,{i},75%,1,9,10,2027-03-15,mild,mid,vip|beta,Active,"
        f"positive,ops{i}@acme.com,SaaS"
        for i in range(5)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    r = cli("import", "csv", path, "--dry-run")
    assert r.exit_code == 0, r.output
    lines = [line.rstrip() for line in r.stdout.splitlines()]
    assert all(len(line) <= 80 for line in lines)
    first = lines.index("First rows")
    heading = lines[first + 1].split()
    assert heading[:3] == ["field", "line", "2"] and heading.count("line") >= 3
    by_field = {line.split()[0]: line.split()[1:] for line in lines[first + 2 : first + 18]}
    assert by_field["name"][:2] == ["Acme", "0"]
    assert by_field["renewal_date"][:2] == ["2027-03-15", "2027-03-15"]
    assert by_field["email"][0] == "ops0@acme.com"
    assert set(by_field) >= {"manager", "mrr", "logins", "tier", "tags", "industry"}
