"""`clients`, `users assign` and `--client` / IQCADENCE_CLIENT through the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest


def _names(cli: Any, *args: str) -> list[str]:
    result = cli(*args, "customers", "list", "--json")
    assert result.exit_code == 0, result.stderr
    return [c["name"] for c in json.loads(result.stdout)]


def test_clients_add_list_rename(cli: Any) -> None:
    assert cli("clients", "add", "Northwind").stdout.strip() == "Added client Northwind."
    listed = json.loads(cli("clients", "list", "--json").stdout)
    assert [(c["name"], c["current"]) for c in listed] == [("Default", True), ("Northwind", False)]
    assert set(listed[0]) == {"id", "name", "customers", "users", "created_at", "current"}
    assert cli("clients", "rename", "northwind", "North").exit_code == 0
    assert "North" in cli("clients", "list").stdout
    twice = cli("clients", "add", "north")
    assert twice.exit_code == 1 and "already exists" in twice.stderr


def test_client_option_and_environment_choose_where_commands_work(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli("clients", "add", "North")
    assert cli("--client", "North", "score", "Only North", "--logins", "5").exit_code == 0
    assert cli("score", "Only Default", "--logins", "5").exit_code == 0
    assert _names(cli) == ["Only Default"]
    assert _names(cli, "--client", "north") == ["Only North"]
    monkeypatch.setenv("IQCADENCE_CLIENT", "North")
    assert _names(cli) == ["Only North"]
    assert _names(cli, "--client", "Default") == ["Only Default"]  # the option wins
    unknown = cli("--client", "Nowhere", "customers", "list")
    assert unknown.exit_code == 1 and "'Nowhere' is not one you work for" in unknown.stderr


def test_users_work_in_the_clients_they_are_assigned_to(cli: Any) -> None:
    cli("clients", "add", "North")
    cli("clients", "add", "South")
    cli("--client", "South", "score", "Southern Co", "--nps", "9")
    cli("users", "add", "sam@example.com", "--role", "csm")  # added in Default
    sam = ("--as", "sam@example.com")
    refused = cli(*sam, "--client", "South", "customers", "list")
    assert refused.exit_code == 1 and "(yours: Default)" in refused.stderr
    assigned = cli("users", "assign", "sam@example.com", "South", "north")
    assert assigned.stdout.strip() == "sam@example.com works in: Default, North, South."
    assert _names(cli, *sam, "--client", "South") == ["Southern Co"]
    only = cli("users", "assign", "sam@example.com", "South", "--replace")
    assert only.stdout.strip() == "sam@example.com works in: South."
    assert _names(cli, *sam) == ["Southern Co"]  # the first of sam's clients

    def listed(*client: str) -> dict[str, list[str]]:
        shown = json.loads(cli(*client, "users", "list", "--json").stdout)
        return {u["email"]: u["clients"] for u in shown}

    # users list shows who works in the client the command works in
    assert listed() == {"admin@example.com": ["Default", "North", "South"]}
    assert listed("--client", "South") == {
        "admin@example.com": ["Default", "North", "South"],
        "sam@example.com": ["South"],
    }
    # and names only the clients the one asking may see
    assert listed(*sam, "--client", "South")["admin@example.com"] == ["South"]
    not_admin = cli(*sam, "--client", "South", "clients", "add", "Mine")
    assert not_admin.exit_code == 4


def test_removing_a_client_with_records_needs_yes_and_its_name(cli: Any) -> None:
    cli("clients", "add", "Old")
    cli("--client", "Old", "score", "Old Co", "--logins", "3")
    cli("score", "Kept Co", "--logins", "3")
    without_yes = cli("clients", "remove", "Old")
    assert without_yes.exit_code == 2 and "add --yes" in without_yes.stderr
    mistyped = cli("clients", "remove", "Old", "--yes", input="Olf\n")
    assert mistyped.exit_code == 2 and "confirm by typing its name" in mistyped.stderr
    assert _names(cli, "--client", "Old") == ["Old Co"]
    working_in_it = cli("--client", "Old", "clients", "remove", "Old", "--yes", input="Old\n")
    assert working_in_it.exit_code == 1 and "act in another one" in working_in_it.stderr
    removed = cli("clients", "remove", "Old", "--yes", input="Old\n")
    assert removed.exit_code == 0, removed.stderr
    assert [c["name"] for c in json.loads(cli("clients", "list", "--json").stdout)] == ["Default"]
    assert _names(cli) == ["Kept Co"]
    audit = json.loads(cli("audit", "--action", "client", "--json").stdout)
    assert [e["action"] for e in audit][:2] == ["client.remove", "client.add"]
