"""Mail: SMTP settings, delivery to a real local server, reasons on failure."""

from __future__ import annotations

from typing import Any

import pytest

from iqcadence.core import audit, mail, settings
from iqcadence.core.errors import InvalidValue, NotFound
from iqcadence.core.users import Actor
from tests.memory_keyring import MemoryKeyring, broken_keyring, memory_keyring  # noqa: F401
from tests.smtp_server import Inbox, free_port, smtp_server  # noqa: F401


def _configure(session: Any, actor: Actor, port: int, **extra: Any) -> mail.SmtpSettings:
    smtp = mail.validate(
        host="127.0.0.1",
        port=port,
        user=extra.get("user"),
        sender="csm@acme-success.com",
        security="none",
        timeout=5,
    )
    return mail.save_settings(session, actor, smtp)


def test_settings_are_validated_and_stored_without_password(
    session: Any,
    actor: Actor,
    memory_keyring: MemoryKeyring,  # noqa: F811
) -> None:
    with pytest.raises(InvalidValue, match="smtp security: 'tls' is not one of starttls"):
        mail.validate(host="h", port=1, user=None, sender="a@b.c", security="tls")
    with pytest.raises(InvalidValue, match="smtp port: 70000"):
        mail.validate(host="h", port=70000, user=None, sender="a@b.c")
    with pytest.raises(InvalidValue, match="smtp from"):
        mail.validate(host="h", port=25, user=None, sender="nobody")
    assert mail.validate(host="h", port="", user=None, sender="a@b.c", security="ssl").port == 465
    _configure(session, actor, 2525, user="me")
    mail.set_password("s3cret-pass")
    block = settings.get_block(session, actor.client_id, "smtp")
    assert block == {
        "host": "127.0.0.1",
        "port": 2525,
        "user": "me",
        "from": "csm@acme-success.com",
        "security": "none",
        "timeout": 5.0,
    }
    shown = mail.describe(session, actor.client_id)
    assert shown["password"] == "********" and shown["password_source"] == "keyring"
    entries = audit.list_entries(session, actor, action="config.smtp")
    assert "s3cret" not in repr([e.details for e in entries])


def test_delivers_to_a_local_server(
    session: Any,
    actor: Actor,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    smtp = _configure(session, actor, smtp_server.port)
    message = mail.new_message(
        smtp, to=["jane@acme.com"], subject="Renewal", body="Hello Jane,\nsee you soon."
    )
    mail.send_message(session, actor.client_id, message)
    assert len(smtp_server.messages) == 1
    sender, rcpts, got = smtp_server.messages[0]
    assert sender == "csm@acme-success.com" and rcpts == ["jane@acme.com"]
    assert got["Subject"] == "Renewal" and got["Message-ID"] and got["Date"]
    assert got.get_content().replace("\r\n", "\n").strip() == "Hello Jane,\nsee you soon."


def test_refused_recipient_carries_the_server_reason(
    session: Any,
    actor: Actor,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    smtp_server.refuse.add("ghost@acme.com")
    smtp = _configure(session, actor, smtp_server.port)
    message = mail.new_message(smtp, to=["ghost@acme.com"], subject="x", body="y")
    with pytest.raises(mail.DeliveryError) as err:
        mail.send_message(session, actor.client_id, message)
    assert "ghost@acme.com (550 5.1.1 mailbox unavailable)" in str(err.value)
    assert smtp_server.messages == []


def test_no_server_listening(session: Any, actor: Actor) -> None:
    smtp = _configure(session, actor, free_port())
    message = mail.new_message(smtp, to=["a@b.com"], subject="x", body="y")
    with pytest.raises(mail.DeliveryError, match=r"SMTP 127\.0\.0\.1:\d+: cannot deliver"):
        mail.send_message(session, actor.client_id, message)


def test_login_without_password_says_how_to_fix(
    session: Any,
    actor: Actor,
    memory_keyring: MemoryKeyring,  # noqa: F811
    smtp_server: Inbox,  # noqa: F811
) -> None:
    smtp = _configure(session, actor, smtp_server.port, user="me")
    message = mail.new_message(smtp, to=["a@b.com"], subject="x", body="y")
    with pytest.raises(mail.DeliveryError, match="IQCADENCE_SMTP_PASSWORD"):
        mail.send_message(session, actor.client_id, message)


def test_missing_keyring_is_reported_with_the_override(
    session: Any,
    actor: Actor,
    broken_keyring: None,  # noqa: F811
) -> None:
    smtp = _configure(session, actor, 2525, user="me")
    message = mail.new_message(smtp, to=["a@b.com"], subject="x", body="y")
    with pytest.raises(Exception) as err:
        mail.send_message(session, actor.client_id, message)
    assert "no usable OS keyring backend" in str(err.value)
    assert "IQCADENCE_SECRET_SMTP_PASSWORD" in str(err.value)


def test_env_password_is_used_for_login(
    session: Any,
    actor: Actor,
    monkeypatch: pytest.MonkeyPatch,
    broken_keyring: None,  # noqa: F811
) -> None:
    monkeypatch.setenv("IQCADENCE_SMTP_PASSWORD", "from-env")
    assert mail.password() == "from-env"
    assert mail.describe(session, actor.client_id)["password_source"] == "IQCADENCE_SMTP_PASSWORD"


def test_unconfigured_is_not_found(session: Any, actor: Actor) -> None:
    with pytest.raises(NotFound, match="iqcadence smtp set"):
        mail.require_settings(session, actor.client_id)
