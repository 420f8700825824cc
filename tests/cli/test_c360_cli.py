"""CLI: contacts, log, timeline, tasks and playbooks — output, JSON shapes,
exit codes and that bad input changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "playbooks"


@pytest.fixture
def acme(cli: Any) -> Any:
    result = cli("score", "Acme", "--logins", "20", "--adoption", "50", "--days", "30")
    assert result.exit_code == 0, result.output
    return cli


def test_contacts_round_trip(acme: Any) -> None:
    cli = acme
    r = cli("contacts", "add", "Acme", "Ana Ruiz", "--role", "champion", "--email", "ana@a.test")
    assert r.exit_code == 0, r.output
    assert "Added contact Ana Ruiz to Acme." in r.stdout
    r = cli("contacts", "edit", "Acme", "ana ruiz", "--phone", "555", "--role", "billing")
    assert r.exit_code == 0, r.output
    r = cli("contacts", "list", "Acme", "--json")
    (row,) = json.loads(r.stdout)
    assert set(row) == {
        "id",
        "name",
        "role",
        "email",
        "phone",
        "last_contact",
        "days_since_contact",
        "events_90d",
        "health_score",
        "health",
    }
    assert (row["name"], row["role"], row["phone"], row["health"]) == (
        "Ana Ruiz",
        "billing",
        "555",
        None,
    )
    r = cli("contacts", "add", "Acme", "Other", "--email", "ANA@a.test")
    assert r.exit_code == 1 and "already belongs to 'Ana Ruiz'" in r.stderr
    r = cli("contacts", "add", "Acme", "Other", "--role", "boss")
    assert r.exit_code == 2 and "role: 'boss' is not one of" in r.stderr
    assert len(json.loads(cli("contacts", "list", "Acme", "--json").stdout)) == 1
    r = cli("contacts", "remove", "Acme", "Ana Ruiz")
    assert r.exit_code == 0
    assert json.loads(cli("contacts", "list", "Acme", "--json").stdout) == []
    assert "No contacts yet." in cli("contacts", "list", "Acme").stdout


def test_log_resets_decay_and_timeline_lists_newest_first(acme: Any) -> None:
    cli = acme
    cli("contacts", "add", "Acme", "Ana")
    r = cli("log", "Acme", "--kind", "note", "--title", "Old note", "--at", "2026-10-01")
    assert r.exit_code == 0, r.output
    r = cli("log", "Acme", "--kind", "call", "--title", "Check-in", "--contact", "Ana", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["contact_reset"] is True and data["created"] is True
    assert (data["kind"], data["contact"], data["author"]) == ("call", "Ana", "admin@example.com")
    r = cli("timeline", "Acme", "--json")
    kinds = [e["kind"] for e in json.loads(r.stdout)]
    assert kinds[-1] == "note" and "call" in kinds
    r = cli("timeline", "Acme", "--kind", "note", "--since", "90d", "--json")
    assert [e["title"] for e in json.loads(r.stdout)] == ["Old note"]
    r = cli("timeline", "Acme", "--since", "7d", "--kind", "note", "--json")
    assert json.loads(r.stdout) == []
    r = cli("timeline", "Acme", "--contact", "Ana", "--json")
    assert [e["title"] for e in json.loads(r.stdout)] == ["Check-in"]
    r = cli("timeline", "Acme")
    assert r.exit_code == 0 and "Check-in" in r.stdout and "Old note" in r.stdout


def test_log_dedupes_by_source_and_external_id(acme: Any) -> None:
    cli = acme
    args = ("log", "Acme", "--kind", "ticket", "--title", "SSO", "--source", "zd")
    first = json.loads(cli(*args, "--external-id", "7", "--json").stdout)
    again = json.loads(cli(*args, "--external-id", "7", "--json").stdout)
    assert first["created"] and not again["created"] and not again["updated"]
    assert again["id"] == first["id"]
    solved = json.loads(cli(*args, "--external-id", "7", "--status", "solved", "--json").stdout)
    assert solved["updated"] and solved["status"] == "solved"
    tickets = json.loads(cli("timeline", "Acme", "--kind", "ticket", "--json").stdout)
    assert len(tickets) == 1


def test_log_refuses_bad_input(acme: Any) -> None:
    cli = acme
    for args, message in (
        (("--kind", "fax", "--title", "x"), "kind: 'fax' is not one of email, meeting"),
        (("--kind", "note", "--title", "x", "--at", "soon"), "at: 'soon' is not a date"),
        (("--kind", "note", "--title", "x", "--contact", "Zed"), "contact 'Zed' does not exist"),
        (("--kind", "ticket", "--title", "x", "--status", "lost"), "status: 'lost'"),
    ):
        r = cli("log", "Acme", *args)
        assert r.exit_code in (1, 2), args
        assert message in r.stderr, r.stderr
    assert json.loads(cli("timeline", "Acme", "--json").stdout) == []
    r = cli("timeline", "Acme", "--since", "lately")
    assert r.exit_code == 2 and "--since" in r.stderr


def test_tasks_commands(acme: Any) -> None:
    cli = acme
    r = cli("tasks", "add", "Acme", "Send deck", "--due", "2026-11-20", "--json")
    assert r.exit_code == 0, r.output
    task = json.loads(r.stdout)
    assert (task["title"], task["due"], task["overdue"], task["owner"]) == (
        "Send deck",
        "2026-11-20",
        True,
        "admin@example.com",
    )
    cli("tasks", "add", "Acme", "Plan QBR", "--due", "2026-12-01", "--owner", "jo@x.test")
    overdue = json.loads(cli("tasks", "list", "--due", "overdue", "--json").stdout)
    assert [t["title"] for t in overdue] == ["Send deck"]
    mine = json.loads(cli("tasks", "list", "--mine", "--json").stdout)
    assert [t["title"] for t in mine] == ["Send deck"]
    week = json.loads(cli("tasks", "list", "--due", "week", "--customer", "acme", "--json").stdout)
    assert [t["title"] for t in week] == ["Plan QBR"]
    r = cli("tasks", "done", str(task["id"]), "--outcome", "Sent")
    assert r.exit_code == 0 and "done" in r.stdout
    events = json.loads(cli("timeline", "Acme", "--kind", "task", "--json").stdout)
    assert [(e["title"], e["body"]) for e in events] == [("Send deck", "Sent")]
    r = cli("tasks", "done", str(task["id"]))
    assert r.exit_code == 1 and "already done" in r.stderr
    r = cli("tasks", "reopen", str(task["id"]), "--json")
    assert json.loads(r.stdout)["status"] == "open"
    r = cli("tasks", "list", "--due", "someday")
    assert r.exit_code == 2 and "--due: 'someday'" in r.stderr
    r = cli("tasks", "done", "999")
    assert r.exit_code == 1 and "task 999 does not exist" in r.stderr
    assert "Send deck" in cli("tasks", "list").stdout


def test_playbooks_commands(acme: Any, tmp_path: Path) -> None:
    cli = acme
    r = cli("playbooks", "add", str(EXAMPLES / "renewal-prep.toml"))
    assert r.exit_code == 0, r.output
    assert "Saved playbook Renewal prep: 5 steps" in r.stdout
    r = cli("playbooks", "add", str(EXAMPLES / "renewal-prep.toml"))
    assert r.exit_code == 1 and "use --replace" in r.stderr
    assert cli("playbooks", "add", str(EXAMPLES / "renewal-prep.toml"), "--replace").exit_code == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "Bad"\ntrigger = "scor < 1"\n[[steps]]\ntitle = "x"\n')
    r = cli("playbooks", "add", str(bad))
    assert r.exit_code == 2
    assert "bad.toml: trigger condition: unknown field 'scor' at column 1" in r.stderr
    listed = json.loads(cli("playbooks", "list", "--json").stdout)
    assert [p["name"] for p in listed] == ["Renewal prep"]
    assert listed[0]["trigger"].startswith("renewal_within <= 90")
    r = cli("playbooks", "start", "renewal prep", "Acme", "--json")
    assert r.exit_code == 0, r.output
    run = json.loads(r.stdout)
    assert (run["playbook"], run["customer"], run["status"], run["tasks_total"]) == (
        "Renewal prep",
        "Acme",
        "active",
        5,
    )
    r = cli("playbooks", "start", "Renewal prep", "Acme")
    assert r.exit_code == 1 and "already running" in r.stderr
    runs = json.loads(cli("playbooks", "runs", "Acme", "--json").stdout)
    assert [r_["id"] for r_ in runs] == [run["id"]]
    assert "Renewal prep" in cli("playbooks", "runs").stdout
    r = cli("playbooks", "cancel", str(run["id"]))
    assert r.exit_code == 0
    cancelled = json.loads(cli("playbooks", "runs", "--status", "cancelled", "--json").stdout)
    assert cancelled[0]["status"] == "cancelled"
    assert json.loads(cli("tasks", "list", "--customer", "Acme", "--json").stdout) == []
    assert "disabled" in cli("playbooks", "disable", "renewal prep").stdout
    assert json.loads(cli("playbooks", "list", "--json").stdout)[0]["enabled"] is False
    assert cli("playbooks", "enable", "Renewal prep").exit_code == 0
    assert cli("playbooks", "enable", "Nope").exit_code == 1


def test_trigger_from_score_command(acme: Any) -> None:
    cli = acme
    assert cli("playbooks", "add", str(EXAMPLES / "rescue-at-risk.toml")).exit_code == 0
    cli("score", "Acme", "--logins", "0", "--adoption", "5", "--days", "170")
    runs = json.loads(cli("playbooks", "runs", "Acme", "--json").stdout)
    assert len(runs) == 1 and runs[0]["trigger"] != "manual"
    cli("score", "Acme", "--adoption", "4")
    assert len(json.loads(cli("playbooks", "runs", "Acme", "--json").stdout)) == 1
    changes = json.loads(cli("timeline", "Acme", "--kind", "health_change", "--json").stdout)
    # 62.5 (watch) → 3.0 (critical); the second score stays critical
    moves = [(c["properties"]["from"], c["properties"]["to"]) for c in changes]
    assert moves == [("watch", "critical")]
