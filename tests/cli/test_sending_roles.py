"""Sending is a write: a viewer may look at what is due, but `automations
run`, `connections test` and `smtp test` as a viewer send nothing and change
nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401
from tests.smtp_server import Inbox, smtp_server  # noqa: F401

VIEWER = "viewer@example.com"


# these tests run `automations run` themselves
pytestmark = pytest.mark.usefixtures("no_background_sender")


def queue_two_notifications(cli: Any, url: str) -> None:
    for args in (
        ("connections", "add", "hook", "--webhook", url),
        ("rules", "add", "risk", "--event", "health_below", "--channel", "hook"),
        ("score", "Acme", "--logins", "30", "--adoption", "90", "--tickets", "0", "--nps", "9"),
        ("score", "Acme", "--logins", "1", "--adoption", "5", "--tickets", "5", "--nps", "2"),
        ("users", "add", VIEWER, "--role", "viewer"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr


def test_a_viewer_cannot_send_but_may_look(
    cli: Any,
    httpserver: HTTPServer,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    queue_two_notifications(cli, httpserver.url_for("/hook"))
    before = json.loads(cli("outbox", "list", "--json").stdout)
    assert before and {e["status"] for e in before} == {"pending"}

    refused = cli("--as", VIEWER, "automations", "run", "--json")
    assert refused.exit_code == 4
    assert f"{VIEWER} is a viewer and cannot send notifications" in refused.stderr
    assert refused.stdout == ""
    assert httpserver.log == []
    assert json.loads(cli("outbox", "list", "--json").stdout) == before

    looked = cli("--as", VIEWER, "automations", "run", "--dry-run", "--json")
    assert looked.exit_code == 0, looked.stderr
    assert len(json.loads(looked.stdout)["due"]) == len(before)
    assert httpserver.log == []

    sent = cli("automations", "run", "--json")
    assert sent.exit_code == 0 and json.loads(sent.stdout)["sent"] == len(before)
    assert len(httpserver.log) == len(before)


def test_a_viewer_cannot_send_test_messages(
    cli: Any,
    httpserver: HTTPServer,
    smtp_server: Inbox,  # noqa: F811
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    httpserver.expect_request("/hook").respond_with_data("ok")
    for args in (
        ("connections", "add", "hook", "--webhook", httpserver.url_for("/hook")),
        (
            "smtp",
            "set",
            "--host",
            "127.0.0.1",
            "--port",
            str(smtp_server.port),
            "--from",
            "cs@example.com",
            "--no-tls",
        ),
        ("users", "add", VIEWER, "--role", "viewer"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
    audit_before = cli("audit", "--json").stdout

    for args in (("connections", "test", "hook"), ("smtp", "test", "ops@example.com")):
        refused = cli("--as", VIEWER, *args)
        assert refused.exit_code == 4, args
        assert f"{VIEWER} is a viewer and cannot send" in refused.stderr
    assert httpserver.log == [] and smtp_server.messages == []
    assert cli("audit", "--json").stdout == audit_before

    assert cli("connections", "test", "hook").exit_code == 0
    assert cli("smtp", "test", "ops@example.com").exit_code == 0
    assert len(httpserver.log) == 1 and len(smtp_server.messages) == 1
