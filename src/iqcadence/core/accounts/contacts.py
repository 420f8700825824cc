"""Contacts: the people at a customer, their last contact and their own health.

A contact's name is unique per customer (case-insensitive, so commands can
name it) and so is its e-mail (stored lower-cased). Roles: champion,
stakeholder, billing, technical.

Derived from the timeline (nothing is stored):

* last contact: the time of the newest email, meeting, call or message event
  linked to the contact that is not in the future;
* contact health, from the same events:
  recency   = max(0, 100 × (1 − days since last contact / 90))
  frequency = min(events in the last 90 days, 6) / 6 × 100
  score     = round(0.7 × recency + 0.3 × frequency, 1), banded with the
  client's score thresholds (Critical … Expansion). A contact never reached
  has no health. So a contact spoken to last week four times in the quarter
  is Expansion (≈ 84.6), one reached once two months ago is At Risk (≈ 28.3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from iqcadence.core.accounts.customers import get_customer, name_key
from iqcadence.core.accounts.owners import (
    require_edit as require_edit,  # writers who do not only observe
)
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.scoring.fields import is_blank, is_email, parse_choice, parse_name
from iqcadence.core.scoring.formula import band_for, round_score
from iqcadence.core.store import audit, settings
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import (
    CONTACT_KINDS,
    CONTACT_ROLES,
    Contact,
    TimelineEvent,
)

HEALTH_WINDOW_DAYS = 90
RECENCY_WEIGHT = 0.7
FREQUENCY_WEIGHT = 0.3
FREQUENCY_FOR_FULL = 6
ROLE_ALIASES: dict[str, str] = {
    "champion": "champion",
    "sponsor": "champion",
    "stakeholder": "stakeholder",
    "decisionmaker": "stakeholder",
    "billing": "billing",
    "finance": "billing",
    "technical": "technical",
    "tech": "technical",
    "admin": "technical",
}


def resolve_customer(session: Session, actor: Actor, customer: str | Customer) -> Customer:
    if isinstance(customer, Customer):
        return customer
    return get_customer(session, actor, customer)


def parse_role(value: Any) -> str | None:
    return parse_choice("role", value, CONTACT_ROLES, ROLE_ALIASES)


def parse_email(value: Any) -> str | None:
    if is_blank(value):
        return None
    email = str(value).strip().lower()
    if not is_email(email):
        raise InvalidValue(f"email: {str(value).strip()!r} is not an e-mail address.")
    return email


def _clean_name(value: Any) -> str:
    return parse_name("contact name", value or "")


def find_contact(session: Session, customer_id: int, name_or_email: str) -> Contact | None:
    """A contact of the customer by name (case-insensitive) or e-mail."""
    text = name_or_email.strip()
    query = select(Contact).where(Contact.customer_id == customer_id)
    if "@" in text:
        found = session.exec(query.where(Contact.email == text.lower())).first()
        if found is not None:
            return found
    return session.exec(query.where(Contact.name_key == name_key(text))).first()


def get_contact(session: Session, customer: Customer, name_or_email: str) -> Contact:
    assert customer.id is not None
    contact = find_contact(session, customer.id, name_or_email)
    if contact is None:
        names = session.exec(
            select(Contact.name).where(Contact.customer_id == customer.id).order_by(Contact.name)
        ).all()
        known = f" (contacts: {', '.join(names)})" if names else " (it has no contacts yet)"
        raise NotFound(
            f"contact {name_or_email.strip()!r} does not exist at {customer.name!r}{known}."
        )
    return contact


def _check_unique(
    session: Session, customer: Customer, name: str, email: str | None, exclude: int | None
) -> None:
    assert customer.id is not None
    same_name = session.exec(
        select(Contact).where(
            Contact.customer_id == customer.id, Contact.name_key == name_key(name)
        )
    ).first()
    if same_name is not None and same_name.id != exclude:
        raise Conflict(
            f"contact: {customer.name!r} already has a contact named {same_name.name!r}."
        )
    if email is not None:
        same_email = session.exec(
            select(Contact).where(Contact.customer_id == customer.id, Contact.email == email)
        ).first()
        if same_email is not None and same_email.id != exclude:
            raise Conflict(
                f"email: {email} already belongs to {same_email.name!r} at {customer.name!r}."
            )


def add_contact(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    name: str,
    *,
    role: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    commit: bool = True,
) -> Contact:
    target = resolve_customer(session, actor, customer)
    require_edit(session, actor, target)
    assert target.id is not None
    clean = _clean_name(name)
    parsed_role = parse_role(role)
    parsed_email = parse_email(email)
    _check_unique(session, target, clean, parsed_email, None)
    contact = Contact(
        customer_id=target.id,
        name=clean,
        name_key=name_key(clean),
        email=parsed_email,
        phone=None if is_blank(phone) else str(phone).strip(),
        role=parsed_role,
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        actor,
        "contact.add",
        customer=target,
        details={"name": clean, "role": parsed_role, "email": parsed_email},
    )
    if commit:
        session.commit()
    return contact


_UNSET: Any = object()


def edit_contact(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    name: str,
    *,
    new_name: str | None = None,
    role: str | None = _UNSET,
    email: str | None = _UNSET,
    phone: str | None = _UNSET,
    commit: bool = True,
) -> Contact:
    """Change a contact; a field left out stays, an empty value clears it."""
    target = resolve_customer(session, actor, customer)
    require_edit(session, actor, target)
    contact = get_contact(session, target, name)
    changes: dict[str, dict[str, Any]] = {}
    clean = _clean_name(new_name) if new_name is not None else contact.name
    parsed_email = parse_email(email) if email is not _UNSET else contact.email
    parsed_role = parse_role(role) if role is not _UNSET else contact.role
    parsed_phone = (
        (None if is_blank(phone) else str(phone).strip()) if phone is not _UNSET else contact.phone
    )
    _check_unique(session, target, clean, parsed_email, contact.id)
    for key, value in (
        ("name", clean),
        ("email", parsed_email),
        ("role", parsed_role),
        ("phone", parsed_phone),
    ):
        if getattr(contact, key) != value:
            changes[key] = {"from": getattr(contact, key), "to": value}
            setattr(contact, key, value)
    contact.name_key = name_key(contact.name)
    if changes:
        contact.updated_at = clock.now()
        session.add(contact)
        audit.record(
            session,
            actor,
            "contact.edit",
            customer=target,
            details={"contact": contact.name, "changes": changes},
        )
    if commit:
        session.commit()
    return contact


def remove_contact(
    session: Session, actor: Actor, customer: str | Customer, name: str, *, commit: bool = True
) -> None:
    """Remove a contact; its timeline events stay, no longer linked to it."""
    target = resolve_customer(session, actor, customer)
    require_edit(session, actor, target)
    contact = get_contact(session, target, name)
    session.flush()
    session.connection().execute(
        update(TimelineEvent)
        .where(col(TimelineEvent.contact_id) == contact.id)
        .values(contact_id=None)
    )
    session.delete(contact)
    audit.record(
        session, actor, "contact.remove", customer=target, details={"contact": contact.name}
    )
    if commit:
        session.commit()


def list_contacts(session: Session, actor: Actor, customer: str | Customer) -> list[Contact]:
    target = resolve_customer(session, actor, customer)
    return list(
        session.exec(
            select(Contact).where(Contact.customer_id == target.id).order_by(Contact.name_key)
        ).all()
    )


# --- engagement ---------------------------------------------------------------------


@dataclass(frozen=True)
class Engagement:
    """What the timeline says about one contact."""

    last_contact: datetime | None
    days_since: int | None
    events_90d: int
    health_score: float | None
    health: str | None  # a band


def health_score(days_since: int | None, events_90d: int) -> float | None:
    """The documented contact-health formula (module docstring)."""
    if days_since is None:
        return None
    recency = max(0.0, 100.0 * (1.0 - days_since / HEALTH_WINDOW_DAYS))
    frequency = min(events_90d, FREQUENCY_FOR_FULL) * 100.0 / FREQUENCY_FOR_FULL
    return round_score(RECENCY_WEIGHT * recency + FREQUENCY_WEIGHT * frequency)


def engagement(
    session: Session, contacts: list[Contact], *, today: date | None = None
) -> dict[int, Engagement]:
    """Last contact, events in 90 days and health for each contact (two queries)."""
    ids = [c.id for c in contacts if c.id is not None]
    if not ids:
        return {}
    today = today or clock.today()
    now = clock.now()
    window_start = clock.start_of(today - timedelta(days=HEALTH_WINDOW_DAYS))
    client_ids = {c.customer_id for c in contacts}
    thresholds = None
    if client_ids:
        customer = session.get(Customer, next(iter(client_ids)))
        if customer is not None:
            thresholds = settings.load_scoring_config(session, customer.client_id).thresholds
    base = (
        select(TimelineEvent.contact_id, func.max(TimelineEvent.at), func.count())
        .where(
            col(TimelineEvent.contact_id).in_(ids),
            col(TimelineEvent.kind).in_(CONTACT_KINDS),
            TimelineEvent.at <= now,
        )
        .group_by(col(TimelineEvent.contact_id))
    )
    last: dict[int, datetime] = {
        int(cid): at for cid, at, _ in session.exec(base).all() if cid is not None
    }
    recent = {
        int(cid): int(count)
        for cid, _, count in session.exec(base.where(TimelineEvent.at >= window_start)).all()
        if cid is not None
    }
    out: dict[int, Engagement] = {}
    for contact_id in ids:
        last_at = last.get(contact_id)
        days_since = None if last_at is None else max(0, (today - last_at.date()).days)
        count = recent.get(contact_id, 0)
        score = health_score(days_since, count)
        out[contact_id] = Engagement(
            last_contact=last_at,
            days_since=days_since,
            events_90d=count,
            health_score=score,
            health=band_for(score, thresholds) if thresholds is not None else None,
        )
    return out


def contact_to_dict(contact: Contact, found: Engagement | None = None) -> dict[str, Any]:
    """The JSON object of a contact (`contacts list --json`)."""
    return {
        "id": contact.id,
        "name": contact.name,
        "role": contact.role,
        "email": contact.email,
        "phone": contact.phone,
        "last_contact": (
            found.last_contact.isoformat(timespec="seconds")
            if found is not None and found.last_contact is not None
            else None
        ),
        "days_since_contact": found.days_since if found is not None else None,
        "events_90d": found.events_90d if found is not None else 0,
        "health_score": found.health_score if found is not None else None,
        "health": found.health if found is not None else None,
    }


def contact_rows(
    session: Session, actor: Actor, customer: str | Customer, *, today: date | None = None
) -> list[dict[str, Any]]:
    """Every contact of a customer with its derived last contact and health."""
    contacts = list_contacts(session, actor, customer)
    found = engagement(session, contacts, today=today)
    return [contact_to_dict(c, found.get(c.id or 0)) for c in contacts]
