"""`iqcadence report`: files, stdout, bad options."""

from __future__ import annotations

from typing import Any

from tests.factories import build_portfolio


def test_cli_report_to_file_and_stdout(cli: Any, tmp_path: Any, session: Any, actor: Any) -> None:
    build_portfolio(session, actor, days=14)
    out = tmp_path / "book.pdf"
    result = cli("report", "portfolio", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = cli("report", "at-risk", "--format", "csv", "--out", "-")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("name,score,band")
    assert cli("report", "portfolio", "--format", "docx").exit_code == 2
    bad = cli("report", "portfolio", "--tier", "huge", "--out", str(tmp_path / "x.pdf"))
    assert bad.exit_code == 2 and "tier" in bad.stderr
    assert cli("report", "list", "--json").exit_code == 0
