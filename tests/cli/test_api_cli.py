"""`api-keys`, `api log` and `api limits` through the CLI."""

from __future__ import annotations

import json
from typing import Any


def test_api_keys_create_list_revoke(cli: Any) -> None:
    made = cli("api-keys", "create", "zapier", "--role", "csm", "--json")
    assert made.exit_code == 0, made.stderr
    data = json.loads(made.stdout)
    assert set(data) == {"name", "role", "key", "client"}
    assert (data["name"], data["role"], data["client"]) == ("zapier", "csm", "Default")
    key = data["key"]
    shown = cli("api-keys", "create", "crm", "--role", "viewer")
    assert "cannot be shown again" in shown.stdout and "iqc_" in shown.stdout
    listed = json.loads(cli("api-keys", "list", "--json").stdout)
    assert [(k["name"], k["role"], k["last_used_at"]) for k in listed] == [
        ("crm", "viewer", None),
        ("zapier", "csm", None),
    ]
    assert listed[1]["prefix"] == key[:12]
    table = cli("api-keys", "list").stdout
    assert key[:12] in table and key not in table and key not in json.dumps(listed)
    twice = cli("api-keys", "create", "zapier", "--role", "csm")
    assert twice.exit_code == 1 and "already exists" in twice.stderr
    bad_role = cli("api-keys", "create", "x", "--role", "owner")
    assert bad_role.exit_code == 2 and "role: 'owner'" in bad_role.stderr
    assert cli("api-keys", "revoke", "zapier").stdout.strip() == "Revoked the API key zapier."
    gone = cli("api-keys", "revoke", "zapier")
    assert gone.exit_code == 1 and "no API key named 'zapier'" in gone.stderr
    audit = [e["action"] for e in json.loads(cli("audit", "--action", "api_key", "--json").stdout)]
    assert audit == ["api_key.revoke", "api_key.create", "api_key.create"]


def test_only_admins_manage_keys_and_limits(cli: Any) -> None:
    cli("users", "add", "sam@example.com", "--role", "csm")
    sam = ("--as", "sam@example.com")
    assert cli(*sam, "api-keys", "create", "mine", "--role", "csm").exit_code == 4
    assert cli(*sam, "api", "limits", "--rate", "5").exit_code == 4
    assert cli(*sam, "api", "limits").exit_code == 0


def test_api_log_and_limits(cli: Any) -> None:
    assert cli("api", "log").stdout.strip() == "No API calls yet."
    assert json.loads(cli("api", "log", "--json").stdout) == []
    bad = cli("api", "log", "--limit", "0")
    assert bad.exit_code == 2 and "--limit" in bad.stderr
    shown = cli("api", "limits").stdout.strip()
    assert shown == "Each key: 20 requests a second, bursts of 40."
    assert cli("api", "limits", "--burst", "5", "--json").stdout.count('"burst": 5') == 1
    refused = cli("api", "limits", "--rate", "0")
    assert refused.exit_code == 2 and "rate: must be above 0" in refused.stderr


def test_keys_belong_to_the_client_they_were_made_in(cli: Any) -> None:
    cli("clients", "add", "North")
    cli("--client", "North", "api-keys", "create", "north-sync", "--role", "admin")
    assert json.loads(cli("api-keys", "list", "--json").stdout) == []
    north = json.loads(cli("--client", "North", "api-keys", "list", "--json").stdout)
    assert [k["name"] for k in north] == ["north-sync"]
