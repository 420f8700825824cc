"""`alerts list` at 80 columns: reasons wrap whole, no word or figure cut,
and a reason does not repeat the customer named beside it."""

from __future__ import annotations

from typing import Any

import pytest


def test_reasons_wrap_whole_at_80_columns(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = cli(
        "score", "Sandstone Printing Ltd", "--logins", "1", "--adoption", "10",
        "--tickets", "5", "--nps", "2", "--days", "60", "--mrr", "4680",
    )  # fmt: skip
    assert result.exit_code == 0, result.stdout + result.stderr
    from iqcadence.cli import common

    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(common, "_console", None)  # made again at 80 columns
    out = cli("alerts", "list").stdout
    assert all(len(line) <= 80 for line in out.splitlines()), out
    words = " ".join(" ".join(line.split()) for line in out.splitlines())
    assert "Critical with a score of" in words, out
    assert "Sandstone Printing Ltd is" not in words
