"""`users` and `audit` through the CLI runner."""

from __future__ import annotations

import json
from typing import Any

import pytest


def test_users_lifecycle(cli: Any) -> None:
    added = cli("users", "add", "sam@example.com", "--role", "viewer", "--name", "Sam Lee")
    assert added.exit_code == 0 and "Added sam@example.com (viewer)." in added.stdout
    users = json.loads(cli("users", "list", "--json").stdout)
    assert [(u["email"], u["name"], u["role"]) for u in users] == [
        ("admin@example.com", "admin", "admin"),
        ("sam@example.com", "Sam Lee", "viewer"),
    ]
    assert set(users[0]) == {"email", "name", "role", "created_at", "clients"}
    assert (
        "sam@example.com is now csm." in cli("users", "set-role", "sam@example.com", "csm").stdout
    )
    assert cli("--as", "sam@example.com", "score", "Sams Co", "--adoption", "50").exit_code == 0
    assert cli("users", "remove", "sam@example.com").exit_code == 0
    assert [u["email"] for u in json.loads(cli("users", "list", "--json").stdout)] == [
        "admin@example.com"
    ]
    gone = cli("--as", "sam@example.com", "customers", "list")
    assert gone.exit_code == 1 and "is not known in this database" in gone.stderr


def test_users_refusals(cli: Any) -> None:
    bad_role = cli("users", "add", "x@example.com", "--role", "boss")
    assert bad_role.exit_code == 2 and "role: 'boss' is not one of admin, csm, viewer." in (
        bad_role.stderr
    )
    cli("users", "add", "x@example.com")
    twice = cli("users", "add", "x@example.com")
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    last = cli("users", "set-role", "admin@example.com", "csm")
    assert last.exit_code == 1 and "last admin" in last.stderr
    denied = cli("--as", "x@example.com", "users", "add", "y@example.com")
    assert denied.exit_code == 4 and "only an admin can manage users" in denied.stderr
    missing = cli("users", "remove", "nobody@example.com")
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_audit_filters_and_shapes(cli: Any) -> None:
    cli("score", "Acme", "--adoption", "70")
    cli("score", "Globex", "--adoption", "20")
    cli("customers", "edit", "Acme", "--set", "tier=smb")
    cli("config", "weights", "set", "logins=30", "adoption=20")
    every = json.loads(cli("audit", "--json").stdout)
    assert [e["action"] for e in every][:2] == ["config.weights", "customer.edit"]
    assert set(every[0]) == {"id", "at", "user", "action", "customer", "details"}
    acme = json.loads(cli("audit", "--customer", "ACME", "--json").stdout)
    assert [e["action"] for e in acme] == ["customer.edit", "customer.create"]
    creates = json.loads(cli("audit", "--action", "customer.create", "--json").stdout)
    assert {e["customer"] for e in creates} == {"Acme", "Globex"}
    prefix = json.loads(cli("audit", "--action", "customer", "--limit", "2", "--json").stdout)
    assert len(prefix) == 2 and all(e["action"].startswith("customer.") for e in prefix)
    text = cli("audit", "--customer", "Acme").stdout
    assert "customer.edit" in text and "tier — → smb" in text
    assert cli("audit", "--limit", "0").exit_code == 2
    assert "No audit entries match." in cli("audit", "--customer", "Nobody").stdout


def test_audit_at_80_columns_puts_details_under_each_entry(
    cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from iqcadence.cli import common

    cli("config", "weights", "set", "logins=30", "adoption=20")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(common, "_console", None)
    lines = cli("audit", "--action", "config").stdout.splitlines()
    assert all(len(line.rstrip()) <= 80 for line in lines)
    assert lines[0].endswith("config.weights  —")
    assert lines[1].startswith("  weights.logins 25 → 30, weights.adoption 25 → 20")
