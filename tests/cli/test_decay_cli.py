"""Every command shows the score of the signals it shows: 30 days after a
portfolio was scored (and no cron in between), the first command of the day
brings the stored scores in line with the decayed days since contact, and
every read path shows them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest

DAY0 = "2026-11-27"
DAY30 = "2026-12-27"
VIEWER = "viewer@example.com"
# Fading: (25×35 + 10×100) / 35 = 53.6 (Watch) on day 0; 30 days on,
# (25×35 + 10×83.3) / 35 = 48.8 (At Risk).
FADING = 48.8


@pytest.fixture
def scored_day0(cli: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("IQCADENCE_TODAY", DAY0)
    for args in (
        ("score", "Fading", "--adoption", "35", "--days", "0", "--mrr", "1000"),
        ("score", "Steady", "--adoption", "80", "--mrr", "500"),
        ("users", "add", VIEWER, "--role", "viewer"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.output
    assert json.loads(cli("customers", "show", "Fading", "--json").stdout)["score"] == 53.6
    monkeypatch.setenv("IQCADENCE_TODAY", DAY30)
    return cli


def run_json(cli: Any, *args: str) -> Any:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def run_csv(cli: Any, *args: str) -> list[dict[str, str]]:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


def check_list(cli: Any) -> None:
    items = {item["name"]: item for item in run_json(cli, "customers", "list", "--json")}
    fading = items["Fading"]
    assert (fading["score"], fading["band"], fading["signals"]["days"]) == (FADING, "at_risk", 30)
    assert fading["lifecycle"] == "atrisk"
    assert fading["momentum"] == round(FADING - 53.6, 1)
    assert items["Steady"]["score"] == 80.0


def check_show(cli: Any) -> None:
    data = run_json(cli, "customers", "show", "Fading", "--json")
    assert data["score"] == data["breakdown"]["computed_score"] == FADING
    assert data["band"] == data["breakdown"]["computed_band"] == "at_risk"
    assert data["signals"]["days"] == 30
    assert data["history"][0]["score"] == FADING and data["history"][0]["signals"]["days"] == 30


def check_explain(cli: Any) -> None:
    data = run_json(cli, "explain", "Fading", "--json")
    assert data["score"] == data["computed_score"] == FADING
    days = next(line for line in data["signals"] if line["signal"] == "days")
    assert days["value"] == 30


def check_myday(cli: Any) -> None:
    data = run_json(cli, "myday", "--all", "--json")
    assert data["kpis"]["by_band"]["at_risk"] == 1 and data["kpis"]["by_band"]["watch"] == 0
    assert data["kpis"]["revenue_at_risk"] == 1000.0
    quiet = next(item for item in data["cadence"] if item["customer"] == "Fading")
    assert (quiet["days_since_contact"], quiet["band"]) == (30, "at_risk")
    health = [a for a in data["alerts"] if a["category"] == "health"]
    assert [(a["customer"], a["severity"]) for a in health] == [("Fading", "warning")]


def check_export(cli: Any) -> None:
    rows = {row["name"]: row for row in run_csv(cli, "export", "csv", "--out", "-")}
    fading = rows["Fading"]
    assert (fading["score"], fading["band"], fading["days_since_contact"]) == (
        str(FADING),
        "at_risk",
        "30",
    )


def check_report(cli: Any) -> None:
    rows = run_csv(cli, "report", "portfolio", "--format", "csv", "--out", "-")
    bands = {row["group"]: row for row in rows if row["section"] == "band"}
    assert (bands["at_risk"]["accounts"], bands["at_risk"]["average_score"]) == ("1", str(FADING))
    assert bands["watch"]["accounts"] == "0"


def check_alerts(cli: Any) -> None:
    alerts = run_json(cli, "alerts", "list", "--json")
    health = [(a["customer"], a["severity"]) for a in alerts if a["category"] == "health"]
    assert health == [("Fading", "warning")]


READ_PATHS: dict[str, Callable[[Any], None]] = {
    "customers list": check_list,
    "customers show": check_show,
    "explain": check_explain,
    "myday": check_myday,
    "export csv": check_export,
    "report csv": check_report,
    "alerts list": check_alerts,
}


@pytest.mark.parametrize("path", list(READ_PATHS))
def test_the_first_command_of_a_new_day_shows_decayed_scores(scored_day0: Any, path: str) -> None:
    READ_PATHS[path](scored_day0)
    for other in READ_PATHS.values():  # and every other command agrees with it
        other(scored_day0)


def decay_entries(cli: Any) -> list[dict[str, Any]]:
    entries = run_json(cli, "audit", "--action", "rescore", "--json")
    return [e for e in entries if e["details"].get("cause") == "decay"]


def test_a_viewer_opening_first_sees_true_scores(scored_day0: Any) -> None:
    items = run_json(scored_day0, "--as", VIEWER, "customers", "list", "--json")
    assert {i["name"]: i["score"] for i in items} == {"Fading": FADING, "Steady": 80.0}
    [entry] = decay_entries(scored_day0)
    assert entry["user"] == "system"  # the refresh is the system's, not the viewer's


def test_many_commands_on_one_day_refresh_once(
    scored_day0: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(3):
        check_list(scored_day0)
        check_show(scored_day0)
    assert len(decay_entries(scored_day0)) == 1
    # cron's runner finds the day done: it has nothing to refresh
    assert run_json(scored_day0, "automations", "run", "--json")["decay_rescored"] is None
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-28")
    shown = run_json(scored_day0, "customers", "show", "Fading", "--json")
    assert shown["score"] == shown["breakdown"]["computed_score"]
    assert len(decay_entries(scored_day0)) == 2


def test_automations_run_refreshes_the_day_and_reports_it(
    scored_day0: Any, database: Any, no_background_sender: None
) -> None:
    """cron's runner does the day's refresh itself (waiting its turn like any
    write), before it looks for what changed."""
    from iqcadence.core.accounts.customers import find_customer

    report = run_json(scored_day0, "automations", "run", "--json")
    assert report["decay_rescored"] == 1
    with database.session() as session:  # as stored, without another command's refresh
        fading = find_customer(session, 1, "Fading")
        assert fading is not None and (fading.score, fading.band) == (FADING, "at_risk")
    assert run_json(scored_day0, "automations", "run", "--json")["decay_rescored"] is None
    assert len(decay_entries(scored_day0)) == 1
