"""`import events`: timeline events from CSV or JSONL, meetings from `.ics`.

CSV / JSONL: one event per row, columns (case-insensitive, aliases in
`COLUMNS`): customer, kind, title, body, at, contact, author, status,
priority, source, external_id, properties (a JSON object), and any
`prop.<name>` column (one property each). Every row goes through
`timeline.log_event`, so the event rules (contact resets decay, tickets
signal, no duplicates for the same source + external_id) hold as when
logging by hand. As with the customer import, one bad row means nothing is
written unless `skip_invalid`, which writes the good rows.

`.ics`: every VEVENT becomes a `meeting` event with source `ics` and
external_id = the event's UID, so importing the same calendar again updates
rather than duplicates. A meeting goes to every customer one of its people
(attendees and organizer) belongs to: first by contact e-mail, then by the
e-mail's domain against the customer's domain or website host (free-mail
domains such as gmail.com never match by domain). Meetings that match no
customer are reported, not written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import customers as customers_mod
from iqcadence.core.accounts import invites, leads
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue, IQError, RefusedFile
from iqcadence.core.io.imports.common import RowProblem
from iqcadence.core.store.models import Customer

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".ics": "ics",
    ".ical": "ics",
    ".ifb": "ics",
}
COLUMNS: dict[str, str] = {
    "customer": "customer",
    "account": "customer",
    "company": "customer",
    "customer name": "customer",
    "account name": "customer",
    "kind": "kind",
    "type": "kind",
    "event type": "kind",
    "title": "title",
    "subject": "title",
    "summary": "title",
    "event": "title",
    "body": "body",
    "description": "body",
    "notes": "body",
    "at": "at",
    "time": "at",
    "date": "at",
    "timestamp": "at",
    "when": "at",
    "contact": "contact",
    "contact email": "contact",
    "contact name": "contact",
    "author": "author",
    "user": "author",
    "status": "status",
    "priority": "priority",
    "source": "source",
    "external id": "external_id",
    "event id": "external_id",
    "properties": "properties",
}
FREE_MAIL = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
    }
)
ICS_SOURCE = "ics"
KEEP_PROBLEMS = 1000


@dataclass
class EventImportSummary:
    file: str
    format: str
    skip_invalid: bool = False
    dry_run: bool = False
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    written: bool = False
    errors: list[RowProblem] = field(default_factory=list)
    matched: list[dict[str, Any]] = field(default_factory=list)
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "written": self.written,
            "dry_run": self.dry_run,
            "errors": [p.to_dict() for p in self.errors],
            "errors_total": self.rejected,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "ignored_columns": self.ignored_columns,
        }


def detect_format(name: str, given: str | None = None) -> str:
    if given:
        value = given.strip().lower()
        if value not in ("csv", "jsonl", "ics"):
            raise InvalidValue(f"--format: {given!r} is not one of csv, jsonl, ics.")
        return value
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise RefusedFile(
            f"{name}: cannot tell the format from the name; use a .csv, .jsonl or .ics file, "
            "or pass --format csv|jsonl|ics."
        )
    return FORMATS[suffix]


def import_events(
    session: Session,
    actor: Actor,
    source: str | os.PathLike[str] | BinaryIO,
    *,
    name: str | None = None,
    format: str | None = None,
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> EventImportSummary:
    """Import a file of events (see the module doc); commits unless refused."""
    actor.require_write("import events")
    display = name or (str(source) if isinstance(source, str | os.PathLike) else "stdin")
    kind = detect_format(display, format)
    summary = EventImportSummary(
        file=display, format=kind, skip_invalid=skip_invalid, dry_run=dry_run
    )
    try:
        if kind == "csv":
            _run_rows(session, actor, _csv_rows(source, display, summary), summary)
        elif kind == "jsonl":
            _run_rows(session, actor, _jsonl_rows(_read_bytes(source, display), display), summary)
        else:
            _run_calendar(session, actor, _read_bytes(source, display), summary)
        if dry_run or (summary.rejected and not skip_invalid):
            session.rollback()
        else:
            session.commit()
            summary.written = True
    except BaseException:
        session.rollback()
        raise
    return summary


# --- rows (CSV / JSONL) ------------------------------------------------------------


def _read_bytes(source: str | os.PathLike[str] | BinaryIO, display: str) -> bytes:
    if isinstance(source, str | os.PathLike):
        try:
            return Path(source).read_bytes()
        except FileNotFoundError:
            raise RefusedFile(f"{display}: no such file.") from None
        except OSError as exc:
            raise RefusedFile(f"{display}: cannot be read ({exc.strerror}).") from None
    return source.read()


def _csv_rows(
    source: str | os.PathLike[str] | BinaryIO, display: str, summary: EventImportSummary
) -> Iterator[tuple[int, dict[str, Any]]]:
    from iqcadence.core.io.imports.detect import open_csv

    with open_csv(source, name=display) as csv_source:
        columns: list[str | None] = []
        for header in csv_source.header:
            key = " ".join(header.strip().lower().replace("_", " ").split())
            if key.startswith("prop."):
                columns.append("prop." + header.strip()[5:].strip())
            elif key in COLUMNS:
                columns.append(COLUMNS[key])
            else:
                columns.append(None)
                summary.ignored_columns.append(header)
        if "customer" not in columns:
            raise RefusedFile(
                f"{display}: no customer column (headers: {', '.join(csv_source.header)})."
            )
        for line, cells in csv_source.rows():
            record: dict[str, Any] = {}
            for column, cell in zip(columns, cells, strict=False):
                if column is not None and cell.strip():
                    record[column] = cell
            yield line, record


def _jsonl_rows(data: bytes, display: str) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RefusedFile(f"{display}: JSON lines must be UTF-8 ({exc.reason}).") from None
    for line_no, line in enumerate(content.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield line_no, {"__error__": f"not valid JSON ({exc.msg})", "__raw__": line}
            continue
        if not isinstance(value, dict):
            yield line_no, {"__error__": "expected a JSON object", "__raw__": line}
            continue
        record: dict[str, Any] = {}
        for key, item in value.items():
            column = COLUMNS.get(" ".join(str(key).lower().replace("_", " ").split()))
            if column is None and str(key).startswith("prop."):
                column = str(key)
            if column is not None and item not in (None, ""):
                record[column] = item
        yield line_no, record


def _run_rows(
    session: Session,
    actor: Actor,
    rows: Iterator[tuple[int, dict[str, Any]]],
    summary: EventImportSummary,
) -> None:
    from iqcadence.core.accounts import timeline

    cache: dict[str, Customer] = {}
    for line, record in rows:
        summary.rows += 1
        if "__error__" in record:
            _reject(summary, line, "row", record["__error__"], str(record.get("__raw__", "")))
            continue
        customer_name = str(record.get("customer") or "").strip()
        if not customer_name:
            _reject(summary, line, "customer", "must not be empty", "")
            continue
        key = customers_mod.name_key(customer_name)
        customer = cache.get(key)
        if customer is None:
            try:
                customer = customers_mod.get_customer(session, actor, customer_name)
            except IQError as exc:
                _reject(summary, line, "customer", _reason(exc), customer_name)
                continue
            cache[key] = customer
        try:
            properties = _properties(record)
        except InvalidValue as exc:
            _reject(summary, line, "properties", _reason(exc), str(record.get("properties")))
            continue
        savepoint = session.begin_nested()
        try:
            result = timeline.log_event(
                session,
                actor,
                customer,
                kind=str(record.get("kind") or "note"),
                title=str(record.get("title") or ""),
                body=_opt(record.get("body")),
                contact=_opt(record.get("contact")),
                at=record.get("at"),
                status=_opt(record.get("status")),
                priority=_opt(record.get("priority")),
                properties=properties,
                source=_opt(record.get("source")),
                external_id=_opt(record.get("external_id")),
                author=_opt(record.get("author")),
                commit=False,
            )
            savepoint.commit()
        except IQError as exc:
            savepoint.rollback()
            field_name, reason = _split(exc)
            _reject(summary, line, field_name, reason, str(record.get(field_name, "")))
            continue
        _count(summary, result.created, result.updated)


def _properties(record: dict[str, Any]) -> dict[str, Any]:
    raw = record.get("properties")
    props: dict[str, Any] = {}
    if isinstance(raw, dict):
        props.update(raw)
    elif isinstance(raw, str) and raw.strip():
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            raise InvalidValue('properties: must be a JSON object like {"plan": "pro"}.') from None
        if not isinstance(value, dict):
            raise InvalidValue('properties: must be a JSON object like {"plan": "pro"}.')
        props.update(value)
    for key, value in record.items():
        if key.startswith("prop.") and len(key) > 5:
            props[key[5:]] = value
    return props


def _opt(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _reason(exc: IQError) -> str:
    return str(exc).rstrip(".")


def _split(exc: IQError) -> tuple[str, str]:
    """`title: must not be empty.` → ("title", "must not be empty")."""
    message = _reason(exc)
    head, sep, rest = message.partition(": ")
    if sep and head.replace("_", "").isalpha() and len(head) <= 20:
        return head, rest
    return "row", message


def _reject(
    summary: EventImportSummary, line: int, field_name: str, reason: str, value: str
) -> None:
    summary.rejected += 1
    if len(summary.errors) < KEEP_PROBLEMS:
        summary.errors.append(RowProblem(summary.file, line, field_name, reason, value))


def _count(summary: EventImportSummary, created: bool, updated: bool) -> None:
    if created:
        summary.created += 1
    elif updated:
        summary.updated += 1
    else:
        summary.unchanged += 1


# --- calendars (.ics) ---------------------------------------------------------------


@dataclass
class _Match:
    customer_id: int
    contact: str | None = None


class CalendarMatcher:
    """Finds the customers a meeting's people belong to (see the module doc)."""

    def __init__(self, session: Session, client_id: int) -> None:
        conn = session.connection()
        self.contacts: dict[str, int] = {}
        for email, customer_id in conn.execute(
            text(
                "SELECT contact.email, contact.customer_id FROM contact "
                "JOIN customer ON customer.id = contact.customer_id "
                "WHERE customer.client_id = :c AND customer.status != 'trashed' "
                "AND contact.email IS NOT NULL"
            ),
            {"c": client_id},
        ):
            self.contacts.setdefault(str(email).lower(), int(customer_id))
        self.domains: dict[str, set[int]] = {}
        for customer_id, domain, website, email in conn.execute(
            text(
                "SELECT id, domain, website, email FROM customer "
                "WHERE client_id = :c AND status != 'trashed'"
            ),
            {"c": client_id},
        ):
            for candidate in (
                _clean_domain(domain),
                leads.domain_of(website),
                _clean_domain(str(email).rsplit("@", 1)[-1]) if email and "@" in email else None,
            ):
                if candidate and candidate not in FREE_MAIL:
                    self.domains.setdefault(candidate, set()).add(int(customer_id))

    def match(self, people: list[invites.Person]) -> dict[int, _Match]:
        found: dict[int, _Match] = {}
        for person in people:
            customer_id = self.contacts.get(person.email)
            if customer_id is not None:
                current = found.setdefault(customer_id, _Match(customer_id))
                current.contact = current.contact or person.email
        for person in people:
            domain = _clean_domain(person.email.rsplit("@", 1)[-1])
            if not domain or domain in FREE_MAIL:
                continue
            for customer_id in self.domains.get(domain, ()):
                found.setdefault(customer_id, _Match(customer_id))
        return found


def _clean_domain(value: Any) -> str | None:
    if not value:
        return None
    domain = str(value).strip().lower().removeprefix("www.")
    return domain or None


def _run_calendar(session: Session, actor: Actor, data: bytes, summary: EventImportSummary) -> None:
    from iqcadence.core.accounts import timeline

    meetings = invites.read_meetings(data, source_name=summary.file)
    matcher = CalendarMatcher(session, actor.client_id)
    for meeting in meetings:
        summary.rows += 1
        people: list[invites.Person] = []
        for person in [*meeting.attendees, meeting.organizer]:
            if person is not None and all(p.email != person.email for p in people):
                people.append(person)
        matches = matcher.match(people)
        info = {
            "uid": meeting.uid,
            "title": meeting.title,
            "start": meeting.start.isoformat(timespec="minutes"),
            "people": [p.email for p in people],
        }
        if not matches:
            summary.unmatched.append(
                {**info, "reason": "no attendee is a contact or on a customer's domain"}
            )
            continue
        props: dict[str, Any] = {
            "attendees": [p.email for p in meeting.attendees],
            "organizer": meeting.organizer.email if meeting.organizer else None,
            "end": meeting.end.isoformat(timespec="minutes") if meeting.end else None,
            "location": meeting.location or None,
        }
        properties = {k: v for k, v in props.items() if v}
        names: list[str] = []
        for match in matches.values():
            customer = session.get(Customer, match.customer_id)
            assert customer is not None
            savepoint = session.begin_nested()
            try:
                result = timeline.log_event(
                    session,
                    actor,
                    customer,
                    kind="meeting",
                    title=meeting.title,
                    body=meeting.description or None,
                    contact=match.contact,
                    at=meeting.start,
                    properties=properties,
                    source=ICS_SOURCE,
                    external_id=meeting.uid,
                    author=meeting.organizer.email if meeting.organizer else None,
                    commit=False,
                )
                savepoint.commit()
            except IQError as exc:
                savepoint.rollback()
                field_name, reason = _split(exc)
                _reject(
                    summary, summary.rows, field_name, f"{meeting.uid}: {reason}", meeting.title
                )
                continue
            _count(summary, result.created, result.updated)
            names.append(customer.name)
        if names:
            summary.matched.append({**info, "customers": sorted(names)})
