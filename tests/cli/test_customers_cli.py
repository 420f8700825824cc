"""`iqcadence customers ...` through the CLI runner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.factories import dump

CUSTOMER_KEYS = {
    "id", "name", "score", "band", "score_source", "mrr", "arr", "tier", "lifecycle",
    "status", "manager", "tags", "renewal_date", "days_to_renewal", "sentiment",
    "scoring_profile", "momentum", "signals", "website", "domain", "email", "phone",
    "industry", "notes", "customer_since", "next_touch", "last_contact_date", "updated_at",
}  # fmt: skip
SIGNAL_KEYS = {"logins", "adoption", "tickets", "nps", "csat", "days", "growth"}


@pytest.fixture
def seeded(cli: Any) -> Any:
    for args in (
        ["Acme Corp", "--logins", "25", "--adoption", "80", "--nps", "9", "--tier", "enterprise",
         "--mrr", "9000", "--manager", "Sarah", "--tags", "vip,emea", "--renewal", "2027-01-10"],
        ["Globex", "--logins", "5", "--adoption", "30", "--tier", "mid", "--mrr", "2000",
         "--manager", "Miguel"],
        ["Initech", "--adoption", "55", "--tier", "smb", "--mrr", "500", "--tags", "vip"],
    ):  # fmt: skip
        result = cli("score", *args)
        assert result.exit_code == 0, result.output
    return cli


def test_list_json_is_an_array_of_documented_objects(seeded: Any) -> None:
    result = seeded("customers", "list", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout)
    assert [i["name"] for i in items] == ["Acme Corp", "Globex", "Initech"]
    assert set(items[0]) == CUSTOMER_KEYS
    assert set(items[0]["signals"]) == SIGNAL_KEYS
    acme = items[0]
    assert acme["score"] == 85.9 and acme["band"] == "expansion"
    assert acme["score_source"] == "computed"
    assert acme["tags"] == ["vip", "emea"] and acme["renewal_date"] == "2027-01-10"
    assert acme["mrr"] == 9000.0 and acme["arr"] == 108000.0
    assert acme["signals"]["logins"] == 25 and acme["signals"]["days"] is None


def test_list_filters_sorts_and_pages(seeded: Any) -> None:
    def names(*args: str) -> list[str]:
        result = seeded("customers", "list", "--json", *args)
        assert result.exit_code == 0, result.output
        return [i["name"] for i in json.loads(result.stdout)]

    assert names("--tag", "vip") == ["Acme Corp", "Initech"]
    assert names("--tier", "mid") == ["Globex"]
    assert names("--manager", "sarah") == ["Acme Corp"]
    assert names("--band", "critical") == ["Globex"]
    assert names("--band", "At Risk") == names("--band", "at-risk") == []
    assert names("--band", "Expansion") == ["Acme Corp"]
    assert names("--search", "glo") == ["Globex"]
    assert names("--sort", "mrr", "--desc") == ["Acme Corp", "Globex", "Initech"]
    assert names("--sort", "score", "--limit", "1", "--offset", "1") == ["Initech"]
    assert names("--lifecycle", "atrisk") == ["Globex"]


def test_list_for_people_has_a_count_line(seeded: Any) -> None:
    result = seeded("customers", "list")
    assert result.exit_code == 0
    for text in ("Name", "Score", "Band", "MRR", "Acme Corp", "$9,000", "Expansion", "Sarah"):
        assert text in result.stdout
    assert "3 customers." in result.stdout
    paged = seeded("customers", "list", "--limit", "2")
    assert "Showing 1–2 of 3 customers." in paged.stdout
    empty = seeded("customers", "list", "--tier", "smb", "--band", "expansion")
    assert "No customers match." in empty.stdout
    past = seeded("customers", "list", "--offset", "10")
    assert "No customers past 10 (3 in all)." in past.stdout


def test_list_shows_momentum(seeded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-05")
    assert seeded("score", "Globex", "--adoption", "60").exit_code == 0
    items = json.loads(seeded("customers", "list", "--json", "--tier", "mid").stdout)
    assert items[0]["momentum"] == round(items[0]["score"] - 23.3, 1)
    human = seeded("customers", "list", "--tier", "mid").stdout
    assert "▲" in human


def test_list_refuses_bad_options(seeded: Any) -> None:
    for args, message in (
        (["--status", "gone"], "--status: 'gone' is not one of active, archived, trashed, all"),
        (["--band", "green"], "--band: 'green' is not one of"),
        (["--sort", "colour"], "--sort: 'colour' is not one of name, score"),
        (["--limit", "-3"], "--limit"),
        (["--where", "plan"], "expected FIELD=VALUE"),
        (["--where", "plan=gold"], "plan"),
    ):
        result = seeded("customers", "list", *args)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.stderr.split()), result.stderr


def test_show_json_has_breakdown_and_history(seeded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-11-28")
    assert seeded("score", "acme corp", "--nps", "7").exit_code == 0
    result = seeded("customers", "show", "ACME CORP", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert CUSTOMER_KEYS <= set(data)
    assert {"breakdown", "history", "scored_at", "created_at"} <= set(data)
    lines = {line["signal"]: line for line in data["breakdown"]["signals"]}
    assert lines["nps"] == {
        "signal": "nps", "value": 7, "subscore": 50.0, "weight": 15, "contribution": 11.54,
        "present": True, "tier_average": 50.0,
    }  # fmt: skip
    assert [h["score"] for h in data["history"]] == [data["score"], 85.9]
    assert data["history"][0]["signals"]["nps"] == 7
    assert data["history"][0]["taken_at"].startswith("2026-11-28")


def test_show_for_people(seeded: Any) -> None:
    result = seeded("customers", "show", "initech")
    assert result.exit_code == 0
    for text in ("Initech", "Tier", "SMB", "Breakdown", "tier avg", "Recent scores"):
        assert text in result.stdout


def test_edit_prints_changes_and_audits(seeded: Any) -> None:
    result = seeded(
        "customers", "edit", "Globex", "--set", "tier=enterprise", "--set", "adoption=90",
        "--set", "notes=renewal call booked",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Tier: Mid-Market → Enterprise" in result.stdout
    assert "Adoption: 30 → 90" in result.stdout
    assert "Band: Critical → Watch" in result.stdout
    assert "Lifecycle: At Risk → Active" not in result.stdout  # Watch does not recover
    data = json.loads(seeded("customers", "show", "Globex", "--json").stdout)
    assert data["tier"] == "enterprise" and data["notes"] == "renewal call booked"
    audit = json.loads(seeded("audit", "--customer", "globex", "--json").stdout)
    assert audit[0]["action"] == "customer.edit"
    assert audit[0]["details"]["changes"]["tier"] == {"from": "mid", "to": "enterprise"}


def test_edit_json_and_clearing_a_value(seeded: Any) -> None:
    result = seeded("customers", "edit", "Acme Corp", "--set", "manager=", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["changed"] == {"manager": {"from": "Sarah", "to": None}}
    again = seeded("customers", "edit", "Acme Corp", "--set", "manager=")
    assert "Nothing changed" in again.stdout


def test_edit_manual_score_and_clear(seeded: Any) -> None:
    set_it = json.loads(seeded("customers", "edit", "Globex", "--set", "score=88", "--json").stdout)
    assert set_it["score"] == 88.0 and set_it["score_source"] == "manual"
    listed = seeded("customers", "list", "--tier", "mid").stdout
    assert "88.0*" in listed and "manual override" in listed
    cleared = json.loads(seeded("customers", "edit", "Globex", "--set", "score=", "--json").stdout)
    assert cleared["score"] == 23.3 and cleared["score_source"] == "computed"


def test_edit_refuses_without_or_with_repeated_set(seeded: Any, db_path: Path) -> None:
    before = dump(db_path)
    no_set = seeded("customers", "edit", "Globex")
    assert no_set.exit_code == 2 and "--set" in no_set.stderr
    twice = seeded("customers", "edit", "Globex", "--set", "tier=smb", "--set", "tier=mid")
    assert twice.exit_code == 2 and "given more than once" in twice.stderr
    assert dump(db_path) == before


def test_status_commands(seeded: Any) -> None:
    assert seeded("customers", "archive", "globex").stdout.startswith("Archived Globex")
    assert "Globex" not in seeded("customers", "list").stdout
    archived = json.loads(seeded("customers", "list", "--status", "archived", "--json").stdout)
    assert [i["name"] for i in archived] == ["Globex"]
    again = seeded("customers", "archive", "Globex")
    assert again.exit_code == 1 and "archived" in again.stderr
    assert seeded("customers", "unarchive", "Globex").exit_code == 0
    assert seeded("customers", "trash", "Globex").exit_code == 0
    every = json.loads(seeded("customers", "list", "--status", "all", "--json").stdout)
    assert {i["name"]: i["status"] for i in every}["Globex"] == "trashed"
    assert seeded("customers", "restore", "Globex").exit_code == 0
    assert "Globex" in seeded("customers", "list").stdout


def test_delete_needs_yes_and_an_admin(seeded: Any, db_path: Path) -> None:
    before = dump(db_path)
    refused = seeded("customers", "delete", "Globex")
    assert refused.exit_code == 2
    assert "--yes" in refused.stderr and "permanent" in refused.stderr
    assert dump(db_path) == before
    assert seeded("users", "add", "csm@example.com", "--role", "csm").exit_code == 0
    denied = seeded("--as", "csm@example.com", "customers", "delete", "Globex", "--yes")
    assert denied.exit_code == 4 and "only an admin" in denied.stderr
    done = seeded("customers", "delete", "globex", "--yes")
    assert done.exit_code == 0 and "Deleted Globex and every record of it" in done.stdout
    gone = seeded("customers", "show", "Globex")
    assert gone.exit_code == 1 and "does not exist" in gone.stderr


def test_edit_sets_custom_fields_with_standard_ones(seeded: Any, db_path: Path) -> None:
    assert (
        seeded("fields", "add", "plan", "--type", "dropdown", "--options", "gold,silver").exit_code
        == 0
    )
    result = seeded(
        "customers", "edit", "Acme Corp", "--set", "plan=gold", "--set", "nps=5", "--json"
    )
    assert result.exit_code == 0, result.output
    changed = json.loads(result.stdout)["changed"]
    assert changed["plan"] == {"from": None, "to": "gold"}
    assert changed["nps"] == {"from": 9, "to": 5}
    shown = json.loads(seeded("customers", "show", "Acme Corp", "--json").stdout)
    assert shown["custom_fields"]["plan"] == "gold" and shown["signals"]["nps"] == 5

    only_custom = seeded("customers", "edit", "Acme Corp", "--set", "cf.plan=silver")
    assert only_custom.exit_code == 0, only_custom.output
    assert "Plan: gold → silver" in only_custom.stdout

    before = dump(db_path)
    bad = seeded("customers", "edit", "Acme Corp", "--set", "plan=bronze", "--set", "nps=3")
    assert bad.exit_code == 2 and "'bronze' is not one of the options" in bad.stderr
    bad = seeded("customers", "edit", "Acme Corp", "--set", "plan=gold", "--set", "nps=12")
    assert bad.exit_code == 2 and "nps" in bad.stderr
    unknown = seeded("customers", "edit", "Acme Corp", "--set", "colour=red")
    assert unknown.exit_code == 2 and "and the custom fields plan." in unknown.stderr
    assert dump(db_path) == before


def test_list_fits_80_columns_without_breaking_values(
    seeded: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.cli import common

    assert seeded(
        "score", "Umbrella International Holdings Ltd", "--logins", "3", "--tier", "enterprise",
        "--manager", "Maximilian Fitzgerald-Smith", "--mrr", "1234567", "--renewal", "2027-01-01",
    ).exit_code == 0  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(common, "_console", None)
    lines = seeded("customers", "list").stdout.splitlines()
    assert len(lines) == 1 + 4 + 1  # header, one line per customer, count line
    assert all(len(line.rstrip()) <= 80 for line in lines)
    umbrella = next(line for line in lines if line.startswith("Umbrella"))
    for whole in ("10.0", "Critical", "$1,234,567", "Enterprise", "2027-01-01"):
        assert whole in umbrella
    assert "2027-01-10" in next(line for line in lines if line.startswith("Acme Corp"))
