"""The unified timeline: logging events, reading them back, and the rules that
tie events to the score.

Rules:

* **Kinds**: email, meeting, call, message, note, task (a completed task),
  ticket, product_event (title = the event name, details in `properties`),
  health_change (written automatically on every band move, never by hand).
* **Contact resets decay**: an email, meeting, call or message dated today or
  earlier, and newer than the customer's current last contact, sets
  days-since-contact to 0 as of the event's date (`last_contact_date` = that
  date) through `customers.apply_changes`, so the customer is rescored and
  the change audited. Future-dated events (a scheduled meeting) and older
  events leave it alone.
* **Tickets**: ticket events have a status (open, pending, solved) and a
  priority (low, normal, high, urgent). The `tickets` signal follows the
  number of open + pending ticket events while the timeline owns it. The
  timeline owns it when the customer's tickets value is empty, or still
  equals the value ticket events last wrote (kept in `event_signal`). Once a
  CSV import, `score --tickets`, the API or a sync sets a different value,
  that source owns the signal and ticket events leave it alone; clearing it
  (an empty value) hands it back to the timeline. A source that happens to
  write the very value the timeline wrote cannot be told apart — the two
  agree, so nothing is lost.
* **No duplicates**: an event with `source` + `external_id` is unique per
  customer; logging it again updates the stored event (status, title, …)
  when something changed and never adds a second one.

Health-change events (band moves) are written by `health_changes`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from iqcadence.core.accounts.contacts import get_contact, require_edit, resolve_customer
from iqcadence.core.accounts.event_parsing import (
    LOGGABLE_KINDS,
    PRIORITY_ALIASES,
    TICKET_STATUS_ALIASES,
    optional_text,
    parse_at,
    parse_kind,
    parse_since,
    parse_until,
)
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.fields import is_blank, parse_choice
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import (
    CONTACT_KINDS,
    EVENT_KINDS,
    OPEN_TICKET_STATUSES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Contact,
    EventSignal,
    TimelineEvent,
)

MAX_TITLE = 500
MAX_BODY = 100_000
MAX_STATUS = 40  # the status of an event that is not a ticket
MAX_SOURCE = 100
MAX_EXTERNAL_ID = 300


# --- logging -----------------------------------------------------------------------------


@dataclass
class LogResult:
    """What `log_event` did: `created` False means the event already existed
    (same source + external id); `updated` then says whether it changed."""

    event: TimelineEvent
    created: bool
    updated: bool = False
    contact_reset: bool = False
    tickets: int | None = None  # the new tickets signal, when events changed it


def log_event(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    *,
    kind: str,
    title: str,
    body: str | None = None,
    contact: str | None = None,
    at: Any = None,
    status: str | None = None,
    priority: str | None = None,
    properties: Mapping[str, Any] | None = None,
    source: str | None = None,
    external_id: str | None = None,
    author: str | None = None,
    allowed_kinds: tuple[str, ...] = LOGGABLE_KINDS,
    commit: bool = True,
) -> LogResult:
    """Add one event to a customer's timeline (see the module rules).

    Everything is validated before anything is written.
    """
    target = resolve_customer(session, actor, customer)
    require_edit(session, actor, target)
    assert target.id is not None
    kind_ = parse_kind(kind, allowed=allowed_kinds)
    title_ = optional_text("title", title, MAX_TITLE)
    if title_ is None:
        raise InvalidValue("title: must not be empty.")
    moment = parse_at(at) if not is_blank(at) else clock.now()
    status_: str | None
    if kind_ == "ticket":
        status_ = parse_choice("status", status, TICKET_STATUSES, TICKET_STATUS_ALIASES) or "open"
    else:
        status_ = optional_text("status", status, MAX_STATUS)
    priority_ = parse_choice("priority", priority, TICKET_PRIORITIES, PRIORITY_ALIASES)
    if kind_ == "ticket" and priority_ is None:
        priority_ = "normal"
    source_ = optional_text("source", source, MAX_SOURCE)
    external_ = optional_text("external_id", external_id, MAX_EXTERNAL_ID)
    if external_ is not None and source_ is None:
        raise InvalidValue("external_id: needs a source too (--source) so re-imports match it.")
    contact_row: Contact | None = get_contact(session, target, contact) if contact else None
    props = dict(properties or {})
    values: dict[str, Any] = {
        "kind": kind_,
        "title": title_,
        "body": optional_text("body", body, MAX_BODY),
        "at": moment,
        "status": status_,
        "priority": priority_,
        "contact_id": contact_row.id if contact_row is not None else None,
        "properties": props,
    }

    existing = None
    if source_ is not None and external_ is not None:
        existing = session.exec(
            select(TimelineEvent).where(
                TimelineEvent.customer_id == target.id,
                TimelineEvent.source == source_,
                TimelineEvent.external_id == external_,
            )
        ).first()
    if existing is not None:
        if is_blank(at):  # a re-import without a time keeps the stored one
            values["at"] = existing.at
        if contact_row is None:
            values["contact_id"] = existing.contact_id
        changed = {
            key: {"from": getattr(existing, key), "to": value}
            for key, value in values.items()
            if getattr(existing, key) != value
        }
        result = LogResult(event=existing, created=False, updated=bool(changed))
        if changed:
            for key, value in values.items():
                setattr(existing, key, value)
            session.add(existing)
            audit.record(
                session,
                actor,
                "timeline.update",
                customer=target,
                details={
                    "id": existing.id,
                    "source": source_,
                    "external_id": external_,
                    "changes": changed,
                },
            )
    else:
        event = TimelineEvent(
            customer_id=target.id,
            author=optional_text("author", author, 200) or actor.email,
            source=source_,
            external_id=external_,
            **values,
        )
        session.add(event)
        session.flush()
        audit.record(
            session,
            actor,
            "timeline.log",
            customer=target,
            details={
                "id": event.id,
                "kind": kind_,
                "title": title_,
                "at": moment,
                "source": source_,
                "external_id": external_,
            },
        )
        result = LogResult(event=event, created=True)
    if result.created or result.updated:
        _apply_event_rules(session, actor, target, kind_, result.event.at, result)
    if commit:
        session.commit()
    return result


def _apply_event_rules(
    session: Session,
    actor: Actor,
    customer: Customer,
    kind: str,
    moment: datetime,
    result: LogResult,
) -> None:
    from iqcadence.core.accounts import customers

    today = clock.today()
    values: dict[str, Any] = {}
    if kind in CONTACT_KINDS and moment.date() <= today:
        current = last_contact_from_baseline(customer)
        if current is None or moment.date() > current:
            values["last_contact_date"] = moment.date()
            result.contact_reset = True
    if kind == "ticket":
        tickets = sync_tickets(session, customer)
        if tickets is not None and tickets != customer.tickets:
            values["tickets"] = tickets
            result.tickets = tickets
    if values:
        customers.apply_changes(
            session, actor, customer.name, values, create=False, cause="timeline", commit=False
        )


def last_contact_from_baseline(customer: Customer) -> date | None:
    """The date the days-since-contact signal counts from (baseline day − baseline)."""
    if customer.days_baseline is None:
        return None
    as_of = customer.days_as_of or clock.today()
    return as_of - timedelta(days=customer.days_baseline)


def open_ticket_count(session: Session, customer_id: int) -> int:
    session.flush()
    return int(
        session.exec(
            select(func.count())
            .select_from(TimelineEvent)
            .where(
                TimelineEvent.customer_id == customer_id,
                TimelineEvent.kind == "ticket",
                col(TimelineEvent.status).in_(OPEN_TICKET_STATUSES),
            )
        ).one()
    )


def tickets_owned_by_events(session: Session, customer: Customer) -> bool:
    """Whether the timeline owns the customer's tickets signal (module rules)."""
    if customer.tickets is None:
        return True
    assert customer.id is not None
    mark = session.get(EventSignal, (customer.id, "tickets"))
    return mark is not None and mark.value == customer.tickets


def sync_tickets(session: Session, customer: Customer) -> int | None:
    """The tickets value the timeline wants, or None when another source owns it.
    Records the value as written by the timeline."""
    assert customer.id is not None
    if not tickets_owned_by_events(session, customer):
        return None
    count = open_ticket_count(session, customer.id)
    mark = session.get(EventSignal, (customer.id, "tickets"))
    if mark is None:
        mark = EventSignal(customer_id=customer.id, signal="tickets")
    mark.value = count
    mark.updated_at = clock.now()
    session.add(mark)
    return count


# --- reading ----------------------------------------------------------------------------


def list_events(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    *,
    kinds: Sequence[str] | None = None,
    contact: str | None = None,
    since: Any = None,
    until: Any = None,
    author: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[TimelineEvent]:
    """A customer's events, newest first, filtered by kind, contact (name or
    e-mail), time range (`since` inclusive: 7d/30d/90d or a date; `until`
    inclusive of that day) and author."""
    target = resolve_customer(session, actor, customer)
    query = select(TimelineEvent).where(TimelineEvent.customer_id == target.id)
    if kinds:
        parsed = sorted({parse_kind(k, allowed=EVENT_KINDS) for k in kinds})
        query = query.where(col(TimelineEvent.kind).in_(parsed))
    if contact:
        person = get_contact(session, target, contact)
        query = query.where(TimelineEvent.contact_id == person.id)
    if not is_blank(since):
        query = query.where(TimelineEvent.at >= parse_since(since))
    if not is_blank(until):
        query = query.where(TimelineEvent.at < parse_until(until))
    if author:
        query = query.where(func.lower(TimelineEvent.author) == author.strip().lower())
    query = query.order_by(col(TimelineEvent.at).desc(), col(TimelineEvent.id).desc())
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def event_to_dict(event: TimelineEvent, contact_name: str | None = None) -> dict[str, Any]:
    """The JSON object of an event (`timeline --json`)."""
    return {
        "id": event.id,
        "customer_id": event.customer_id,
        "kind": event.kind,
        "at": event.at.isoformat(timespec="seconds"),
        "title": event.title,
        "body": event.body,
        "contact": contact_name,
        "contact_id": event.contact_id,
        "author": event.author,
        "status": event.status,
        "priority": event.priority,
        "properties": event.properties,
        "source": event.source,
        "external_id": event.external_id,
    }


def event_dicts(session: Session, events: Iterable[TimelineEvent]) -> list[dict[str, Any]]:
    """Events as JSON objects, contact names resolved in one query."""
    rows = list(events)
    ids = {e.contact_id for e in rows if e.contact_id is not None}
    names: dict[int, str] = {}
    if ids:
        for contact_id, name in session.exec(
            select(Contact.id, Contact.name).where(col(Contact.id).in_(ids))
        ).all():
            if contact_id is not None:
                names[contact_id] = name
    return [event_to_dict(e, names.get(e.contact_id or 0)) for e in rows]
