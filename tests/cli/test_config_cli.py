"""`iqcadence config ...`: show, change (admins only, validated), export/import, history."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump

DEFAULT_WEIGHTS = {
    "logins": 25, "adoption": 25, "tickets": 20, "nps": 15, "csat": 0, "days": 10, "growth": 5,
}  # fmt: skip
HINT = "iqcadence rescore"


def shown(cli: Any) -> dict[str, Any]:
    result = cli("config", "show", "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def one_line(text: str) -> str:
    return " ".join(text.split())


def test_show_json_has_the_whole_model(cli: Any) -> None:
    data = shown(cli)
    assert data == {
        "weights": DEFAULT_WEIGHTS,
        "csat_enabled": False,
        "thresholds": {"at_risk": 25, "watch": 50, "healthy": 65, "expansion": 80},
        "cadence": {"enterprise": [14, 21], "mid": [21, 30], "smb": [30, 45]},
        "renewal_windows": {"critical": 30, "warning": 60, "upcoming": 90},
        "quiet_after": 30,
        "momentum_points": 10,
        "expansion_pct": 20,
        "profiles": {},
    }


def test_show_for_people(cli: Any) -> None:
    out = cli("config", "show").stdout
    for text in ("Weights", "logins", "CSAT: off", "Band thresholds", "At Risk", "Contact cadence"):
        assert text in out


def test_partial_weights_that_total_100(cli: Any) -> None:
    result = cli("config", "weights", "set", "logins=30", "adoption=20")
    assert result.exit_code == 0, result.output
    assert HINT in result.stdout
    assert shown(cli)["weights"] == dict(DEFAULT_WEIGHTS, logins=30, adoption=20)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["logins=40"], "weights: must total 100, but they total 115."),
        (["speed=5"], "weights: unknown key 'speed'; allowed: logins, adoption"),
        (["logins=ten"], "weights.logins: expected a whole number, got 'ten'."),
        (["logins"], "weights: 'logins' is not KEY=VALUE."),
        (["logins=30", "logins=25"], "weights.logins: given more than once."),
        (["csat=5", "growth=0"], "CSAT is off, so its weight must be 0"),
        (["logins=-5", "adoption=55"], "weights.logins: must be a non-negative whole number"),
    ],
)
def test_bad_weights_are_refused_and_nothing_saved(
    cli: Any, db_path: Path, args: list[str], message: str
) -> None:
    cli("config", "show")
    before = dump(db_path)
    result = cli("config", "weights", "set", *args)
    assert result.exit_code == 2, result.output
    assert message in one_line(result.stderr)
    assert result.stdout == ""
    assert dump(db_path) == before


def test_thresholds(cli: Any, db_path: Path) -> None:
    ok = cli("config", "thresholds", "set", "at_risk=30", "watch=55", "healthy=70", "expansion=85")
    assert ok.exit_code == 0 and HINT in ok.stdout
    assert shown(cli)["thresholds"] == {"at_risk": 30, "watch": 55, "healthy": 70, "expansion": 85}
    before = dump(db_path)
    bad = cli("config", "thresholds", "set", "watch=90")
    assert bad.exit_code == 2
    assert "must increase strictly, but watch=90 is not below healthy=70" in one_line(bad.stderr)
    assert dump(db_path) == before


def test_csat_on_and_off(cli: Any) -> None:
    on = cli("config", "csat", "on", "--weight", "20")
    assert on.exit_code == 0, on.output
    assert "CSAT is on with weight 20" in on.stdout and HINT in on.stdout
    data = shown(cli)
    assert data["csat_enabled"] is True
    assert data["weights"] == {
        "logins": 20, "adoption": 20, "tickets": 16, "nps": 12, "csat": 20, "days": 8, "growth": 4,
    }  # fmt: skip
    off = cli("config", "csat", "off")
    assert off.exit_code == 0
    data = shown(cli)
    assert data["csat_enabled"] is False and data["weights"]["csat"] == 0
    assert sum(data["weights"].values()) == 100
    bad = cli("config", "csat", "maybe")
    assert bad.exit_code == 2 and "csat: 'maybe' is not one of on, off." in bad.stderr


def test_csat_counts_in_scores_once_on(cli: Any) -> None:
    cli("config", "csat", "on", "--weight", "10")
    cli("config", "weights", "set", "logins=15", "adoption=25", "tickets=20", "nps=15",
        "csat=10", "days=10", "growth=5")  # fmt: skip
    data = json.loads(cli("score", "Happy", "--csat", "5", "--logins", "0", "--json").stdout)
    assert data["score"] == 40.0  # (15×0 + 10×100) / 25


def test_profiles_set_list_delete(cli: Any) -> None:
    made = cli("config", "profiles", "set", "enterprise", "adoption=35", "logins=15")
    assert made.exit_code == 0, made.output
    assert "Created profile enterprise" in made.stdout and HINT in made.stdout
    listed = json.loads(cli("config", "profiles", "list", "--json").stdout)
    assert listed == [
        {
            "name": "enterprise",
            "description": "",
            "weights": dict(DEFAULT_WEIGHTS, adoption=35, logins=15),
            "customers": 0,
        }
    ]
    bad = cli("config", "profiles", "set", "enterprise", "adoption=50")
    assert bad.exit_code == 2 and "must total 100, but they total 115" in one_line(bad.stderr)
    assert "signals you do not name keep the profile (logins=15, tickets=20" in one_line(bad.stderr)
    fresh = cli("config", "profiles", "set", "usage", "logins=50", "adoption=50")
    assert fresh.exit_code == 2 and "keep the global weights (tickets=20, nps=15, days=10, " in (
        one_line(fresh.stderr)
    )
    cli("score", "Big", "--adoption", "50", "--profile", "enterprise")
    in_use = cli("config", "profiles", "delete", "enterprise")
    assert in_use.exit_code == 1 and "assigned to customers" in in_use.stderr
    cli("customers", "edit", "Big", "--set", "scoring_profile=")
    assert cli("config", "profiles", "delete", "enterprise").exit_code == 0
    assert json.loads(cli("config", "profiles", "list", "--json").stdout) == []
    missing = cli("config", "profiles", "delete", "enterprise")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_cadence_and_renewal_windows(cli: Any) -> None:
    ok = cli("config", "cadence", "set", "enterprise=7/14", "smb=30/60")
    assert ok.exit_code == 0, ok.output
    assert shown(cli)["cadence"] == {"enterprise": [7, 14], "mid": [21, 30], "smb": [30, 60]}
    for args, message in (
        (["mid=30"], "cadence.mid: expected DUE_SOON/OVERDUE days, got '30'."),
        (["mid=30/20"], "cadence.mid: due-soon (30) must be positive and below overdue (20)."),
        (["huge=1/2"], "cadence: unknown key 'huge'; allowed: smb, mid, enterprise."),
    ):
        bad = cli("config", "cadence", "set", *args)
        assert bad.exit_code == 2 and message in one_line(bad.stderr)
    windows = cli("config", "renewal-windows", "set", "critical=15", "upcoming=120")
    assert windows.exit_code == 0
    assert shown(cli)["renewal_windows"] == {"critical": 15, "warning": 60, "upcoming": 120}
    bad = cli("config", "renewal-windows", "set", "warning=200")
    assert bad.exit_code == 2 and "critical < warning < upcoming" in one_line(bad.stderr)


def test_signal_thresholds(cli: Any) -> None:
    ok = cli("config", "signals", "set", "quiet_after=21", "momentum_points=7.5")
    assert ok.exit_code == 0, ok.output
    data = shown(cli)
    assert (data["quiet_after"], data["momentum_points"]) == (21, 7.5)
    assert cli("config", "signals", "set", "quiet_after=0").exit_code == 2


def test_export_import_round_trip(cli: Any, tmp_path: Path, db_path: Path) -> None:
    cli("config", "weights", "set", "logins=30", "adoption=20")
    cli("config", "profiles", "set", "smb", "nps=25", "tickets=10")
    path = tmp_path / "model.toml"
    exported = cli("config", "export", str(path))
    assert exported.exit_code == 0, exported.output
    text = path.read_text(encoding="utf-8")
    assert "[weights]\nlogins = 30\nadoption = 20" in text and "[profiles.smb]" in text
    assert cli("config", "export", "-").stdout == text

    cli("config", "weights", "set", "logins=25", "adoption=25")
    imported = cli("config", "import", str(path))
    assert imported.exit_code == 0, imported.output
    assert HINT in imported.stdout
    assert shown(cli)["weights"]["logins"] == 30

    before = dump(db_path)
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("logins = 30", "logins = 90"), encoding="utf-8")
    refused = cli("config", "import", str(bad))
    assert refused.exit_code == 1
    assert str(bad) in one_line(refused.stderr) and "must total 100" in one_line(refused.stderr)
    assert dump(db_path) == before
    absent = cli("config", "import", str(tmp_path / "absent.toml"))
    assert absent.exit_code == 1 and "no such file" in absent.stderr


def test_history_lists_config_changes(cli: Any) -> None:
    cli("config", "weights", "set", "logins=30", "adoption=20")
    cli("config", "thresholds", "set", "at_risk=20")
    cli("score", "Not Config", "--adoption", "5")
    items = json.loads(cli("config", "history", "--json").stdout)
    assert [i["action"] for i in items] == ["config.thresholds", "config.weights"]
    assert items[1]["details"]["after"]["weights"]["logins"] == 30
    assert items[0]["user"] == "admin@example.com"
    human = cli("config", "history").stdout
    assert "weights.logins 25 → 30" in human and "thresholds.at_risk 25 → 20" in human


def test_only_admins_change_config(cli: Any, db_path: Path) -> None:
    assert cli("users", "add", "sam@example.com", "--role", "csm").exit_code == 0
    before = dump(db_path)
    for args in (
        ["config", "weights", "set", "logins=30", "adoption=20"],
        ["config", "csat", "on"],
        ["config", "profiles", "set", "p", "logins=25"],
        ["config", "cadence", "set", "mid=20/30"],
    ):
        result = cli("--as", "sam@example.com", *args)
        assert result.exit_code == 4, (args, result.output)
        assert "only an admin" in result.stderr
    assert dump(db_path) == before
    assert cli("--as", "sam@example.com", "config", "show").exit_code == 0


def test_csat_on_then_off_restores_the_weights_exactly(cli: Any) -> None:
    weights = ["logins=30", "adoption=20", "tickets=20", "nps=15", "days=10", "growth=5"]
    assert cli("config", "weights", "set", *weights).exit_code == 0
    assert cli("config", "csat", "on", "--weight", "10").exit_code == 0
    assert shown(cli)["weights"]["csat"] == 10
    assert cli("config", "csat", "off").exit_code == 0
    assert shown(cli)["weights"] == {
        "logins": 30, "adoption": 20, "tickets": 20, "nps": 15, "csat": 0, "days": 10, "growth": 5,
    }  # fmt: skip
    # after another change in between, CSAT's share is spread in proportion
    assert cli("config", "csat", "on", "--weight", "10").exit_code == 0
    assert cli("config", "thresholds", "set", "watch=55").exit_code == 0
    assert cli("config", "csat", "off").exit_code == 0
    off = shown(cli)["weights"]
    assert off["csat"] == 0 and sum(off.values()) == 100
