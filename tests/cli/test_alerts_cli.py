"""The alerts, connections, rules, webhooks, automations and outbox commands;
secrets never reach the database file, JSON output, logs or backups."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401

TOKEN = "T0AAAA/B0BBBB/zz9SuperSecretToken77"


# these tests run `automations run` themselves
pytestmark = pytest.mark.usefixtures("no_background_sender")


def seed(cli: Any) -> None:
    assert (
        cli(
            "score",
            "Acme",
            "--logins",
            "1",
            "--adoption",
            "5",
            "--tickets",
            "5",
            "--nps",
            "2",
            "--days",
            "40",
            "--mrr",
            "2000",
            "--tier",
            "enterprise",
            "--manager",
            "Sarah",
            "--renewal",
            "2026-12-20",
        ).exit_code
        == 0
    )
    assert (
        cli(
            "score",
            "Globex",
            "--logins",
            "25",
            "--adoption",
            "60",
            "--tickets",
            "3",
            "--nps",
            "8",
            "--days",
            "2",
            "--mrr",
            "500",
            "--manager",
            "Miguel",
        ).exit_code
        == 0
    )
    assert (
        cli(
            "score",
            "Initech",
            "--logins",
            "30",
            "--adoption",
            "95",
            "--tickets",
            "0",
            "--nps",
            "10",
            "--days",
            "1",
            "--growth",
            "strong",
            "--mrr",
            "800",
        ).exit_code
        == 0
    )


def test_alerts_list_json_shape_and_filters(cli: Any) -> None:
    seed(cli)
    r = cli("alerts", "list", "--json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    assert {"customer", "category", "severity", "reason", "mrr", "snoozed_until"} <= set(data[0])
    assert data[0]["customer"] == "Acme" and data[0]["severity"] == "critical"
    pairs = {(d["customer"], d["category"]) for d in data}
    assert ("Globex", "tickets") in pairs and ("Initech", "expansion") in pairs
    sarah = json.loads(cli("alerts", "list", "--manager", "Sarah", "--json").stdout)
    assert {d["customer"] for d in sarah} == {"Acme"}
    crit = json.loads(cli("alerts", "list", "--severity", "critical", "--json").stdout)
    assert {d["severity"] for d in crit} == {"critical"}
    one = json.loads(
        cli("alerts", "list", "--customer", "globex", "--category", "tickets", "--json").stdout
    )
    assert [(d["customer"], d["severity"], d["mrr"]) for d in one] == [("Globex", "warning", 500.0)]
    grouped = cli("alerts", "list", "--group-by", "category")
    assert grouped.exit_code == 0 and "Tickets (2)" in grouped.stdout
    bad = cli("alerts", "list", "--severity", "high")
    assert bad.exit_code == 2 and "severity: 'high' is not one of" in bad.stderr


def test_snooze_dismiss_wake_commands(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(cli)
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T12:00")
    r = cli("alerts", "snooze", "globex", "tickets", "--for", "7d")
    assert r.exit_code == 0 and "2026-12-04 12:00" in r.stdout
    assert not any(
        d["customer"] == "Globex" for d in json.loads(cli("alerts", "list", "--json").stdout)
    )
    shown = json.loads(
        cli("alerts", "list", "--include-snoozed", "--customer", "Globex", "--json").stdout
    )
    assert shown[0]["snoozed_until"] == "2026-12-04T12:00"
    monkeypatch.setenv("IQCADENCE_NOW", "2026-12-04T12:00")
    assert any(
        d["customer"] == "Globex" for d in json.loads(cli("alerts", "list", "--json").stdout)
    )
    assert cli("alerts", "dismiss", "Globex", "tickets").exit_code == 0
    assert cli("alerts", "wake", "Globex", "tickets").exit_code == 0
    assert cli("alerts", "snooze", "Globex", "tickets", "--until", "2027-01-01").exit_code == 0
    none = cli("alerts", "dismiss", "Globex", "expansion")
    assert none.exit_code == 1 and "no expansion alert" in none.stderr
    both = cli("alerts", "snooze", "Globex", "tickets", "--for", "1d", "--until", "2027-01-01")
    assert both.exit_code == 2
    audit = json.loads(cli("audit", "--action", "alert", "--json").stdout)
    assert [e["action"] for e in audit].count("alert.snooze") == 2
    assert {"alert.dismiss", "alert.wake"} <= {e["action"] for e in audit}


def test_exposure_and_config(cli: Any) -> None:
    seed(cli)
    data = json.loads(cli("alerts", "exposure", "--json").stdout)
    assert data["total_mrr"] == 2500.0 and data["customers"] == 2
    assert data["by_category"]["tickets"] == {"mrr": 2500.0, "customers": 2}
    r = cli("config", "alerts", "set", "tickets_warning=4", "tickets_critical=6")
    assert r.exit_code == 0, r.stderr
    assert json.loads(cli("alerts", "exposure", "--json").stdout)["total_mrr"] == 2000.0
    show = json.loads(cli("config", "alerts", "show", "--json").stdout)
    assert show["tickets_warning"] == 4 and show["quiet_after"] == 30
    bad = cli("config", "alerts", "set", "tickets_warning=lots")
    assert bad.exit_code == 2 and "alerts.tickets_warning" in bad.stderr
    assert json.loads(cli("config", "alerts", "show", "--json").stdout)["tickets_warning"] == 4


def test_rules_commands(cli: Any, memory_keyring: MemoryKeyring) -> None:  # noqa: F811
    assert cli("connections", "add", "cs", "--webhook", "http://127.0.0.1:9/x").exit_code == 0
    r = cli(
        "rules",
        "add",
        "risk",
        "--event",
        "health_below:40",
        "--event",
        "became_at_risk",
        "--channel",
        "cs",
        "--scope",
        "manager:Sarah",
    )
    assert r.exit_code == 0, r.stderr
    r = cli(
        "rules",
        "custom",
        "add",
        "ent",
        "--when",
        "score < 40 and tier = enterprise",
        "--or",
        "tags contains vip",
        "--channel",
        "cs",
        "--schedule",
        "daily@09:00",
    )
    assert r.exit_code == 0, r.stderr
    rules = json.loads(cli("rules", "list", "--json").stdout)
    assert [r["name"] for r in rules] == ["ent", "risk"]
    risk = json.loads(cli("rules", "show", "risk", "--json").stdout)
    assert risk["schedule"] == "realtime" and risk["scope"] == "manager:Sarah"
    assert [e["label"] for e in risk["events"]] == ["health_below:40", "became_at_risk"]
    assert cli("rules", "disable", "risk").exit_code == 0
    assert json.loads(cli("rules", "show", "risk", "--json").stdout)["enabled"] is False
    assert cli("rules", "edit", "risk", "--schedule", "weekly@mon-08:30").exit_code == 0
    assert (
        json.loads(cli("rules", "show", "risk", "--json").stdout)["schedule"] == "weekly@mon-08:30"
    )
    bad = cli("rules", "custom", "add", "x", "--when", "score <<< 4", "--channel", "cs")
    assert bad.exit_code == 2 and "--when" in bad.stderr
    for args, needle in (
        (("rules", "add", "y", "--event", "health_sideways", "--channel", "cs"), "--event"),
        (("rules", "add", "y", "--event", "became_at_risk", "--channel", "nope"), "connection"),
        (
            (
                "rules",
                "add",
                "y",
                "--event",
                "became_at_risk",
                "--channel",
                "cs",
                "--schedule",
                "hourly",
            ),
            "--schedule",
        ),
        (
            (
                "rules",
                "add",
                "y",
                "--event",
                "became_at_risk",
                "--channel",
                "cs",
                "--scope",
                "team:x",
            ),
            "--scope",
        ),
    ):
        out = cli(*args)
        assert out.exit_code != 0 and needle in out.stderr
    assert [r["name"] for r in json.loads(cli("rules", "list", "--json").stdout)] == ["ent", "risk"]
    assert cli("rules", "remove", "ent").exit_code == 0
    assert [r["name"] for r in json.loads(cli("rules", "list", "--json").stdout)] == ["risk"]


def test_delivery_end_to_end_and_secrets_never_leak(
    cli: Any,
    db_path: Path,
    tmp_path: Path,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    httpserver.expect_request(f"/services/{TOKEN}").respond_with_data("ok")
    httpserver.expect_request(f"/zap/{TOKEN}").respond_with_data("ok")
    slack_url = httpserver.url_for(f"/services/{TOKEN}")
    zap_url = httpserver.url_for(f"/zap/{TOKEN}")
    outputs: list[str] = []

    def run(*args: str) -> Any:
        result = cli(*args)
        outputs.append(result.stdout + result.stderr)
        assert result.exit_code == 0, result.stderr
        return result

    run("connections", "add", "cs-alerts", "--slack", slack_url)
    run("webhooks", "set", "became_at_risk", zap_url)
    listed = json.loads(run("connections", "list", "--json").stdout)
    assert listed[0]["target"] == "http://localhost/****"  # scheme and host, nothing more
    assert listed[0]["env_override"] == "IQCADENCE_SECRET_CONNECTION_CS_ALERTS"
    assert listed[0]["secret_source"] == "keyring"
    assert json.loads(run("webhooks", "list", "--json").stdout)[0]["event"] == "became_at_risk"
    run("connections", "test", "cs-alerts")
    run("rules", "add", "risk", "--event", "health_below", "--channel", "cs-alerts")
    run("score", "Acme", "--logins", "30", "--adoption", "90", "--tickets", "0", "--nps", "9")
    run("score", "Acme", "--logins", "1", "--adoption", "5", "--tickets", "5", "--nps", "2")
    dry = json.loads(run("automations", "run", "--dry-run", "--json").stdout)
    assert len(dry["due"]) == 2
    report = json.loads(run("automations", "run", "--json").stdout)
    assert report["sent"] == 2
    assert json.loads(run("automations", "run", "--json").stdout)["sent"] == 0
    sent = json.loads(run("outbox", "list", "--status", "sent", "--json").stdout)
    assert {e["channel"] for e in sent} == {"cs-alerts", "webhook:became_at_risk"}
    assert len(httpserver.log) == 3  # the test message and two notifications
    again = cli("outbox", "retry", str(sent[0]["id"]))
    assert again.exit_code == 1 and "only failed or dead" in again.stderr
    actions = [e["action"] for e in json.loads(run("audit", "--json", "--limit", "200").stdout)]
    assert "connection.add" in actions and "webhook.set" in actions and "rule.add" in actions
    backup_file = tmp_path / "backup.json"
    run("backup", "--out", str(backup_file))
    backup = json.loads(backup_file.read_text())
    assert "cs-alerts" in json.dumps(backup)  # the connection is backed up, its URL is not
    blobs = [db_path.read_bytes()] + [
        p.read_bytes() for p in db_path.parent.glob(db_path.name + "-wal") if p.exists()
    ]
    blobs.append(backup_file.read_bytes())
    for blob in blobs:
        assert TOKEN.encode() not in blob
    for text in outputs:
        assert TOKEN not in text
    removed = cli("connections", "remove", "cs-alerts")
    assert removed.exit_code == 1 and "used by rule" in removed.stderr
    run("rules", "remove", "risk")
    run("connections", "remove", "cs-alerts")
    assert memory_keyring.store.get(("iqcadence", "connection_cs_alerts")) is None
    run("webhooks", "unset", "became_at_risk")


def test_connection_errors(cli: Any, memory_keyring: MemoryKeyring) -> None:  # noqa: F811
    both = cli("connections", "add", "x", "--slack", "https://a.b/c", "--teams", "https://a.b/c")
    assert both.exit_code == 2
    bad = cli("connections", "add", "x", "--webhook", "ftp://nope")
    assert bad.exit_code == 2 and "http" in bad.stderr
    mail = cli("connections", "add", "x", "--email", "ops@example.com,not-an-address")
    assert mail.exit_code == 2 and "not-an-address" in mail.stderr
    assert json.loads(cli("connections", "list", "--json").stdout) == []
    refused = cli("connections", "add", "dead", "--webhook", "http://127.0.0.1:9/x")
    assert refused.exit_code == 0
    failed = cli("connections", "test", "dead")
    assert failed.exit_code == 1 and "could not connect" in failed.stderr


def test_keyring_unavailable_is_one_sentence(cli: Any) -> None:
    import keyring
    from keyring.backends import fail

    from tests.memory_keyring import broken_keyring  # noqa: F401

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        r = cli("connections", "add", "cs", "--slack", "https://hooks.example.com/x/" + TOKEN)
    finally:
        keyring.set_keyring(previous)
    assert r.exit_code == 1
    assert "IQCADENCE_SECRET_CONNECTION_CS" in r.stderr and TOKEN not in r.stderr
    assert json.loads(cli("connections", "list", "--json").stdout) == []


def test_next_command(cli: Any) -> None:
    seed(cli)
    data = json.loads(cli("next", "Acme", "--json").stdout)
    assert data["rule"] == "renewal_rescue"
    assert data["action"] == "Book an exec check-in before the 2026-12-20 renewal"
    assert "23 days" in data["reason"] and "5 open tickets" in data["reason"]
    calm = json.loads(cli("next", "Initech", "--json").stdout)
    assert calm["rule"] == "expansion_pitch"
    assert cli("next", "Nobody").exit_code == 1


def test_customer_record_carries_its_alerts_and_next_action(cli: Any) -> None:
    seed(cli)
    assert cli("alerts", "snooze", "Acme", "quiet", "--for", "30d").exit_code == 0
    data = json.loads(cli("customers", "show", "Acme", "--json").stdout)
    categories = {a["category"]: a for a in data["alerts"]}
    assert categories["health"]["severity"] == "critical"
    assert categories["quiet"]["snoozed_until"] is not None  # shown, marked snoozed
    assert data["next_action"]["rule"] == "renewal_rescue"


def test_a_change_sends_realtime_notifications_in_the_background(
    cli: Any,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    httpserver.expect_request("/rt").respond_with_data("ok")
    url = httpserver.url_for("/rt")
    monkeypatch.setenv("IQCADENCE_SECRET_CONNECTION_RT", url)  # the runner reads it from here
    assert cli("connections", "add", "rt", "--webhook", url).exit_code == 0
    assert cli("rules", "add", "r", "--event", "became_at_risk", "--channel", "rt").exit_code == 0
    assert cli("score", "Acme", "--logins", "30", "--adoption", "90", "--nps", "9").exit_code == 0
    monkeypatch.setenv("IQCADENCE_SEND_ON_CHANGE", "1")
    started = time.monotonic()
    r = cli("score", "Acme", "--logins", "0", "--adoption", "0", "--nps", "0", "--tickets", "5")
    assert r.exit_code == 0 and time.monotonic() - started < 10  # the command did not wait
    deadline = time.monotonic() + 30
    while not httpserver.log and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(httpserver.log) == 1
    body = json.loads(httpserver.log[0][0].data)
    assert body["event"]["type"] == "became_at_risk" and body["customer"]["name"] == "Acme"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        sent = json.loads(cli("outbox", "list", "--status", "sent", "--json").stdout)
        if sent:
            break
        time.sleep(0.1)
    assert len(sent) == 1
    monkeypatch.setenv("IQCADENCE_SEND_ON_CHANGE", "0")
    assert json.loads(cli("automations", "run", "--json").stdout)["sent"] == 0
