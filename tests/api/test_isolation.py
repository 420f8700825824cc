"""Tenant isolation: with two clients, nothing of client B ever shows in
client A, through every CLI read, every API action and route, exports,
reports and backups; and A's ids-and-names paths to B's records find
nothing (404 from the API, "does not exist" from the CLI), never 403.

Every B record carries the marker `zzb` in a name, a title or a value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api
from tests.memory_keyring import memory_keyring  # noqa: F401  (fixture)

MARK = "zzb"
B = "Bravo"
PLAYBOOK = Path(__file__).resolve().parents[2] / "examples" / "playbooks" / "renewal-prep.toml"


def _run(cli: Any, *args: str, code: int = 0) -> str:
    result = cli(*args)
    assert result.exit_code == code, (args, result.stdout, result.stderr)
    return str(result.stdout) + str(result.stderr)


def _build(cli: Any, client: tuple[str, ...], mark: str) -> None:
    """The same kinds of records in a client, each named with `mark`."""
    shared = "Shared Co"  # one name in both clients
    _run(cli, *client, "score", shared, "--logins", "1", "--adoption", "5", "--nps", "2",
         "--tickets", "6", "--mrr", "900", "--renewal", "2026-12-10", "--manager", f"{mark} mgr",
         "--tags", f"{mark}tag", "--growth", "strong", "--tier", "enterprise")  # fmt: skip
    _run(cli, *client, "score", f"{mark} Own Co", "--logins", "30", "--adoption", "95",
         "--growth", "strong", "--mrr", "100")  # fmt: skip
    _run(cli, *client, "contacts", "add", shared, f"{mark} Contact", "--email", f"{mark}@ex.com")
    _run(cli, *client, "tasks", "add", shared, f"{mark} task", "--due", "2026-11-20")
    _run(cli, *client, "opportunities", "add", shared, f"{mark} deal", "--amount", "100")
    _run(cli, *client, "leads", "add", f"{mark} Lead")
    _run(cli, *client, "fields", "add", f"{mark}field", "--type", "text")
    _run(cli, *client, "fields", "set", shared, f"{mark}field", f"{mark} value")
    _run(cli, *client, "log", shared, "--kind", "note", "--title", f"{mark} note")
    _run(cli, *client, "connections", "add", f"{mark}-mail", "--email", f"{mark}@ex.com")
    _run(cli, *client, "rules", "add", f"{mark} rule", "--event", "became_at_risk",
         "--channel", f"{mark}-mail")  # fmt: skip
    _run(cli, *client, "config", "profiles", "set", f"{mark}-profile", "logins=100",
         "adoption=0", "tickets=0", "nps=0", "days=0", "growth=0")  # fmt: skip
    _run(cli, *client, "playbooks", "add", str(PLAYBOOK))
    _run(cli, *client, "playbooks", "start", "Renewal prep", shared)
    _run(cli, *client, "reports", "schedule", "add", "digest", "--every", "weekly@mon-08:00",
         "--email", f"{mark}@ex.com")  # fmt: skip
    _run(cli, *client, "api-keys", "create", f"{mark}-key", "--role", "admin")
    _run(cli, *client, "users", "add", f"{mark}-user@ex.com", "--role", "csm")
    _run(cli, *client, "reports", "company", f"{mark} Agency")


@pytest.fixture
def two_clients(cli: Any, memory_keyring: Any) -> None:  # noqa: F811
    _run(cli, "clients", "add", B)
    _build(cli, ("--client", B), MARK)
    _build(cli, (), "aaa")
    _run(cli, "users", "add", "ana@example.com", "--role", "csm")  # works in Default only


# Every command that only reads, with the arguments it runs with in client A.
READS: dict[str, list[str]] = {
    "alerts list": ["--json", "--include-snoozed"],
    "alerts exposure": ["--json"],
    "api limits": ["--json"],
    "api log": ["--json"],
    "api-keys list": ["--json"],
    "audit": ["--json", "--limit", "500"],
    "brief": ["Shared Co", "--json"],
    "clients list": ["--json"],
    "config alerts show": ["--json"],
    "config currency show": ["--json"],
    "config export": ["-"],
    "config history": ["--json"],
    "config profiles list": ["--json"],
    "config show": ["--json"],
    "connections list": ["--json"],
    "contacts list": ["Shared Co", "--json"],
    "customers list": ["--json", "--status", "all"],
    "customers show": ["Shared Co", "--json"],
    "db check": ["--json"],
    "db path": [],
    "explain": ["Shared Co", "--json"],
    "export bulksheet": ["--out", "-"],
    "export csv": ["--out", "-", "--status", "all"],
    "fields list": ["--json"],
    "leads list": ["--json"],
    "myday": ["--json", "--all"],
    "next": ["Shared Co", "--json"],
    "opportunities list": ["Shared Co", "--json"],
    "outbox list": ["--json"],
    "owners list": ["Shared Co", "--json"],
    "playbooks list": ["--json"],
    "playbooks runs": ["Shared Co", "--json"],
    "report list": ["--json"],
    "reports brand show": ["--json"],
    "reports schedule list": ["--json"],
    "rules list": ["--json"],
    "smtp show": ["--json"],
    "tasks list": ["--json", "--status", "all"],
    "timeline": ["Shared Co", "--json"],
    "users list": ["--json"],
    "webhooks list": ["--json"],
}
REPORTS = ("portfolio", "at-risk", "renewals", "csm", "segments", "trend", "churn-risk",
           "history", "digest")  # fmt: skip
# Commands that write, run commands, or need no client: checked elsewhere.
NOT_READS = {
    "alerts dismiss", "alerts snooze", "alerts wake", "api-keys create", "api-keys revoke",
    "automations run", "backup", "clients add", "clients remove", "clients rename",
    "config alerts set", "config cadence set", "config csat", "config currency set",
    "config import",
    "config profiles delete", "config profiles set", "config renewal-windows set",
    "config signals set", "config thresholds set", "config weights set", "connections add",
    "connections remove", "connections test", "contacts add", "contacts edit",
    "contacts remove", "customers archive", "customers delete", "customers edit",
    "customers export-record", "customers restore", "customers trash", "customers unarchive",
    "db upgrade", "demo", "email", "fields add", "fields remove", "fields set", "import csv",
    "import events", "import history", "leads add", "leads edit", "leads promote", "log",
    "meeting", "opportunities add", "opportunities close", "opportunities edit",
    "outbox retry", "owners set", "playbooks add", "playbooks cancel", "playbooks disable",
    "playbooks enable", "playbooks start", "qbr", "report customer", "reports brand set",
    "reports company",
    "reports schedule add", "reports schedule remove", "rescore", "restore", "rules add",
    "rules custom add", "rules disable", "rules edit", "rules enable", "rules remove",
    "rules show", "score", "serve", "smtp set", "smtp test", "tasks add", "tasks done",
    "tasks reopen", "users add", "users assign", "users remove", "users set-role",
    "webhooks set", "webhooks unset", *(f"report {r}" for r in REPORTS),
}  # fmt: skip


def _commands() -> set[str]:
    import typer.main

    from iqcadence.cli.main import app

    found: set[str] = set()

    def walk(command: Any, path: tuple[str, ...] = ()) -> None:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, (*path, name))
        else:
            found.add(" ".join(path))

    walk(typer.main.get_command(app))
    return found


def test_every_command_is_classified() -> None:
    """A new command must say whether it reads (and is checked here)."""
    assert _commands() == set(READS) | NOT_READS


def _clean(text: str, where: str) -> None:
    assert MARK not in text.lower(), f"{where} shows client B's data:\n{text[:2000]}"


@pytest.mark.parametrize("who", [(), ("--as", "ana@example.com")], ids=["admin", "csm"])
def test_no_cli_read_shows_another_clients_data(
    cli: Any, two_clients: None, who: tuple[str, ...], tmp_path: Path
) -> None:
    for command, args in READS.items():
        result = cli(*who, *command.split(), *args)
        assert result.exit_code == 0, (command, result.stderr)
        assert result.stdout.strip(), command
        _clean(result.stdout + result.stderr, command)
    for report in REPORTS:
        _clean(_run(cli, *who, "report", report, "--format", "csv", "--out", "-"), report)
    _clean(_run(cli, *who, "report", "customer", "--customer", "Shared Co", "--format", "csv",
                "--out", "-"), "report customer")  # fmt: skip
    out = tmp_path / "qbr.md"
    _run(cli, *who, "qbr", "Shared Co", "--out", str(out))
    _clean(out.read_text(encoding="utf-8"), "qbr")
    # B's own names and ids are not found from A
    for args in (("customers", "show", "zzb Own Co"), ("timeline", "zzb Own Co"),
                 ("rules", "show", "zzb rule"), ("explain", "zzb Own Co")):  # fmt: skip
        missing = cli(*who, *args)
        assert (
            missing.exit_code == 1
            and "does not exist" in missing.stderr
            or ("no " in missing.stderr.lower())
        ), (args, missing.stderr)
        echoed = missing.stderr.lower().replace(args[-1].lower(), "")  # the name asked for
        _clean(echoed, str(args))


def _b_ids(cli: Any) -> dict[str, int]:
    b = ("--client", B)
    tasks = json.loads(_run(cli, *b, "tasks", "list", "--json", "--status", "all"))
    opps = json.loads(_run(cli, *b, "opportunities", "list", "Shared Co", "--json"))
    runs = json.loads(_run(cli, *b, "playbooks", "runs", "Shared Co", "--json"))
    leads = json.loads(_run(cli, *b, "leads", "list", "--json"))
    schedules = json.loads(_run(cli, *b, "reports", "schedule", "list", "--json"))
    customers = json.loads(_run(cli, *b, "customers", "list", "--json"))
    return {
        "task": tasks[0]["id"],
        "opportunity": opps[0]["id"],
        "run": runs[0]["id"],
        "lead": leads[0]["id"],
        "schedule": schedules[0]["id"],
        "customer": next(c["id"] for c in customers if c["name"] == "Shared Co"),
    }


def test_ids_of_another_client_are_not_found_from_the_cli(cli: Any, two_clients: None) -> None:
    ids = _b_ids(cli)
    before = _run(cli, "--client", B, "backup", "--out", "-")
    for args in (
        ("tasks", "done", str(ids["task"])),
        ("tasks", "reopen", str(ids["task"])),
        ("opportunities", "close", str(ids["opportunity"]), "--won"),
        ("opportunities", "edit", str(ids["opportunity"]), "--amount", "5"),
        ("playbooks", "cancel", str(ids["run"])),
        ("leads", "edit", str(ids["lead"]), "--status", "qualified"),
        ("leads", "promote", str(ids["lead"])),
        ("reports", "schedule", "remove", str(ids["schedule"])),
    ):
        refused = cli(*args)
        assert refused.exit_code in (1, 2), (args, refused.stdout)
        assert refused.exit_code != 4 and "not" in refused.stderr, (args, refused.stderr)
    after = _run(cli, "--client", B, "backup", "--out", "-")
    tables = {k: v for k, v in json.loads(after)["tables"].items() if k != "audit_entry"}
    assert tables == {k: v for k, v in json.loads(before)["tables"].items() if k != "audit_entry"}


def test_backups_hold_every_client_so_only_admins_take_them(cli: Any, two_clients: None) -> None:
    refused = cli("--as", "ana@example.com", "backup", "--out", "-")
    assert refused.exit_code == 4 and "every client" in refused.stderr
    assert cli("--as", "ana@example.com", "backup", "--sqlite", "copy.db").exit_code == 4
    whole = _run(cli, "backup", "--out", "-")  # an admin may act in every client
    assert MARK in whole.lower() and "aaa" in whole.lower()


def test_the_api_of_client_a_never_shows_client_b(api: Api, cli: Any, two_clients: None) -> None:
    ids = _b_ids(cli)
    b_customer = ids["customer"]
    a_customer = json.loads(_run(cli, "customers", "show", "Shared Co", "--json"))["id"]
    responses = [
        api.get("/api-inbound", params={"action": "list_customers", "limit": 500}),
        api.get("/api-inbound", params={"action": "list_customers", "search": "zzb"}),
        api.get("/api-inbound", params={"action": "get_customer", "name": "Shared Co"}),
        api.act("get_customer", {"id": a_customer}),
        api.act("update_health", {"name": "Shared Co", "field": "logins", "value": 3}),
        api.act("upsert_account", {"name": "Shared Co", "nps": 4}),
        api.act("score_customer", {"name": "Shared Co"}),
        api.get("/v1/customers", params={"limit": 500}),
        api.get(f"/v1/customers/{a_customer}"),
        api.request("PATCH", f"/v1/customers/{a_customer}", json={"tickets": 2}),
        api.get("/v1/alerts", params={"include_snoozed": True}),
        api.post("/v1/events", json={"customer": "Shared Co", "title": "Call", "kind": "call"}),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        _clean(response.text, response.request.url.path)
    mine = responses[0].json()
    page = api.get("/v1/customers", params={"limit": 1}).json()
    assert page["total"] == mine["total"] == len(mine["customers"]) == 2  # A's two
    # B's ids and names: 404 (never 403) for every action and route
    for response in (
        api.act("get_customer", {"id": b_customer}),
        api.get("/api-inbound", params={"action": "get_customer", "name": "zzb Own Co"}),
        api.act("update_health", {"id": b_customer, "field": "logins", "value": 3}),
        api.act("upsert_account", {"id": b_customer, "logins": 3}),
        api.act("score_customer", {"id": b_customer}),
        api.act("delete_customer", {"id": b_customer}),
        api.get(f"/v1/customers/{b_customer}"),
        api.request("PUT", f"/v1/customers/{b_customer}", json={"name": "Taken"}),
        api.request("PATCH", f"/v1/customers/{b_customer}", json={"logins": 1}),
        api.request("DELETE", f"/v1/customers/{b_customer}"),
        api.post(f"/v1/customers/{b_customer}/score"),
        api.post("/v1/events", json={"customer_id": b_customer, "title": "x"}),
        api.get("/v1/alerts", params={"customer_id": b_customer}),
    ):
        assert response.status_code == 404, (response.request.url, response.text)
        _clean(response.text.lower().replace("zzb own co", ""), str(response.request.url))
    api.flush()
    _clean(_run(cli, "api", "log", "--json"), "api log")
    shown = json.loads(_run(cli, "--client", B, "customers", "show", "Shared Co", "--json"))
    assert shown["signals"]["logins"] == 1 and shown["status"] == "active"  # B untouched
