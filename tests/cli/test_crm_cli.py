"""CLI: fields, owners, opportunities, leads, myday, brief, email, meeting,
smtp and import events."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.memory_keyring import MemoryKeyring, broken_keyring, memory_keyring  # noqa: F401
from tests.smtp_server import Inbox, smtp_server  # noqa: F401

DATA = Path(__file__).parent.parent / "data"


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def _json(result: Any) -> Any:
    return json.loads(_ok(result).stdout)


def _customers(cli: Any) -> None:
    _ok(cli("score", "Acme", "--logins", "20", "--mrr", "1000", "--renewal", "2026-12-20"))
    _ok(cli("score", "Globex", "--logins", "5"))
    _ok(cli("users", "add", "ana@example.com", "--role", "csm"))
    _ok(cli("users", "add", "vi@example.com", "--role", "viewer"))


def test_fields_flow(cli: Any) -> None:
    _customers(cli)
    _ok(cli("fields", "add", "plan", "--type", "dropdown", "--options", "Gold,Silver"))
    _ok(cli("fields", "add", "kickoff", "--type", "date", "--label", "Kick-off"))
    listed = _json(cli("fields", "list", "--json"))
    assert [(f["key"], f["label"], f["type"]) for f in listed] == [
        ("plan", "Plan", "dropdown"),
        ("kickoff", "Kick-off", "date"),
    ]
    result = cli("fields", "set", "Acme", "plan", "Bronze")
    assert result.exit_code == 2
    assert "plan: 'Bronze' is not one of the options (Gold, Silver)." in result.stderr
    data = _json(cli("fields", "set", "acme", "plan", "gold", "--json"))
    assert data == {"customer": "Acme", "custom_fields": {"plan": "Gold", "kickoff": None}}
    rows = _json(cli("customers", "list", "--where", "plan=GOLD", "--json"))
    assert [r["name"] for r in rows] == ["Acme"]
    bad = cli("customers", "list", "--where", "colour=red")
    assert bad.exit_code == 2 and "custom fields: plan, kickoff" in bad.stderr
    shown = _json(cli("customers", "show", "Acme", "--json"))
    assert shown["custom_fields"] == {"plan": "Gold", "kickoff": None}
    assert shown["open_pipeline"] == {"open_count": 0, "open_amount": 0.0}
    shown_text = _ok(cli("customers", "show", "Acme")).stdout
    assert "Plan " in shown_text and "Kick-off" in shown_text  # labels, not keys
    assert "kickoff" not in shown_text
    _ok(cli("fields", "remove", "plan", "--yes"))
    assert [f["key"] for f in _json(cli("fields", "list", "--json"))] == ["kickoff"]


def test_owners_flow(cli: Any) -> None:
    _customers(cli)
    data = _json(
        cli(
            "owners",
            "set",
            "Acme",
            "--primary",
            "ana@example.com",
            "--observer",
            "vi@example.com",
            "--json",
        )
    )
    assert [(o["email"], o["role"]) for o in data] == [
        ("ana@example.com", "primary"),
        ("vi@example.com", "observer"),
    ]
    assert _json(cli("owners", "list", "acme", "--json")) == data
    assert _json(cli("customers", "show", "Acme", "--json"))["manager"] == "ana"
    viewer = cli("owners", "set", "Acme", "--co", "vi@example.com")
    assert viewer.exit_code == 2 and "can only observe" in viewer.stderr
    unknown = cli("owners", "set", "Acme", "--co", "x@example.com")
    assert unknown.exit_code == 1 and "'x@example.com' is not known" in unknown.stderr
    # the observer cannot edit the account
    denied = cli("--as", "vi@example.com", "opportunities", "add", "Acme", "X", "--amount", "1")
    assert denied.exit_code == 4


def test_opportunities_flow(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:15")
    _customers(cli)
    opp = _json(
        cli(
            "opportunities",
            "add",
            "Acme",
            "Seats",
            "--amount",
            "$12,000",
            "--close",
            "2027-01-15",
            "--json",
        )
    )
    assert (opp["amount"], opp["stage"], opp["open"]) == (12000.0, "discovery", True)
    _ok(cli("opportunities", "add", "Globex", "Pilot", "--amount", "500", "--stage", "proposal"))
    edited = _json(cli("opportunities", "edit", str(opp["id"]), "--stage", "negotiation", "--json"))
    assert edited["stage"] == "negotiation"
    assert _json(cli("customers", "show", "Acme", "--json"))["open_pipeline"] == {
        "open_count": 1,
        "open_amount": 12000.0,
    }
    neither = cli("opportunities", "close", str(opp["id"]))
    assert neither.exit_code == 2
    closed = _json(cli("opportunities", "close", str(opp["id"]), "--won", "--json"))
    assert closed["stage"] == "won" and closed["closed_at"] == "2026-11-27T10:15:00"
    listed = _json(cli("opportunities", "list", "--open", "--json"))
    assert [o["name"] for o in listed] == ["Pilot"]
    assert "1 open" in _ok(cli("opportunities", "list")).stdout


def test_leads_flow(cli: Any) -> None:
    lead = _json(
        cli("leads", "add", "Hooli", "--website", "https://hooli.com", "--notes", "SSO", "--json")
    )
    refused = cli("leads", "promote", str(lead["id"]))
    assert refused.exit_code == 1 and "only a qualified lead" in refused.stderr
    _ok(cli("leads", "edit", str(lead["id"]), "--status", "qualified"))
    customer = _json(cli("leads", "promote", str(lead["id"]), "--json"))
    assert customer["name"] == "Hooli" and customer["domain"] == "hooli.com"
    listed = _json(cli("leads", "list", "--status", "qualified", "--json"))
    assert listed[0]["promoted_to"] == "Hooli"
    edited = _json(cli("leads", "edit", str(lead["id"]), "--notes", "SSO, SCIM", "--json"))
    assert edited["promoted_to"] == "Hooli"
    bad = cli("leads", "add", "Initech", "--email", "a@b")
    assert bad.exit_code == 2 and "email: 'a@b' is not an e-mail address" in bad.stderr
    events = _json(cli("timeline", "Hooli", "--json"))
    assert events[0]["kind"] == "note" and "SSO" in events[0]["body"]


def test_myday_and_brief(cli: Any) -> None:
    _customers(cli)
    _ok(cli("owners", "set", "Acme", "--primary", "ana@example.com"))
    _ok(
        cli(
            "tasks",
            "add",
            "Acme",
            "Prepare QBR",
            "--due",
            "2026-11-27",
            "--owner",
            "ana@example.com",
        )
    )
    day = _json(cli("--as", "ana@example.com", "myday", "--json"))
    assert day["user"] == "ana@example.com" and day["accounts"] == 1
    assert [t["title"] for t in day["tasks"]["due_today"]] == ["Prepare QBR"]
    assert [r["customer"] for r in day["renewals"]] == ["Acme"]
    assert day["kpis"]["total_mrr"] == 1000.0
    text = _ok(cli("--as", "ana@example.com", "myday")).stdout
    assert "My day" in text and "Prepare QBR" in text and "Renewals" in text
    assert "≤ 30 d" in text and "Critical" not in text  # a window, not a band
    assert day["renewals"][0]["window"] == "critical"  # the token stays for scripts
    assert day["renewals"][0]["window_label"] == "≤ 30 d"
    prep = _json(cli("brief", "Acme", "--json"))
    assert prep["renewal"]["days"] == 23
    assert prep["questions"][0]["topic"] == "renewal"
    assert "Questions to ask:" in _ok(cli("brief", "Acme")).stdout


def test_smtp_email_and_meeting(
    cli: Any,
    tmp_path: Path,
    smtp_server: Inbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    _customers(cli)
    _ok(cli("contacts", "add", "Acme", "Jane Doe", "--email", "jane@acme.com"))
    _ok(
        cli(
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            str(smtp_server.port),
            "--user",
            "me",
            "--from",
            "csm@example.com",
            "--no-tls",
            input="pw-123\n",
        )
    )
    assert memory_keyring.store[("iqcadence", "smtp_password")] == "pw-123"
    shown = _json(cli("smtp", "show", "--json"))
    assert shown["password"] == "********" and shown["password_source"] == "keyring"
    assert "pw-123" not in json.dumps(shown)
    # the local test server does not offer AUTH: drop the user for delivery
    _ok(
        cli(
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            str(smtp_server.port),
            "--from",
            "csm@example.com",
            "--no-tls",
        )
    )
    _ok(cli("smtp", "test", "me@example.com"))
    assert smtp_server.messages[-1][1] == ["me@example.com"]

    logged = _json(
        cli(
            "email",
            "Acme",
            "--to",
            "Jane Doe",
            "--subject",
            "Hello",
            "--body",
            "Hi",
            "--send",
            "--json",
        )
    )
    assert logged["sent"] is True and logged["recipients"] == ["jane@acme.com"]
    assert smtp_server.messages[-1][2]["Subject"] == "Hello"

    out = tmp_path / "qbr.ics"
    meeting = _json(
        cli(
            "meeting",
            "Acme",
            "--title",
            "QBR",
            "--at",
            "2026-12-03T15:00",
            "--duration",
            "45m",
            "--with",
            "Jane Doe",
            "--ics",
            str(out),
            "--json",
        )
    )
    assert out.read_bytes().startswith(b"BEGIN:VCALENDAR")
    # a fresh UUID at the organiser's domain, the one in the invite
    assert re.fullmatch(r"[0-9a-f-]{36}@example\.com", meeting["uid"])
    assert f"UID:{meeting['uid']}" in out.read_text() and meeting["sent"] is False
    kinds = [e["kind"] for e in _json(cli("timeline", "Acme", "--json"))]
    assert kinds == ["meeting", "email"]


def test_smtp_without_keyring_says_how_to_fix(cli: Any, broken_keyring: None) -> None:  # noqa: F811
    result = cli(
        "smtp",
        "set",
        "--host",
        "mail.example.com",
        "--user",
        "me",
        "--from",
        "me@example.com",
        input="secret\n",
    )
    assert result.exit_code == 1
    assert "IQCADENCE_SECRET_SMTP_PASSWORD" in result.stderr
    assert _json(cli("smtp", "show", "--json"))["configured"] is False


def test_import_events_calendar(cli: Any) -> None:
    _ok(cli("score", "Acme", "--logins", "10"))
    _ok(cli("contacts", "add", "Acme", "Jane Doe", "--email", "jane@acme.com"))
    _ok(cli("customers", "edit", "Acme", "--set", "domain=acme.com"))
    data = _json(cli("import", "events", str(DATA / "sample_calendar.ics"), "--json"))
    assert [m["customers"] for m in data["matched"]] == [["Acme"]]
    assert len(data["unmatched"]) == 3
    text = _ok(cli("import", "events", str(DATA / "sample_calendar.ics"))).stdout
    assert "unmatched" in text and "0 new" in text


def test_import_events_bad_rows(cli: Any, tmp_path: Path) -> None:
    _ok(cli("score", "Acme", "--logins", "10"))
    bad = tmp_path / "events.csv"
    bad.write_text("customer,kind,title\nAcme,note,ok\nAcme,,\n")
    result = cli("import", "events", str(bad))
    assert result.exit_code == 1
    assert f"{bad}:3: title: must not be empty" in result.stderr
    assert _json(cli("timeline", "Acme", "--json")) == []
    skipped = cli("import", "events", str(bad), "--skip-invalid")
    assert skipped.exit_code == 3
    assert [e["title"] for e in _json(cli("timeline", "Acme", "--json"))] == ["ok"]


def test_meeting_with_an_unwritable_invite_path_logs_nothing(cli: Any, tmp_path: Path) -> None:
    _customers(cli)
    for target in (tmp_path / "missing-dir" / "qbr.ics", tmp_path):
        result = cli(
            "meeting", "Acme", "--title", "QBR", "--at", "2026-12-03T15:00", "--ics", str(target)
        )
        assert result.exit_code == 1 and "cannot write the invite" in result.stderr
    assert not (tmp_path / "missing-dir").exists()
    assert _json(cli("timeline", "Acme", "--kind", "meeting", "--json")) == []


def test_fields_remove_checks_the_field_and_needs_yes_without_a_terminal(cli: Any) -> None:
    _customers(cli)
    _ok(cli("fields", "add", "plan", "--type", "text"))
    _ok(cli("fields", "set", "Acme", "plan", "gold"))
    unknown = cli("fields", "remove", "nope")
    assert unknown.exit_code == 1 and "no custom field named 'nope'" in unknown.stderr
    assert "Aborted" not in unknown.output
    unconfirmed = cli("fields", "remove", "plan")
    assert unconfirmed.exit_code == 2 and "add --yes" in unconfirmed.stderr
    assert [f["key"] for f in _json(cli("fields", "list", "--json"))] == ["plan"]
    viewer = cli("--as", "vi@example.com", "fields", "remove", "plan", "--yes")
    assert viewer.exit_code == 4
    removed = _ok(cli("fields", "remove", "Plan", "--yes"))
    assert "Removed custom field 'plan' (1 value)." in removed.stdout
    assert _json(cli("fields", "list", "--json")) == []


def test_leads_are_found_by_number_or_name(cli: Any) -> None:
    _ok(cli("leads", "add", "Zeta Inc", "--website", "zeta.io"))
    edited = _json(cli("leads", "edit", "zeta inc", "--status", "qualified", "--json"))
    assert edited["status"] == "qualified"
    _ok(cli("leads", "add", "Twin"))
    _ok(cli("leads", "add", "Twin"))
    twins = cli("leads", "edit", "Twin", "--status", "contacted")
    assert twins.exit_code == 2 and "2 leads are named 'Twin' (#" in twins.stderr
    missing = cli("leads", "promote", "Nobody")
    assert missing.exit_code == 1 and "no lead is named 'Nobody'" in missing.stderr
    promoted = _ok(cli("leads", "promote", "Zeta Inc"))
    assert "to customer Zeta Inc" in promoted.stdout
    assert _ok(cli("leads", "edit", "#1", "--notes", "kept")).exit_code == 0


def test_brief_wraps_to_80_columns_with_hanging_indents(cli: Any, monkeypatch: Any) -> None:
    from iqcadence.cli import common
    from iqcadence.cli.myday import wrap_text

    _customers(cli)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr(common, "_console", None)
    lines = _ok(cli("brief", "Acme")).stdout.splitlines()
    assert lines and all(len(line) <= 80 for line in lines)
    item = "  - " + "word " * 30
    assert wrap_text(item.rstrip(), 40).splitlines()[1].startswith("    word")
