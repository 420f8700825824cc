"""Sending e-mail through the configured SMTP server.

Settings live in the client's settings block `smtp`: host, port, user,
from, security (`starttls` | `ssl` | `none`), timeout (seconds) and, for a
server whose certificate comes from a private CA, `ca_file` (a PEM bundle
trusted instead of the system's; `IQCADENCE_SMTP_CA_FILE` overrides it).
The certificate is always verified. The password is a secret, never in the
block: `IQCADENCE_SMTP_PASSWORD`, else `IQCADENCE_SECRET_SMTP_PASSWORD`,
else the OS keyring entry `smtp_password`.
Every failure (connection, TLS, login, a refused sender or recipient, a
timeout) becomes one `DeliveryError` carrying the server's own reason.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from keyring.errors import KeyringError
from sqlmodel import Session

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, IQError, NotFound
from iqcadence.core.store import keyring_backend, secrets, settings
from iqcadence.core.store.keyring_backend import KeyringBackend

SMTP_KEY = "smtp"
SECURITY: tuple[str, ...] = ("starttls", "ssl", "none")
DEFAULT_PORTS: dict[str, int] = {"starttls": 587, "ssl": 465, "none": 25}
PASSWORD_SECRET = "smtp_password"
PASSWORD_ENV = "IQCADENCE_SMTP_PASSWORD"
CA_FILE_ENV = "IQCADENCE_SMTP_CA_FILE"
DEFAULT_TIMEOUT = 15.0


class DeliveryError(IQError):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    user: str | None = None
    security: str = "starttls"
    timeout: float = DEFAULT_TIMEOUT
    ca_file: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "from": self.sender,
            "security": self.security,
            "timeout": self.timeout,
            **({"ca_file": self.ca_file} if self.ca_file else {}),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SmtpSettings:
        checked = validate(
            host=data.get("host"),
            port=data.get("port"),
            user=data.get("user"),
            sender=data.get("from"),
            security=data.get("security") or "starttls",
            timeout=data.get("timeout"),
        )
        # The CA file was checked when it was set; if it has gone since,
        # sending says so, while showing the settings still works.
        return replace(checked, ca_file=str(data.get("ca_file") or "") or None)


def validate(
    *,
    host: Any,
    port: Any,
    user: Any,
    sender: Any,
    security: Any = "starttls",
    timeout: Any = None,
    ca_file: Any = None,
) -> SmtpSettings:
    """Build settings from loose values, refusing bad ones in one sentence."""
    host_text = str(host or "").strip()
    if not host_text or any(c.isspace() for c in host_text):
        raise InvalidValue(f"smtp host: {host_text!r} is not a host name.")
    security_text = str(security or "starttls").strip().lower()
    if security_text not in SECURITY:
        raise InvalidValue(f"smtp security: {security_text!r} is not one of {', '.join(SECURITY)}.")
    if port is None or str(port).strip() == "":
        port_number = DEFAULT_PORTS[security_text]
    else:
        try:
            port_number = int(str(port).strip())
        except ValueError:
            raise InvalidValue(f"smtp port: {port!r} is not a number.") from None
    if not 0 < port_number < 65536:
        raise InvalidValue(f"smtp port: {port_number} is not between 1 and 65535.")
    sender_text = str(sender or "").strip()
    if "@" not in sender_text:
        raise InvalidValue(f"smtp from: {sender_text!r} is not an e-mail address.")
    seconds = DEFAULT_TIMEOUT if timeout in (None, "") else float(timeout)
    if not 0 < seconds <= 300:
        raise InvalidValue(f"smtp timeout: {seconds:g} is not between 0 and 300 seconds.")
    return SmtpSettings(
        host=host_text,
        port=port_number,
        sender=sender_text,
        user=str(user).strip() or None if user else None,
        security=security_text,
        timeout=seconds,
        ca_file=check_ca_file(ca_file) if ca_file else None,
    )


def check_ca_file(path: Any) -> str:
    """The CA file as an absolute path, once it is known to load as PEM
    certificates."""
    where = Path(str(path)).expanduser().absolute()
    try:
        ssl.create_default_context(cafile=str(where))
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise InvalidValue(
            f"smtp ca file: {where} is not a readable file of PEM certificates ({reason})."
        ) from None
    return str(where)


def load_settings(session: Session, client_id: int) -> SmtpSettings | None:
    block = settings.get_block(session, client_id, SMTP_KEY)
    return SmtpSettings.from_dict(block) if block else None


def require_settings(session: Session, client_id: int) -> SmtpSettings:
    found = load_settings(session, client_id)
    if found is None:
        raise NotFound(
            "no SMTP server is configured; run `iqcadence smtp set --host HOST --port PORT "
            "--user USER --from ADDRESS --starttls`."
        )
    return found


def save_settings(session: Session, actor: Actor, smtp: SmtpSettings) -> SmtpSettings:
    """Store the settings block (admin only; the password is not part of it)."""
    actor.require_admin("configure the SMTP server")
    settings.put_block(session, actor, SMTP_KEY, smtp.to_dict(), action="config.smtp")
    session.commit()
    return smtp


def password() -> str | None:
    """The SMTP password from the environment or the keyring (see module doc)."""
    return secrets.get_secret(PASSWORD_SECRET, also_env=(PASSWORD_ENV,))


def set_password(value: str) -> KeyringBackend | None:
    """Keep the password in the keyring; returns the backend that took it
    (None: the environment already gives it, nothing was stored)."""
    return secrets.set_secret(PASSWORD_SECRET, value)


def password_warning() -> str | None:
    """A warning when the stored password sits in a plain-text keyring file."""
    return secrets.storage_warning(PASSWORD_SECRET, also_env=(PASSWORD_ENV,))


def describe(session: Session, client_id: int) -> dict[str, Any]:
    """The settings for display: the password masked, with where it comes from."""
    found = load_settings(session, client_id)
    source = secrets.secret_source(PASSWORD_SECRET, also_env=(PASSWORD_ENV,))
    try:
        shown = secrets.mask(password())
    except IQError:
        shown = "(keyring unavailable)"
    try:
        backend: KeyringBackend | None = keyring_backend.current()
    except (KeyringError, RuntimeError, OSError):
        backend = None
    return {
        "configured": found is not None,
        **(found.to_dict() if found else {}),
        "password": shown,
        "password_source": source,
        "keyring_backend": backend.name if backend else None,
        "keyring_plaintext": backend.plaintext if backend else None,
    }


def send_test_message(session: Session, actor: Actor, to: str) -> SmtpSettings:
    """`smtp test`: a short message through the configured server. Sending is
    a write, so a viewer may not."""
    actor.require_write("send test messages")
    smtp = require_settings(session, actor.client_id)
    message = new_message(
        smtp,
        to=[to],
        subject="iqcadence SMTP test",
        body=f"This test message was sent by {actor.email} to check the SMTP settings.",
    )
    send_with(smtp, message)
    return smtp


def new_message(
    smtp: SmtpSettings,
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    reply_to: str | None = None,
) -> EmailMessage:
    """A plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    if reply_to:
        message["Reply-To"] = reply_to
    message.set_content(body)
    return message


def send_message(
    session: Session,
    client_id: int,
    message: EmailMessage,
    *,
    timeout: float | None = None,
) -> None:
    """Hand `message` to the configured server; raises DeliveryError with the
    server's reason on any failure. Adds From, Date and Message-ID if missing."""
    smtp = require_settings(session, client_id)
    send_with(smtp, message, timeout=timeout)


def send_with(smtp: SmtpSettings, message: EmailMessage, *, timeout: float | None = None) -> None:
    if not message["From"]:
        message["From"] = smtp.sender
    if not message["Date"]:
        message["Date"] = format_datetime(clock.now().replace(tzinfo=UTC))
    if not message["Message-ID"]:
        message["Message-ID"] = make_msgid(domain=smtp.sender.rsplit("@", 1)[-1])
    if not message["To"] and not message["Cc"] and not message["Bcc"]:
        raise InvalidValue("the message has no recipient (To).")
    secret = password() if smtp.user else None
    if smtp.user and not secret:
        raise DeliveryError(
            f"SMTP user {smtp.user!r} has no password; run `iqcadence smtp set ...` to store it "
            f"in the keyring, or set {PASSWORD_ENV}."
        )
    where = f"SMTP {smtp.host}:{smtp.port}"
    seconds = timeout if timeout is not None else smtp.timeout
    context = _tls_context(smtp, where)
    try:
        client: smtplib.SMTP
        if smtp.security == "ssl":
            client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=seconds, context=context)
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=seconds)
        with client:
            client.ehlo()
            if smtp.security == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if smtp.user and secret:
                client.login(smtp.user, secret)
            refused = client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(
            f"{where} refused every recipient: {_refusals(exc.recipients)}."
        ) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            f"{where} refused the login of {smtp.user!r}: {_reply(exc.smtp_code, exc.smtp_error)}."
        ) from None
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"{where} refused the message: {_reply(exc.smtp_code, exc.smtp_error)}."
        ) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise DeliveryError(f"{where}: {exc} (check --starttls / --ssl).") from None
    except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        reason = str(exc) or "no answer"
        raise DeliveryError(f"{where} did not answer in {seconds:g} s ({reason}).") from None
    except ssl.SSLCertVerificationError as exc:
        raise DeliveryError(
            f"{where}: TLS failed ({exc.reason}: {exc.verify_message}); if the server's "
            f"certificate comes from a private CA, trust it with `iqcadence smtp set "
            f"--ca-file` or {CA_FILE_ENV}."
        ) from None
    except ssl.SSLError as exc:
        raise DeliveryError(f"{where}: TLS failed ({exc.reason or exc}).") from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(
            f"{where}: cannot deliver ({getattr(exc, 'strerror', None) or exc})."
        ) from None
    if refused:
        raise DeliveryError(
            f"{where} accepted the message but refused some recipients: {_refusals(refused)}."
        )


def _tls_context(smtp: SmtpSettings, where: str) -> ssl.SSLContext:
    """Verifying context: the system's CAs, or the configured CA file alone."""
    ca_file = os.environ.get(CA_FILE_ENV, "").strip() or smtp.ca_file
    try:
        return ssl.create_default_context(cafile=ca_file or None)
    except (OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
        raise DeliveryError(f"{where}: cannot read the CA file {ca_file} ({reason}).") from None


def _reply(code: int, text: bytes | str) -> str:
    message = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {' '.join(message.split())}"


def _refusals(recipients: Mapping[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{addr} ({_reply(code, text)})" for addr, (code, text) in recipients.items())
