"""E-mails and meetings with a customer's contacts, logged to the timeline.

* `send_email`: an e-mail to a contact (named, or an e-mail address). With
  `send`, it is delivered through the configured SMTP server first; only a
  delivered (or not-to-be-sent) e-mail is logged. The timeline event is an
  `email` with the subject as title and the body, linked to the contact,
  properties {to, sent, message_id}. Logging it resets days-since-contact.
* `schedule_meeting`: an RFC 5545 invite for the actor (organizer) and the
  chosen contacts; logged as a `meeting` event at the meeting's time with
  source `ics` and external_id = the invite's UID, so importing a calendar
  that holds the same meeting later updates it instead of duplicating it.
  A future meeting does not reset days-since-contact (timeline rule).
  With `send`, every attendee gets the invite by e-mail.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from iqcadence.core.accounts import invites
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, NotFound
from iqcadence.core.store import mail
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import Contact, TimelineEvent

_DURATION = re.compile(r"^(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?$", re.IGNORECASE)
MEETING_SOURCE = "ics"


@dataclass
class OutreachResult:
    customer: Customer
    event: TimelineEvent
    recipients: list[str]
    sent: bool
    ics: bytes | None = None
    uid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer.name,
            "event_id": self.event.id,
            "kind": self.event.kind,
            "title": self.event.title,
            "at": self.event.at.isoformat(timespec="minutes"),
            "recipients": self.recipients,
            "sent": self.sent,
            "uid": self.uid,
        }


def parse_duration(value: str | int | timedelta) -> timedelta:
    """`30m`, `1h`, `1h30m`, `45` (minutes) → a positive duration."""
    if isinstance(value, timedelta):
        minutes = int(value.total_seconds() // 60)
    elif isinstance(value, int):
        minutes = value
    else:
        text = str(value).strip()
        if text.isdigit():
            minutes = int(text)
        else:
            match = _DURATION.match(text)
            if not text or match is None or not any(match.groups()):
                raise InvalidValue(f"--duration: {text!r} is not a duration; use 30m, 1h or 1h30m.")
            minutes = int(match.group(1) or 0) * 60 + int(match.group(2) or 0)
    if not 0 < minutes <= 24 * 60:
        raise InvalidValue(f"--duration: must be between 1 minute and 24 hours, got {minutes}m.")
    return timedelta(minutes=minutes)


def _recipient(session: Session, customer: Customer, who: str) -> tuple[str, Contact | None]:
    """A contact (by name or e-mail) and its address; a bare address that is
    not a contact is allowed for e-mails."""
    from iqcadence.core.accounts import contacts

    assert customer.id is not None
    found = contacts.find_contact(session, customer.id, who)
    if found is not None:
        if not found.email:
            raise InvalidValue(
                f"contact {found.name!r} has no e-mail; add one with "
                f'`iqcadence contacts edit "{customer.name}" "{found.name}" --email ADDRESS`.'
            )
        return found.email, found
    if "@" in who:
        return contacts.parse_email(who) or who.strip(), None
    contacts.get_contact(session, customer, who)  # raises NotFound naming the contacts
    raise NotFound(f"contact {who!r} does not exist.")  # pragma: no cover


def send_email(
    session: Session,
    actor: Actor,
    customer_name: str,
    *,
    to: str,
    subject: str,
    body: str,
    send: bool = False,
) -> OutreachResult:
    from iqcadence.core.accounts import customers, owners, timeline

    customer = customers.get_customer(session, actor, customer_name)
    owners.require_edit(session, actor, customer)
    if not subject.strip():
        raise InvalidValue("--subject: must not be empty.")
    address, contact = _recipient(session, customer, to)
    message_id = None
    if send:
        smtp = mail.require_settings(session, actor.client_id)
        message = mail.new_message(
            smtp, to=[address], subject=subject.strip(), body=body, reply_to=actor.email
        )
        mail.send_with(smtp, message)
        message_id = str(message["Message-ID"])
    result = timeline.log_event(
        session,
        actor,
        customer,
        kind="email",
        title=subject.strip(),
        body=body,
        contact=contact.email if contact is not None else None,
        properties={"to": address, "sent": send, "message_id": message_id},
        commit=True,
    )
    return OutreachResult(customer, result.event, [address], send)


def schedule_meeting(
    session: Session,
    actor: Actor,
    customer_name: str,
    *,
    title: str,
    at: Any,
    duration: str | int | timedelta = "30m",
    with_contacts: Sequence[str] = (),
    description: str = "",
    send: bool = False,
) -> OutreachResult:
    from iqcadence.core.accounts import customers, event_parsing, owners, timeline

    customer = customers.get_customer(session, actor, customer_name)
    owners.require_edit(session, actor, customer)
    start: datetime = event_parsing.parse_at(at, "--at")
    length = parse_duration(duration)
    people: list[invites.Person] = []
    linked: Contact | None = None
    for who in with_contacts:
        address, contact = _recipient(session, customer, who)
        if contact is None:
            raise NotFound(
                f"--with {who!r}: meetings are with contacts; add it first with "
                f'`iqcadence contacts add "{customer.name}" NAME --email {who}`.'
            )
        linked = linked or contact
        people.append(invites.Person(address, contact.name))
    organizer = invites.Person(actor.email, actor.name)
    uid = invites.new_uid(actor.email.rsplit("@", 1)[-1] or "iqcadence")
    ics = invites.build_invite(
        title=title,
        start=start,
        duration=length,
        organizer=organizer,
        attendees=people,
        description=description,
        uid=uid,
    )
    if send:
        if not people:
            raise InvalidValue("--send: the meeting has no attendees; add --with CONTACT.")
        smtp = mail.require_settings(session, actor.client_id)
        message = mail.new_message(
            smtp,
            to=[p.email for p in people],
            subject=f"Invitation: {title.strip()}",
            body=_invite_text(title, start, length, description),
            reply_to=actor.email,
        )
        invites.attach_invite(message, ics)
        mail.send_with(smtp, message)
    result = timeline.log_event(
        session,
        actor,
        customer,
        kind="meeting",
        title=title.strip(),
        body=description or None,
        contact=linked.email if linked is not None else None,
        at=start,
        properties={
            "attendees": [p.email for p in people],
            "organizer": actor.email,
            "end": (start + length).isoformat(timespec="minutes"),
            "invite_sent": send,
        },
        source=MEETING_SOURCE,
        external_id=uid,
        commit=True,
    )
    return OutreachResult(customer, result.event, [p.email for p in people], send, ics=ics, uid=uid)


def _invite_text(title: str, start: datetime, length: timedelta, description: str) -> str:
    minutes = int(length.total_seconds() // 60)
    lines = [
        f"{title.strip()}",
        f"When: {start:%Y-%m-%d %H:%M} UTC ({minutes} minutes)",
    ]
    if description:
        lines += ["", description]
    lines += ["", "The invitation is attached (invite.ics)."]
    return "\n".join(lines)
