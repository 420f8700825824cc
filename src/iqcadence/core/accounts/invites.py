"""Meeting invites (RFC 5545) out, and meetings read back from `.ics` files.

`build_invite` makes a one-event calendar with METHOD:REQUEST: UID,
DTSTAMP, DTSTART/DTEND in UTC, SUMMARY, ORGANIZER and one ATTENDEE per
contact (RSVP requested), which calendar programs accept as an invitation.
`read_meetings` parses any calendar file into plain meetings for the events
import; times are converted to naive UTC (how the database stores them),
all-day events start at midnight, and a recurring event counts once, at its
first occurrence.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from typing import Any

from iqcadence.core.base import clock
from iqcadence.core.base.errors import InvalidValue, RefusedFile

PRODID = "-//iqcadence//meeting invite//EN"


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


@dataclass
class Meeting:
    """A meeting read from a calendar."""

    uid: str
    title: str
    start: datetime  # naive UTC
    end: datetime | None
    organizer: Person | None
    attendees: list[Person] = field(default_factory=list)
    description: str = ""
    location: str = ""


def new_uid(domain: str = "iqcadence") -> str:
    return f"{uuid.uuid4()}@{domain}"


def build_invite(
    *,
    title: str,
    start: datetime,
    duration: timedelta,
    organizer: Person,
    attendees: Sequence[Person],
    description: str = "",
    location: str = "",
    uid: str | None = None,
) -> bytes:
    """The invite as `.ics` bytes. `start` is naive UTC (or aware)."""
    from icalendar import Calendar, Event, vCalAddress

    if duration <= timedelta(0):
        raise InvalidValue("duration: must be longer than zero.")
    if not title.strip():
        raise InvalidValue("title: a meeting needs a title.")
    begin = _aware(start)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "REQUEST")
    event = Event()
    event.add("uid", uid or new_uid(organizer.email.rsplit("@", 1)[-1] or "iqcadence"))
    event.add("dtstamp", _aware(clock.now()))
    event.add("dtstart", begin)
    event.add("dtend", begin + duration)
    event.add("summary", title.strip())
    event.add("sequence", 0)
    event.add("status", "CONFIRMED")
    if description:
        event.add("description", description)
    if location:
        event.add("location", location)
    chair = vCalAddress(f"mailto:{organizer.email}")
    if organizer.name:
        chair.params["CN"] = organizer.name
    chair.params["ROLE"] = "CHAIR"
    event.add("organizer", chair)
    for person in attendees:
        address = vCalAddress(f"mailto:{person.email}")
        if person.name:
            address.params["CN"] = person.name
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def attach_invite(message: EmailMessage, ics: bytes) -> None:
    """Add the invite to a message the way mail clients expect it: a
    text/calendar part with method=REQUEST, plus the .ics as a file."""
    message.add_alternative(ics.decode("utf-8"), subtype="calendar", params={"method": "REQUEST"})
    message.add_attachment(ics, maintype="application", subtype="ics", filename="invite.ics")


def read_meetings(data: bytes, *, source_name: str = "calendar") -> list[Meeting]:
    """Every VEVENT of a calendar as a Meeting (cancelled ones skipped)."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, IndexError, KeyError) as exc:
        raise RefusedFile(f"{source_name}: not an iCalendar file ({exc}).") from None
    meetings: list[Meeting] = []
    for index, event in enumerate(calendar.walk("VEVENT"), start=1):
        if str(event.get("status", "")).upper() == "CANCELLED":
            continue
        uid = str(event.get("uid") or "").strip()
        if not uid:
            raise RefusedFile(f"{source_name}: event {index} has no UID.")
        start_raw = event.get("dtstart")
        if start_raw is None:
            raise RefusedFile(f"{source_name}: event {uid} has no DTSTART.")
        start = _naive_utc(start_raw.dt)
        end_raw = event.get("dtend")
        end = _naive_utc(end_raw.dt) if end_raw is not None else None
        if end is None and event.get("duration") is not None:
            end = start + event.get("duration").dt
        meetings.append(
            Meeting(
                uid=uid,
                title=str(event.get("summary") or "(no title)").strip(),
                start=start,
                end=end,
                organizer=_person(event.get("organizer")),
                attendees=[p for p in (_person(a) for a in _as_list(event.get("attendee"))) if p],
                description=str(event.get("description") or "").strip(),
                location=str(event.get("location") or "").strip(),
            )
        )
    return meetings


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _person(value: Any) -> Person | None:
    if value is None:
        return None
    address = str(value).strip()
    if address.lower().startswith("mailto:"):
        address = address[7:]
    if "@" not in address:
        return None
    params = getattr(value, "params", {})
    return Person(email=address.strip().lower(), name=str(params.get("CN", "")).strip())


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _naive_utc(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return datetime.combine(value, time.min)
