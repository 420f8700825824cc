"""Wherever a secret is shown (connections, per-event webhooks, their audit
entries, the SMTP password) it goes through the one mask: no character of
the secret, only the scheme and host of a URL."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core.alerts import connections, webhooks
from iqcadence.core.base.actor import Actor
from iqcadence.core.store import audit, mail
from tests.memory_keyring import MemoryKeyring, memory_keyring  # noqa: F401

SHORT_URL = "http://127.0.0.1:9/x"
TOKEN_URL = "https://hooks.slack.com/services/T000/B000/secret4471"


def test_connections_and_webhooks_show_scheme_and_host_only(
    session: Any,
    actor: Actor,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    connections.add_connection(session, actor, "short", kind="webhook", target=SHORT_URL)
    connections.add_connection(session, actor, "slack", kind="slack", target=TOKEN_URL)
    connections.add_connection(session, actor, "mail", kind="email", target="ops@example.com")
    webhooks.set_webhook(session, actor, "became_at_risk", TOKEN_URL)
    shown = {
        c.name: connections.connection_to_dict(c)["target"]
        for c in connections.list_connections(session, actor.client_id)
    }
    assert shown == {
        "short": "http://127.0.0.1/****",
        "slack": "https://hooks.slack.com/****",
        "mail": "ops@example.com",
    }
    hook = webhooks.list_webhooks(session, actor.client_id)[0]
    assert webhooks.webhook_to_dict(hook)["target"] == "https://hooks.slack.com/****"
    targets = [e.details.get("target") for e in audit.list_entries(session, actor) if e.details]
    assert "http://127.0.0.1/****" in targets and "https://hooks.slack.com/****" in targets
    assert not any("4471" in str(t) or ":9/" in str(t) for t in targets)


def test_targets_stored_with_the_old_mask_are_shown_masked(
    session: Any,
    actor: Actor,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    connection = connections.add_connection(session, actor, "slack", kind="slack", target=TOKEN_URL)
    hook = webhooks.set_webhook(session, actor, "became_at_risk", TOKEN_URL)
    # What earlier versions stored: the last four characters of the URL.
    connection.target = hook.target = "https://hooks.slack.com/****4471"
    session.add_all([connection, hook])
    session.commit()
    assert connections.connection_to_dict(connection)["target"] == "https://hooks.slack.com/****"
    assert webhooks.webhook_to_dict(hook)["target"] == "https://hooks.slack.com/****"


def test_the_smtp_password_shows_no_character(
    session: Any,
    actor: Actor,
    memory_keyring: MemoryKeyring,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mail.save_settings(
        session, actor, mail.validate(host="smtp.example.com", port=587, user="me", sender="a@b.c")
    )
    monkeypatch.setenv(mail.PASSWORD_ENV, "a-long-password-ending-4471")
    assert mail.describe(session, actor.client_id)["password"] == "********"
