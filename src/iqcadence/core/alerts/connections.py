"""Saved channels (Slack, Teams, email, generic webhook) and how a
notification is rendered and sent on each.

Webhook URLs carry tokens, so they go to the keyring (`core.secrets`, with
the `IQCADENCE_SECRET_<NAME>` override for CI) and the database keeps only a
masked form; errors never quote a URL. Shapes sent:

* Slack: `{"text": title, "blocks": [header, section (mrkdwn lines), context (key)]}`
* Teams: a message with one Adaptive Card (title, lines, a small key line)
* webhook: the notification's JSON data (event, rule, customer, before,
  after, `idempotency_key`), as is
* email: a plain-text message; `X-Iqcadence-Key` header and a Message-ID made
  from the key, so a receiving system can drop a duplicate

Every HTTP request carries the `Idempotency-Key` header.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, IQError, NotFound
from iqcadence.core.store import audit, secrets
from iqcadence.core.store.models.alerts import AlertRule, Connection, EventWebhook

KINDS: tuple[str, ...] = ("slack", "teams", "email", "webhook")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,47}$")
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")


class DeliveryFailed(IQError):
    """One attempt to send failed; the message never contains a secret."""


@dataclass(frozen=True)
class Notification:
    """What is sent, whatever the channel: a title, plain lines, the data."""

    key: str
    title: str
    lines: list[str]
    data: dict[str, Any]

    @classmethod
    def from_payload(cls, key: str, payload: Mapping[str, Any]) -> Notification:
        return cls(
            key=key,
            title=str(payload.get("title", "")),
            lines=[str(line) for line in payload.get("lines", [])],
            data=dict(payload.get("data", {})),
        )


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:40] or "x"


def keyring_name_for(client_id: int, prefix: str, name: str) -> str:
    scope = "" if client_id == 1 else f"c{client_id}_"
    return f"{prefix}_{scope}{_slug(name)}"


def shown_target(kind: str, target: str) -> str:
    """What may be shown of a channel's target: e-mail addresses as they are,
    a URL through `secrets.mask` (again, for targets stored by older versions
    with a looser mask)."""
    return target if kind == "email" else secrets.mask(target)


def check_url(url: str, what: str) -> str:
    value = url.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidValue(f"{what}: expected an http:// or https:// URL.")
    return value


def parse_addresses(text: str) -> list[str]:
    addresses = [a.strip() for a in re.split(r"[,;]", text) if a.strip()]
    if not addresses:
        raise InvalidValue("--email: give at least one address.")
    for address in addresses:
        if not _EMAIL.match(address):
            raise InvalidValue(f"--email: {address!r} is not an e-mail address.")
    return addresses


# --- saved connections ---------------------------------------------------------------


def list_connections(session: Session, client_id: int) -> list[Connection]:
    return list(
        session.exec(
            select(Connection)
            .where(Connection.client_id == client_id)
            .order_by(col(Connection.name_key))
        ).all()
    )


def find_connection(session: Session, client_id: int, name: str) -> Connection | None:
    return session.exec(
        select(Connection).where(
            Connection.client_id == client_id, Connection.name_key == name_key(name)
        )
    ).first()


def get_connection(session: Session, client_id: int, name: str) -> Connection:
    found = find_connection(session, client_id, name)
    if found is None:
        known = ", ".join(c.name for c in list_connections(session, client_id)) or "none"
        raise NotFound(f"connection {name.strip()!r} does not exist (connections: {known}).")
    return found


def check_connection_name(name: str) -> str:
    """A connection's name with its spaces collapsed, if it is one iqcadence accepts."""
    display = " ".join(name.split())
    if not _NAME.match(display):
        raise InvalidValue(
            f"connection name {name!r}: use 1–48 letters, digits, spaces, '.', '_' or '-'."
        )
    return display


def add_connection(
    session: Session, actor: Actor, name: str, *, kind: str, target: str
) -> Connection:
    """Save a channel. The URL of a Slack/Teams/webhook channel goes to the
    keyring first; nothing is written when the keyring refuses it."""
    actor.require_write("add connections")
    display = check_connection_name(name)
    if kind not in KINDS:
        raise InvalidValue(f"connection kind: {kind!r} is not one of {', '.join(KINDS)}.")
    if find_connection(session, actor.client_id, display) is not None:
        raise Conflict(f"connection {display!r} already exists; remove it first to replace it.")
    connection = Connection(
        client_id=actor.client_id,
        name=display,
        name_key=name_key(display),
        kind=kind,
        created_by=actor.email,
    )
    if kind == "email":
        connection.target = ", ".join(parse_addresses(target))
    else:
        url = check_url(target, f"--{kind}")
        secret = keyring_name_for(actor.client_id, "connection", display)
        clash = session.exec(
            select(Connection).where(
                Connection.client_id == actor.client_id, Connection.keyring_name == secret
            )
        ).first()
        if clash is not None:
            raise Conflict(f"connection name {display!r} is too close to {clash.name!r}.")
        connection.keyring_name = secret
        connection.target = secrets.mask(url)
        secrets.set_secret(secret, url)
    session.add(connection)
    audit.record(
        session,
        actor,
        "connection.add",
        details={"name": display, "kind": kind, "target": connection.target},
    )
    session.commit()
    return connection


def remove_connection(session: Session, actor: Actor, name: str) -> None:
    """Delete a channel and its secret. Rules that use it are refused first."""
    actor.require_write("remove connections")
    connection = get_connection(session, actor.client_id, name)
    users = [
        r.name
        for r in session.exec(select(AlertRule).where(AlertRule.client_id == actor.client_id))
        if connection.name_key in {name_key(c) for c in r.channels}
    ]
    if users:
        raise Conflict(
            f"connection {connection.name!r} is used by rule(s) {', '.join(users)}; "
            "edit or remove them first."
        )
    if connection.keyring_name:
        try:
            secrets.delete_secret(connection.keyring_name)
        except IQError:
            pass  # an env-only secret has nothing in the keyring to delete
    session.delete(connection)
    audit.record(
        session,
        actor,
        "connection.remove",
        details={"name": connection.name, "kind": connection.kind},
    )
    session.commit()


def connection_to_dict(connection: Connection) -> dict[str, Any]:
    """The JSON shape of a connection (never the URL itself)."""
    source = secrets.secret_source(connection.keyring_name) if connection.keyring_name else None
    return {
        "name": connection.name,
        "kind": connection.kind,
        "target": shown_target(connection.kind, connection.target),
        "keyring_entry": connection.keyring_name,
        "env_override": secrets.env_name(connection.keyring_name)
        if connection.keyring_name
        else None,
        "secret_source": source,
        "created_by": connection.created_by,
        "created_at": connection.created_at.isoformat(timespec="seconds"),
    }


# --- rendering -----------------------------------------------------------------------


def slack_body(note: Notification) -> dict[str, Any]:
    return {
        "text": note.title,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": note.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(note.lines) or " "}},
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"iqcadence · key `{note.key}`"}],
            },
        ],
    }


def teams_body(note: Notification) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": note.title,
            "weight": "Bolder",
            "size": "Medium",
            "wrap": True,
        }
    ]
    body += [{"type": "TextBlock", "text": line, "wrap": True} for line in note.lines]
    body.append(
        {
            "type": "TextBlock",
            "text": f"iqcadence · key {note.key}",
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        }
    )
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": body,
                },
            }
        ],
    }


def webhook_body(note: Notification) -> dict[str, Any]:
    return {**note.data, "idempotency_key": note.key}


def email_message(note: Notification, recipients: list[str]) -> Any:
    from email.message import EmailMessage

    message = EmailMessage()
    message["To"] = ", ".join(recipients)
    message["Subject"] = note.title
    message["X-Iqcadence-Key"] = note.key
    digest = hashlib.sha256(note.key.encode()).hexdigest()[:32]
    message["Message-ID"] = f"<{digest}@iqcadence.invalid>"
    message.set_content("\n".join(note.lines) + f"\n\n--\niqcadence · key {note.key}\n")
    return message


# --- sending -------------------------------------------------------------------------


_CLIENT: Any = None


def _client() -> Any:
    """One HTTP client per process: building one loads the CA bundle (slow)."""
    global _CLIENT
    if _CLIENT is None:
        import httpx

        _CLIENT = httpx.Client(follow_redirects=False)
    return _CLIENT


def post_json(url: str, body: Mapping[str, Any], *, key: str, timeout: float) -> None:
    """POST JSON; any non-2xx answer, timeout or network error is a DeliveryFailed
    whose message names the problem but never the URL."""
    import httpx

    try:
        response = _client().post(
            url,
            json=body,
            headers={"Idempotency-Key": key, "User-Agent": "iqcadence"},
            timeout=timeout,
        )
    except httpx.TimeoutException:
        raise DeliveryFailed(f"no answer within {timeout:g} s (timed out).") from None
    except httpx.ConnectError:
        raise DeliveryFailed("could not connect (refused or unreachable).") from None
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"the request failed ({type(exc).__name__}).") from None
    if not 200 <= response.status_code < 300:
        raise DeliveryFailed(f"the endpoint answered HTTP {response.status_code}.")


def _url(keyring_name: str | None, what: str) -> str:
    url = secrets.get_secret(keyring_name) if keyring_name else None
    if not url:
        env = secrets.env_name(keyring_name) if keyring_name else "its variable"
        raise DeliveryFailed(f"{what} has no URL stored (keyring or {env}).")
    return url


def send_to_connection(
    session: Session, connection: Connection, note: Notification, *, timeout: float
) -> None:
    if connection.kind == "email":
        from iqcadence.core.store import mail

        recipients = parse_addresses(connection.target)
        try:
            mail.send_message(
                session, connection.client_id, email_message(note, recipients), timeout=timeout
            )
        except IQError as exc:
            raise DeliveryFailed(str(exc)) from None
        return
    url = _url(connection.keyring_name, f"connection {connection.name!r}")
    body = {
        "slack": slack_body,
        "teams": teams_body,
        "webhook": webhook_body,
    }[connection.kind](note)
    post_json(url, body, key=note.key, timeout=timeout)


class KindSender(Protocol):
    def __call__(
        self, session: Session, client_id: int, note: Notification, *, timeout: float
    ) -> None: ...


# Outbox rows of kinds that live above alerts (a scheduled report is rendered
# by `core.reports`): their senders are registered by `runtime.wiring`.
_KIND_SENDERS: dict[str, KindSender] = {}


def register_sender(kind: str, sender: KindSender) -> None:
    """Deliver outbox rows of `kind` with `sender` (registered once, at start)."""
    _KIND_SENDERS[kind] = sender


def send(
    session: Session, client_id: int, channel: str, kind: str, note: Notification, *, timeout: float
) -> None:
    """Send one notification to a channel by name (`webhook:EVENT` for the
    per-event webhooks), or by the sender registered for its kind."""
    if kind in _KIND_SENDERS:
        _KIND_SENDERS[kind](session, client_id, note, timeout=timeout)
        return
    if kind == "report":
        raise RuntimeError(
            "no sender is registered for scheduled reports: "
            "iqcadence.core.runtime.wiring.install() was not called."
        )
    if kind == "event_webhook":
        event = channel.removeprefix("webhook:")
        hook = session.exec(
            select(EventWebhook).where(
                EventWebhook.client_id == client_id, EventWebhook.event == event
            )
        ).first()
        if hook is None:
            raise DeliveryFailed(f"the {event} webhook was removed.")
        post_json(
            _url(hook.keyring_name, f"the {event} webhook"),
            webhook_body(note),
            key=note.key,
            timeout=timeout,
        )
        return
    connection = find_connection(session, client_id, channel)
    if connection is None:
        raise DeliveryFailed(f"connection {channel!r} no longer exists.")
    send_to_connection(session, connection, note, timeout=timeout)


def test_connection(
    session: Session, actor: Actor, name: str, *, timeout: float | None = None
) -> str:
    """Send a test message now (not through the outbox); raises DeliveryFailed.
    Sending is a write, so a viewer may not."""
    from iqcadence.core.alerts.config import load_alert_config

    actor.require_write("send test messages")
    connection = get_connection(session, actor.client_id, name)
    moment = clock.now()
    note = Notification(
        key=f"test.{connection.name_key}.{moment.isoformat()}",
        title=f"iqcadence test message for {connection.name}",
        lines=[f"Sent by {actor.email} at {moment.isoformat(timespec='seconds')} UTC."],
        data={"event": {"type": "test", "at": moment.isoformat()}, "connection": connection.name},
    )
    seconds = timeout or load_alert_config(session, actor.client_id).delivery_timeout
    send_to_connection(session, connection, note, timeout=seconds)
    audit.record(session, actor, "connection.test", details={"name": connection.name})
    session.commit()
    return shown_target(connection.kind, connection.target)
