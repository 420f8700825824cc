"""Delivery through the outbox against real local servers: payload shapes,
failure injection, exactly-once across re-runs, digests, concurrency."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401
from tests.smtp_server import Inbox, free_port, smtp_server  # noqa: F401

SLACK_TOKEN = "T000/B000/XXXXsecretslacktoken1234"


# these tests run `automations run` themselves
pytestmark = pytest.mark.usefixtures("no_background_sender")


def fast(session: Any, actor: Any, **extra: str) -> None:
    from iqcadence.core.alerts.config import set_alert_config

    values = {"delivery_timeout": "0.3", "delivery_backoff": "60", "delivery_max_attempts": "3"}
    values.update(extra)
    set_alert_config(session, actor, values)


def score(session: Any, actor: Any, name: str, **values: Any) -> Any:
    from iqcadence.core.accounts.customers import apply_changes

    return apply_changes(session, actor, name, values)


def healthy(session: Any, actor: Any, name: str = "Acme", **extra: Any) -> None:
    values = {"logins": 30, "adoption": 90, "tickets": 0, "nps": 9, "days": 1, "mrr": 1000}
    values.update(extra)
    score(session, actor, name, **values)


def crash(session: Any, actor: Any, name: str = "Acme") -> None:
    score(session, actor, name, logins=1, adoption=5, tickets=5, nps=2)


def run(session: Any, actor: Any) -> Any:
    from iqcadence.core.alerts import outbox

    return outbox.run(session, actor)


def entries(session: Any, actor: Any, status: str | None = None) -> list[Any]:
    from iqcadence.core.alerts import outbox

    session.expire_all()
    return outbox.list_entries(session, actor.client_id, status=status)


def test_slack_teams_webhook_payload_shapes(
    session: Any,
    actor: Any,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    from iqcadence.core.alerts import connections, rules

    fast(session, actor)
    for kind in ("slack", "teams", "webhook"):
        httpserver.expect_request(f"/{kind}", method="POST").respond_with_data("ok")
        connections.add_connection(
            session, actor, kind, kind=kind, target=httpserver.url_for(f"/{kind}")
        )
    healthy(session, actor)
    rules.add_rule(
        session, actor, "risk", events=["health_below:50"], channels=["slack", "teams", "webhook"]
    )
    crash(session, actor)
    report = run(session, actor)
    assert report.sent == 3 and report.failed == 0
    bodies = {req.path: (req, json.loads(req.data)) for req, _resp in httpserver.log}
    slack_req, slack = bodies["/slack"]
    assert slack["blocks"][0]["type"] == "header"
    assert "Acme" in slack["text"] and "Health below 50" in slack["text"]
    assert "dropped below 50" in slack["blocks"][1]["text"]["text"]
    key = slack_req.headers["Idempotency-Key"]
    assert key in slack["blocks"][2]["elements"][0]["text"]
    _req, teams = bodies["/teams"]
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["body"][0]["text"].startswith("Acme")
    hook_req, hook = bodies["/webhook"]
    assert hook["idempotency_key"] == hook_req.headers["Idempotency-Key"]
    assert hook["event"]["type"] == "health_below" and hook["event"]["param"] == 50
    assert hook["rule"]["name"] == "risk"
    assert hook["customer"]["name"] == "Acme" and hook["customer"]["score"] < 50
    assert hook["before"]["score"] >= 50 and hook["after"]["score"] < 50
    assert {e.status for e in entries(session, actor)} == {"sent"}
    # a re-run sends nothing more
    assert run(session, actor).sent == 0
    assert len(httpserver.log) == 3


def test_email_channel_through_smtp(
    session: Any,
    actor: Any,
    smtp_server: Inbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    from iqcadence.core.alerts import connections, rules
    from iqcadence.core.store import mail

    mail.save_settings(
        session,
        actor,
        mail.validate(
            host="127.0.0.1",
            port=smtp_server.port,
            user=None,
            sender="alerts@acme-success.com",
            security="none",
            timeout=5,
        ),
    )
    fast(session, actor)
    connections.add_connection(session, actor, "cs mail", kind="email", target="a@x.com, b@x.com")
    healthy(session, actor)
    rules.add_rule(session, actor, "detractors", events=["nps_detractor"], channels=["cs mail"])
    score(session, actor, "Acme", nps=3)
    assert run(session, actor).sent == 1
    (_sender, rcpts, message) = smtp_server.messages[0]
    assert sorted(rcpts) == ["a@x.com", "b@x.com"]
    assert "Acme" in message["Subject"]
    assert message["X-Iqcadence-Key"].strip() == entries(session, actor)[0].idempotency_key
    assert "NPS 3 is now a detractor" in message.get_content()
    assert run(session, actor).sent == 0 and len(smtp_server.messages) == 1


def test_failures_retry_with_backoff_then_succeed_exactly_once(
    engine_db: Any,
    session: Any,
    actor: Any,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from iqcadence.core.alerts import connections, rules

    calls: list[str] = []

    def flaky(request: Request) -> Response:
        calls.append(request.headers["Idempotency-Key"])
        if len(calls) == 1:
            return Response("boom", status=500)
        if len(calls) == 2:
            time.sleep(0.6)  # longer than the 0.3 s timeout
            return Response("late", status=200)
        return Response("ok", status=200)

    httpserver.expect_request("/hook").respond_with_handler(flaky)
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00")
    fast(session, actor, delivery_max_attempts="5")
    connections.add_connection(
        session, actor, "hook", kind="webhook", target=httpserver.url_for("/hook")
    )
    healthy(session, actor)
    rules.add_rule(session, actor, "r", events=["became_at_risk"], channels=["hook"])
    crash(session, actor)

    first = run(session, actor)
    assert (first.sent, first.failed) == (0, 1)
    (entry,) = entries(session, actor)
    assert entry.status == "failed" and entry.last_error == "the endpoint answered HTTP 500."
    assert entry.next_attempt_at.isoformat() == "2026-11-27T10:01:00"
    assert run(session, actor).to_dict()["failed"] == 0  # not due yet: nothing sent
    assert len(calls) == 1

    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:01")
    second = run(session, actor)
    assert second.failed == 1 and "timed out" in second.errors[0]["error"]
    (entry,) = entries(session, actor)
    assert entry.attempts == 2 and entry.next_attempt_at.isoformat() == "2026-11-27T10:03:00"

    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:03")
    assert run(session, actor).sent == 1
    for minute in ("10:05", "11:00", "23:00"):
        monkeypatch.setenv("IQCADENCE_NOW", f"2026-11-27T{minute}")
        assert run(session, actor).sent == 0
    assert len(calls) == 3 and len(set(calls)) == 1  # one key, one success
    (entry,) = entries(session, actor)
    assert entry.status == "sent" and entry.attempts == 3


def test_dead_after_the_limit_and_retry_revives(
    engine_db: Any,
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from iqcadence.core.alerts import connections, outbox, rules
    from iqcadence.core.base.errors import Conflict

    port = free_port()  # nothing listens there: connection refused
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00")
    fast(session, actor, delivery_backoff="1", delivery_max_attempts="2")
    connections.add_connection(
        session, actor, "gone", kind="webhook", target=f"http://127.0.0.1:{port}/x"
    )
    healthy(session, actor)
    rules.add_rule(session, actor, "r", events=["health_below"], channels=["gone"])
    crash(session, actor)
    assert run(session, actor).failed == 1
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00:05")
    assert run(session, actor).dead == 1
    (entry,) = entries(session, actor, "dead")
    assert entry.last_error == "could not connect (refused or unreachable)."
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-28T10:00")
    assert run(session, actor).to_dict()["dead"] == 0  # dead stays dead
    assert entry.id is not None
    outbox.retry(session, actor, entry.id)
    (entry,) = entries(session, actor, "pending")
    assert entry.attempts == 0
    with pytest.raises(Conflict):
        outbox.retry(session, actor, entry.id)


def test_per_event_webhook_and_scope(
    session: Any,
    actor: Any,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    from iqcadence.core.alerts import connections, rules, webhooks

    httpserver.expect_request("/zap").respond_with_data("ok")
    httpserver.expect_request("/sarah").respond_with_data("ok")
    fast(session, actor)
    webhooks.set_webhook(session, actor, "rapid_score_drop:20", httpserver.url_for("/zap"))
    connections.add_connection(
        session, actor, "sarah", kind="webhook", target=httpserver.url_for("/sarah")
    )
    rules.add_rule(
        session,
        actor,
        "mine",
        events=["rapid_score_drop:20"],
        channels=["sarah"],
        scope="manager:Sarah",
    )
    healthy(session, actor, "Hers", manager="sarah")
    healthy(session, actor, "His", manager="Miguel")
    crash(session, actor, "Hers")
    crash(session, actor, "His")
    assert run(session, actor).sent == 3
    paths = sorted(req.path for req, _ in httpserver.log)
    assert paths == ["/sarah", "/zap", "/zap"]
    zap = [json.loads(req.data) for req, _ in httpserver.log if req.path == "/zap"]
    assert {z["customer"]["name"] for z in zap} == {"Hers", "His"}
    assert all(z["rule"] is None and z["event"]["type"] == "rapid_score_drop" for z in zap)
    sarah = [json.loads(req.data) for req, _ in httpserver.log if req.path == "/sarah"]
    assert sarah[0]["customer"]["name"] == "Hers"


def test_daily_digest_assembled_at_its_time(
    engine_db: Any,
    session: Any,
    actor: Any,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from iqcadence.core.alerts import connections, rules

    httpserver.expect_request("/d").respond_with_data("ok")
    fast(session, actor)
    connections.add_connection(session, actor, "d", kind="slack", target=httpserver.url_for("/d"))
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T07:00")
    healthy(session, actor, "One")
    healthy(session, actor, "Two")
    rules.add_rule(
        session, actor, "morning", events=["became_at_risk"], channels=["d"], schedule="daily@09:00"
    )
    crash(session, actor, "One")
    crash(session, actor, "Two")
    assert {e.status for e in entries(session, actor)} == {"held"}
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T08:59")
    assert run(session, actor).sent == 0
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T09:00")
    report = run(session, actor)
    assert (report.digests, report.sent) == (1, 1)
    body = json.loads(httpserver.log[0][0].data)
    assert body["text"].startswith("Daily digest: morning — 2 notification(s)")
    assert "One" in body["blocks"][1]["text"]["text"] and "Two" in body["blocks"][1]["text"]["text"]
    assert {e.status for e in entries(session, actor, "digested")} == {"digested"}
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T09:30")
    assert run(session, actor).digests == 0 and len(httpserver.log) == 1


def test_custom_rule_fires_when_it_becomes_true(
    engine_db: Any,
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    from iqcadence.core.alerts import connections, rules
    from iqcadence.core.base.errors import InvalidValue

    connections.add_connection(session, actor, "h", kind="webhook", target="http://127.0.0.1:9/h")
    healthy(session, actor, "Ent", tier="enterprise")
    crash(session, actor, "Already")  # true before the rule exists: no news
    score(session, actor, "Already", tier="enterprise")
    rules.add_custom_rule(
        session,
        actor,
        "ent risk",
        channels=["h"],
        conditions=["score < 40 and tier = enterprise", "tags contains vip"],
    )
    score(session, actor, "Already", tickets=4)  # still true: nothing
    assert entries(session, actor) == []
    crash(session, actor, "Ent")  # becomes true
    assert [e.customer_name for e in entries(session, actor)] == ["Ent"]
    score(session, actor, "Ent", tickets=4)  # stays true: nothing more
    assert len(entries(session, actor)) == 1
    healthy(session, actor, "Ent")  # false again
    crash(session, actor, "Ent")  # true again: fires again
    assert len(entries(session, actor)) == 2
    score(session, actor, "Tagged", tags="vip", logins=30)  # second OR group, new customer
    assert [e.customer_name for e in entries(session, actor)][0] == "Tagged"
    with pytest.raises(InvalidValue, match="--or #1"):
        rules.add_custom_rule(
            session, actor, "bad", channels=["h"], conditions=["score < 40", "tier = huge"]
        )
    with pytest.raises(InvalidValue, match="--when"):
        rules.add_custom_rule(session, actor, "bad", channels=["h"], conditions=["score <"])


def test_time_alone_fires_no_contact_once_per_crossing(
    engine_db: Any,
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from iqcadence.core.alerts import connections, rules

    connections.add_connection(session, actor, "h", kind="webhook", target="http://127.0.0.1:9/h")
    rules.add_rule(session, actor, "quiet", events=["no_contact:14"], channels=["h"])
    healthy(session, actor, "Acme", days=10)
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-01")  # 14 days: not yet
    from iqcadence.core.alerts import engine

    engine.sweep(session, actor.client_id)
    session.commit()
    assert entries(session, actor) == []
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-02")  # 15 days
    engine.sweep(session, actor.client_id)
    engine.sweep(session, actor.client_id)
    session.commit()
    (entry,) = entries(session, actor)
    assert entry.event == "no_contact" and entry.event_at.isoformat() == "2026-12-02T00:00:00"
    monkeypatch.setenv("IQCADENCE_TODAY", "2026-12-09")
    engine.sweep(session, actor.client_id)
    session.commit()
    assert len(entries(session, actor)) == 1


def test_rules_never_affect_each_other(
    session: Any,
    actor: Any,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    from iqcadence.core.alerts import connections, rules
    from iqcadence.core.base.errors import Conflict

    connections.add_connection(session, actor, "h", kind="webhook", target="http://127.0.0.1:9/h")
    a = rules.add_rule(session, actor, "A", events=["health_below:50"], channels=["h"])
    before = rules.rule_to_dict(a)
    b = rules.add_rule(
        session, actor, "B", events=["health_below:30", "became_at_risk"], channels=["h"]
    )
    rules.edit_rule(session, actor, "B", schedule="weekly@mon-08:30", scope="manager:Aiko")
    rules.set_enabled(session, actor, "B", False)
    rules.remove_rule(session, actor, "B")
    session.refresh(a)
    assert rules.rule_to_dict(a) == before
    assert b.name == "B"
    with pytest.raises(Conflict):
        rules.add_rule(session, actor, "a", events=["became_at_risk"], channels=["h"])
    with pytest.raises(Conflict):
        connections.remove_connection(session, actor, "h")  # rule A uses it
    healthy(session, actor)
    rules.set_enabled(session, actor, "A", False)
    crash(session, actor)
    assert entries(session, actor) == []  # a disabled rule sends nothing


def test_two_runs_at_once_send_each_notification_once(
    db_path: Path, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two `automations run` processes on one database file."""
    from iqcadence.core.accounts.customers import apply_changes
    from iqcadence.core.alerts import rules
    from iqcadence.core.alerts.config import set_alert_config
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.models.alerts import Connection
    from iqcadence.core.store.users import resolve_actor

    def slow(request: Request) -> Response:
        time.sleep(0.02)
        return Response("ok")

    httpserver.expect_request("/c").respond_with_handler(slow)
    url = httpserver.url_for("/c")
    monkeypatch.setenv("IQCADENCE_SECRET_CONNECTION_C", url)
    database = open_database(resolve_location(db_path))
    with database.session() as session:
        actor = resolve_actor(session)
        set_alert_config(session, actor, {"delivery_timeout": "5"})
        session.add(
            Connection(
                client_id=1,
                name="c",
                name_key="c",
                kind="webhook",
                target="masked",
                keyring_name="connection_c",
            )
        )
        session.commit()
        for i in range(6):
            apply_changes(
                session, actor, f"C{i}", {"logins": 30, "adoption": 90, "tickets": 0, "nps": 9}
            )
        rules.add_rule(session, actor, "r", events=["health_below:50"], channels=["c"])
        for i in range(6):
            apply_changes(
                session, actor, f"C{i}", {"logins": 0, "adoption": 0, "tickets": 5, "nps": 0}
            )
    database.dispose()
    env = {**__import__("os").environ, "IQCADENCE_SECRET_CONNECTION_C": url}
    command = [
        sys.executable,
        "-m",
        "iqcadence",
        "--db",
        str(db_path),
        "automations",
        "run",
        "--json",
    ]
    procs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err.decode()
    sent = [json.loads(out)["sent"] for out, _ in outputs]
    assert sum(sent) == 6
    keys = [req.headers["Idempotency-Key"] for req, _ in httpserver.log]
    assert len(keys) == 6 and len(set(keys)) == 6
