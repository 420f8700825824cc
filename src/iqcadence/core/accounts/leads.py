"""Leads: prospects being qualified, and their promotion to customers.

Statuses: new → contacted → qualified, or disqualified (any order by hand).
`promote` turns a qualified lead into a customer through
`customers.apply_changes` (name, website, domain derived from the website,
email, phone, industry, notes), keeps the lead's data as a timeline note on
the new customer, and marks the lead with the customer it became. It
refuses a lead that is not qualified, one already promoted, and a name a
customer already has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.scoring.fields import (
    is_blank,
    parse_choice,
    parse_email,
    parse_name,
    parse_notes,
    parse_record_id,
    parse_text,
    parse_website,
)
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.crm import LEAD_STATUSES, Lead

EDITABLE = ("name", "website", "email", "phone", "industry", "notes", "status")
CARRIED = ("website", "email", "phone", "industry", "notes")


def _parse(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in values.items():
        if key not in EDITABLE:
            raise InvalidValue(f"unknown lead field {key!r}; fields are {', '.join(EDITABLE)}.")
        if key == "status":
            status = parse_choice("status", raw, LEAD_STATUSES)
            if status is None:
                raise InvalidValue(f"status: must be one of {', '.join(LEAD_STATUSES)}.")
            out[key] = status
        elif key == "name":
            if is_blank(raw):
                raise InvalidValue("name: a lead needs a name.")
            out[key] = parse_name("name", raw)
        elif key == "email":  # the customer's rule, so a promotion never refuses it
            out[key] = parse_email(key, raw)
        elif key == "website":
            out[key] = parse_website(key, raw)
        elif key == "notes":
            out[key] = parse_notes(key, raw)
        else:
            out[key] = parse_text(key, raw)
    return out


def add_lead(session: Session, actor: Actor, name: str, **values: Any) -> Lead:
    actor.require_write()
    parsed = _parse({"name": name, **{k: v for k, v in values.items() if v is not None}})
    lead = Lead(client_id=actor.client_id, **parsed)
    session.add(lead)
    session.flush()
    audit.record(session, actor, "lead.add", details={"id": lead.id, **parsed})
    session.commit()
    return lead


def get_lead(session: Session, actor: Actor, lead_id: int) -> Lead:
    lead = session.get(Lead, lead_id)
    if lead is None or lead.client_id != actor.client_id:
        raise NotFound(f"lead {lead_id} does not exist.")
    return lead


def find_lead_id(session: Session, actor: Actor, ref: str | int) -> int:
    """A lead's number from its number or its name (any case). A name shared
    by several leads is refused with their numbers."""
    text = str(ref).strip()
    number = parse_record_id("lead", text)
    if number is not None:
        return number
    wanted = " ".join(text.split()).casefold()
    if not wanted:
        raise InvalidValue("lead: give its number or name.")
    matches = [
        lead
        for lead in list_leads(session, actor)
        if " ".join(lead.name.split()).casefold() == wanted
    ]
    if not matches:
        raise NotFound(f"no lead is named {text!r}; `iqcadence leads list` shows them all.")
    if len(matches) > 1:
        numbers = ", ".join(f"#{lead.id}" for lead in matches)
        raise InvalidValue(f"{len(matches)} leads are named {text!r} ({numbers}); give the number.")
    assert matches[0].id is not None
    return matches[0].id


def list_leads(session: Session, actor: Actor, *, status: str | None = None) -> list[Lead]:
    query = select(Lead).where(Lead.client_id == actor.client_id)
    if status is not None:
        if status not in LEAD_STATUSES:
            raise InvalidValue(f"--status: {status!r} is not one of {', '.join(LEAD_STATUSES)}.")
        query = query.where(Lead.status == status)
    return list(session.exec(query.order_by(col(Lead.created_at).desc(), col(Lead.id).desc())))


def edit_lead(session: Session, actor: Actor, lead_id: int, values: Mapping[str, Any]) -> Lead:
    actor.require_write()
    lead = get_lead(session, actor, lead_id)
    parsed = _parse(values)
    changed = {
        k: {"from": getattr(lead, k), "to": v} for k, v in parsed.items() if getattr(lead, k) != v
    }
    if not changed:
        return lead
    for key, value in parsed.items():
        setattr(lead, key, value)
    lead.updated_at = clock.now()
    session.add(lead)
    audit.record(session, actor, "lead.edit", details={"id": lead.id, "changes": changed})
    session.commit()
    return lead


def domain_of(website: str | None) -> str | None:
    """`https://www.acme.com/about` → `acme.com` (None when there is no host)."""
    if not website:
        return None
    text = website.strip()
    host = urlsplit(text if "//" in text else "//" + text).hostname or ""
    host = host.lower().removeprefix("www.")
    return host if "." in host else None


def promote_lead(session: Session, actor: Actor, lead_id: int) -> Customer:
    """Create the customer a qualified lead becomes (see the module rules)."""
    from iqcadence.core.accounts import customers

    actor.require_write("promote leads")
    lead = get_lead(session, actor, lead_id)
    if lead.promoted_customer_id is not None:
        existing = session.get(Customer, lead.promoted_customer_id)
        raise Conflict(
            f"lead {lead_id} was already promoted"
            + (f" to customer {existing.name!r}." if existing else ".")
        )
    if lead.status != "qualified":
        raise Conflict(
            f"lead {lead_id} ({lead.name!r}) is {lead.status}; only a qualified lead can be "
            f"promoted (`iqcadence leads edit {lead_id} --status qualified`)."
        )
    clash = customers.find_customer(session, actor.client_id, lead.name)
    if clash is not None:
        raise Conflict(
            f"a customer named {clash.name!r} already exists; rename the lead "
            f"(`iqcadence leads edit {lead_id} --name ...`) or work the existing customer."
        )
    values: dict[str, Any] = {k: getattr(lead, k) for k in CARRIED if getattr(lead, k)}
    domain = domain_of(lead.website)
    if domain:
        values["domain"] = domain
    try:
        outcome = customers.apply_changes(
            session, actor, lead.name, values, create=True, cause="lead.promote", commit=False
        )
        customer = outcome.customer
        lead.promoted_customer_id = customer.id
        lead.updated_at = clock.now()
        session.add(lead)
        _log_history(session, actor, customer, lead)
        audit.record(
            session,
            actor,
            "lead.promote",
            customer=customer,
            details={"lead_id": lead.id, "name": lead.name},
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return customer


def lead_summary(lead: Lead) -> str:
    """The lead's data as plain lines, kept on the customer's timeline."""
    lines = [f"Promoted from lead #{lead.id}, created {lead.created_at:%Y-%m-%d}."]
    for key in ("website", "email", "phone", "industry", "status"):
        value = getattr(lead, key)
        if value:
            lines.append(f"{key.capitalize()}: {value}")
    if lead.notes:
        lines.append("")
        lines.append(lead.notes)
    return "\n".join(lines)


def _log_history(session: Session, actor: Actor, customer: Customer, lead: Lead) -> None:
    from iqcadence.core.accounts import timeline

    timeline.log_event(
        session,
        actor,
        customer,
        kind="note",
        title=f"Promoted from lead: {lead.name}",
        body=lead_summary(lead),
        source="lead",
        external_id=str(lead.id),
        commit=False,
    )


def lead_to_dict(session: Session, lead: Lead) -> dict[str, Any]:
    """A lead as JSON; `promoted_to` names the customer it became."""
    promoted = (
        session.get(Customer, lead.promoted_customer_id) if lead.promoted_customer_id else None
    )
    return {
        "id": lead.id,
        "name": lead.name,
        "website": lead.website,
        "email": lead.email,
        "phone": lead.phone,
        "industry": lead.industry,
        "notes": lead.notes,
        "status": lead.status,
        "promoted_to": promoted.name if promoted is not None else None,
        "created_at": lead.created_at.isoformat(timespec="seconds"),
        "updated_at": lead.updated_at.isoformat(timespec="seconds"),
    }
