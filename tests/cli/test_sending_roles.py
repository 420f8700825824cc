"""Sending notifications is a write: a viewer may look at what is due, but
`automations run` as a viewer sends nothing and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401

VIEWER = "viewer@example.com"


@pytest.fixture(autouse=True)
def no_background_sender(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests run `automations run` themselves."""
    monkeypatch.setenv("IQCADENCE_SEND_ON_CHANGE", "0")


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
