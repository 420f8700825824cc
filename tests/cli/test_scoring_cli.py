"""`score`, `rescore` and `explain` through the CLI runner."""

from __future__ import annotations

import json
from typing import Any

import pytest


def test_score_creates_then_updates(cli: Any) -> None:
    made = cli("score", "Acme Corp", "--logins", "22", "--adoption", "75", "--nps", "9",
               "--tier", "mid", "--mrr", "5000")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "Created Acme Corp: score 80.1 Expansion" in made.stdout
    assert "Breakdown" in made.stdout and "tier avg" in made.stdout
    again = cli("score", "acme corp", "--nps", "6", "--json")
    data = json.loads(again.stdout)
    assert data["created"] is False and data["name"] == "Acme Corp"
    assert data["score"] == 57.1 and data["band"] == "watch"
    assert [line["signal"] for line in data["breakdown"]["signals"]][:2] == ["logins", "adoption"]


def test_rescore_applies_new_weights(cli: Any) -> None:
    cli("score", "Logins Heavy", "--logins", "30", "--adoption", "0")
    cli("score", "Adoption Heavy", "--logins", "0", "--adoption", "100")
    cli("score", "Manual", "--logins", "0", "--adoption", "0", "--score", "77")
    assert cli("config", "weights", "set", "logins=45", "adoption=5").exit_code == 0
    result = cli("rescore", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary == {
        "scored": 3,
        "changed": 2,
        "unchanged": 1,
        "skipped_overrides": 1,
        "band_moves": {"watch->expansion": 1, "watch->critical": 1},
        "lifecycle_changes": 1,
    }
    items = {i["name"]: i for i in json.loads(cli("customers", "list", "--json").stdout)}
    assert items["Logins Heavy"]["score"] == 90.0
    assert items["Adoption Heavy"]["score"] == 10.0
    assert items["Manual"]["score"] == 77.0


def test_rescore_for_people_and_overrides(cli: Any) -> None:
    cli("score", "Manual", "--adoption", "10", "--score", "77")
    kept = cli("rescore")
    assert kept.exit_code == 0
    assert "Rescored 1 customer: 0 changed, 1 unchanged." in kept.stdout
    assert "Kept 1 manual override as set, counted as unchanged" in kept.stdout
    assert "recompute it)." in kept.stdout
    assert "No customer changed band." in kept.stdout
    included = cli("rescore", "--include-overrides")
    assert "1 changed" in included.stdout and "Band moves" in included.stdout
    data = json.loads(cli("customers", "show", "Manual", "--json").stdout)
    assert data["score"] == 10.0 and data["score_source"] == "computed"


def test_rescore_needs_write_access(cli: Any) -> None:
    cli("users", "add", "viewer@example.com", "--role", "viewer")
    result = cli("--as", "viewer@example.com", "rescore")
    assert result.exit_code == 4 and "viewer" in result.stderr


def test_explain_json_and_text(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-20")
    cli("score", "Slide", "--logins", "30", "--adoption", "80", "--nps", "9", "--days", "5",
        "--tier", "mid")  # fmt: skip
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-27")
    cli("score", "Slide", "--nps", "3", "--adoption", "60")
    result = cli("explain", "slide", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {
        "name", "score", "band", "score_source", "computed_score", "computed_band",
        "weights_from", "signals", "previous", "score_change", "weights_changed", "changes",
        "flags",
    }  # fmt: skip
    # the first command of the 27th brought the score in line with a week of
    # decay (93.0 → 92.4, a snapshot of its own): the edit is compared with that
    assert data["score"] == 65.8 and data["previous"]["score"] == 92.4
    assert data["previous"]["signals"]["days"] == 12
    assert {c["signal"]: c["score_effect"] for c in data["changes"]} == {
        "adoption": -6.6,
        "nps": -20.0,
    }
    assert [f["signal"] for f in data["flags"] if f["kind"] == "missing"] == ["tickets", "growth"]
    text = cli("explain", "Slide").stdout
    assert "Since the snapshot of 2026-11-27 (score 92.4), the score moved -26.6:" in text
    assert "-20.0" in text and "tickets has no value" in text


def test_explain_says_when_no_signal_moved(cli: Any) -> None:
    cli("score", "Still", "--logins", "30", "--adoption", "80")
    cli("customers", "edit", "Still", "--set", "score=50")
    cli("customers", "edit", "Still", "--set", "score=")
    text = cli("explain", "Still").stdout
    assert "(score 50.0, computed 90.0), no signal has moved." in text
    assert "score effect" not in text


def test_scoring_a_trashed_customer_says_so(cli: Any) -> None:
    cli("score", "Binned", "--nps", "9")
    cli("customers", "trash", "Binned")
    result = cli("score", "binned", "--nps", "3")
    assert result.exit_code == 0
    assert "Binned is trashed" in result.stdout
    assert 'customers restore "Binned"' in " ".join(result.stdout.split())
