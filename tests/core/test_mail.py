"""Mail: SMTP settings, delivery to a real local server, reasons on failure."""

from __future__ import annotations

import re
from typing import Any

import pytest

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, NotFound
from iqcadence.core.store import audit, mail, settings
from iqcadence.core.store.secrets import SecretStoreUnavailable
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
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T09:30")
    smtp = _configure(session, actor, smtp_server.port)
    message = mail.new_message(
        smtp, to=["jane@acme.com"], subject="Renewal", body="Hello Jane,\nsee you soon."
    )
    mail.send_message(session, actor.client_id, message)
    assert len(smtp_server.messages) == 1
    sender, rcpts, got = smtp_server.messages[0]
    assert sender == "csm@acme-success.com" and rcpts == ["jane@acme.com"]
    assert got["Subject"] == "Renewal" and got["Date"] == "Fri, 27 Nov 2026 09:30:00 +0000"
    assert re.fullmatch(r"<[^@<>\s]+@acme-success\.com>", got["Message-ID"])
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
    with pytest.raises(SecretStoreUnavailable) as err:
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


# --- e-mails and invites to contacts, logged on the timeline ---------------------------


def _acme(session: Any, actor: Actor) -> None:
    from iqcadence.core.accounts import contacts, customers

    customers.apply_changes(session, actor, "Acme", {"logins": 10, "days": 40})
    contacts.add_contact(session, actor, "Acme", "Jane Doe", email="jane@acme.com", role="champion")
    contacts.add_contact(session, actor, "Acme", "No Mail")


def test_email_is_delivered_and_logged(
    session: Any,
    actor: Actor,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    from iqcadence.core.accounts import customers, outreach, timeline

    _acme(session, actor)
    _configure(session, actor, smtp_server.port)
    result = outreach.send_email(
        session, actor, "acme", to="Jane Doe", subject="Renewal", body="Hi Jane", send=True
    )
    (_, rcpts, got) = smtp_server.messages[0]
    assert rcpts == ["jane@acme.com"] and got["Subject"] == "Renewal"
    assert got["Reply-To"] == "admin@example.com"
    (event,) = timeline.list_events(session, actor, "Acme", kinds=["email"])
    assert event.id == result.event.id and event.title == "Renewal" and event.body == "Hi Jane"
    assert event.properties["sent"] is True
    assert event.properties["message_id"] == got["Message-ID"]
    assert event.contact_id is not None
    # an e-mail is a contact: days since contact is back to 0
    assert customers.get_customer(session, actor, "Acme").days_baseline == 0


def test_failed_delivery_logs_nothing(
    session: Any,
    actor: Actor,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    from iqcadence.core.accounts import outreach, timeline

    _acme(session, actor)
    smtp_server.refuse.add("jane@acme.com")
    _configure(session, actor, smtp_server.port)
    with pytest.raises(mail.DeliveryError, match="550"):
        outreach.send_email(
            session, actor, "Acme", to="jane@acme.com", subject="x", body="y", send=True
        )
    session.rollback()
    assert timeline.list_events(session, actor, "Acme", kinds=["email"]) == []


def test_meeting_invite_is_sent_and_logged(
    session: Any,
    actor: Actor,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    from icalendar import Calendar

    from iqcadence.core.accounts import outreach, timeline

    _acme(session, actor)
    _configure(session, actor, smtp_server.port)
    result = outreach.schedule_meeting(
        session,
        actor,
        "Acme",
        title="QBR",
        at="2026-12-03T15:00",
        duration="1h",
        with_contacts=["Jane Doe"],
        send=True,
    )
    (_, rcpts, got) = smtp_server.messages[0]
    assert rcpts == ["jane@acme.com"] and got["Subject"] == "Invitation: QBR"
    parts = {part.get_content_type(): part for part in got.walk()}
    calendar_part = parts["text/calendar"]
    assert calendar_part.get_param("method") == "REQUEST"
    event = Calendar.from_ical(calendar_part.get_content()).walk("VEVENT")[0]
    assert str(event["uid"]) == result.uid
    assert event.decoded("dtend").isoformat() == "2026-12-03T16:00:00+00:00"
    (logged,) = timeline.list_events(session, actor, "Acme", kinds=["meeting"])
    assert (logged.source, logged.external_id) == ("ics", result.uid)
    assert logged.properties["attendees"] == ["jane@acme.com"]


def test_meeting_refuses_contacts_without_email(session: Any, actor: Actor) -> None:
    from iqcadence.core.accounts import outreach
    from iqcadence.core.base.errors import InvalidValue

    _acme(session, actor)
    with pytest.raises(InvalidValue, match="contact 'No Mail' has no e-mail"):
        outreach.schedule_meeting(
            session, actor, "Acme", title="x", at="2026-12-03T15:00", with_contacts=["No Mail"]
        )
    with pytest.raises(InvalidValue, match="--duration: 'soon'"):
        outreach.parse_duration("soon")
    assert outreach.parse_duration("1h30m").total_seconds() == 5400


def test_starttls_refused_by_server_is_explained(
    session: Any,
    actor: Actor,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    smtp = mail.validate(
        host="127.0.0.1", port=smtp_server.port, user=None, sender="a@b.com", security="starttls"
    )
    message = mail.new_message(smtp, to=["x@y.com"], subject="s", body="b")
    with pytest.raises(mail.DeliveryError, match=r"STARTTLS.*check --starttls / --ssl"):
        mail.send_with(smtp, message)


def test_silent_server_times_out(session: Any, actor: Actor) -> None:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # accepts the connection, never says hello
        smtp = mail.validate(
            host="127.0.0.1",
            port=listener.getsockname()[1],
            user=None,
            sender="a@b.com",
            security="none",
            timeout=0.3,
        )
        message = mail.new_message(smtp, to=["x@y.com"], subject="s", body="b")
        with pytest.raises(mail.DeliveryError, match=r"did not answer in 0\.3 s"):
            mail.send_with(smtp, message)
