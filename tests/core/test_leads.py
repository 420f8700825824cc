"""Leads: statuses, editing, promotion to a customer with a timeline note."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from iqcadence.core.accounts import customers, leads, timeline
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store.models import Customer


def _lead(session: Any, actor: Actor, **extra: Any) -> Any:
    return leads.add_lead(
        session,
        actor,
        "Hooli",
        website="https://www.hooli.com/about",
        email="ops@hooli.com",
        phone="+1 555 0100",
        industry="Software",
        notes="Met at SaaStr; wants SSO.",
        **extra,
    )


def test_add_list_edit(session: Any, actor: Actor) -> None:
    lead = _lead(session, actor)
    leads.add_lead(session, actor, "Pied Piper", status="contacted")
    assert lead.status == "new"
    assert [x.name for x in leads.list_leads(session, actor, status="contacted")] == ["Pied Piper"]
    edited = leads.edit_lead(session, actor, lead.id, {"status": "Qualified", "phone": ""})
    assert edited.status == "qualified" and edited.phone is None
    with pytest.raises(InvalidValue, match="status: 'won' is not one of new, contacted"):
        leads.edit_lead(session, actor, lead.id, {"status": "won"})
    with pytest.raises(InvalidValue, match="email: 'nope'"):
        leads.add_lead(session, actor, "X", email="nope")
    with pytest.raises(NotFound, match="lead 99 does not exist"):
        leads.get_lead(session, actor, 99)


def test_promote_creates_customer_and_keeps_history(session: Any, actor: Actor) -> None:
    lead = _lead(session, actor, status="qualified")
    customer = leads.promote_lead(session, actor, lead.id)
    assert customer.name == "Hooli"
    assert customer.domain == "hooli.com" and customer.industry == "Software"
    assert customer.email == "ops@hooli.com" and customer.notes == "Met at SaaStr; wants SSO."
    session.refresh(lead)
    assert lead.promoted_customer_id == customer.id
    events = timeline.list_events(session, actor, "Hooli", kinds=["note"])
    assert len(events) == 1
    assert events[0].title == "Promoted from lead: Hooli"
    assert "Website: https://www.hooli.com/about" in (events[0].body or "")
    assert "wants SSO" in (events[0].body or "")
    with pytest.raises(Conflict, match="already promoted to customer 'Hooli'"):
        leads.promote_lead(session, actor, lead.id)


def test_promote_refuses_unqualified_and_existing_names(session: Any, actor: Actor) -> None:
    lead = _lead(session, actor)
    with pytest.raises(Conflict, match=r"is new; only a qualified lead can be promoted"):
        leads.promote_lead(session, actor, lead.id)
    customers.apply_changes(session, actor, "HOOLI", {"logins": 3})
    leads.edit_lead(session, actor, lead.id, {"status": "qualified"})
    with pytest.raises(Conflict, match="a customer named 'HOOLI' already exists"):
        leads.promote_lead(session, actor, lead.id)
    assert len(session.exec(select(Customer)).all()) == 1
    session.refresh(lead)
    assert lead.promoted_customer_id is None


def test_domain_of() -> None:
    assert leads.domain_of("https://www.acme.com/x") == "acme.com"
    assert leads.domain_of("acme.io") == "acme.io"
    assert leads.domain_of("localhost") is None
    assert leads.domain_of(None) is None


def test_deleting_the_customer_keeps_the_lead(session: Any, actor: Actor) -> None:
    lead = _lead(session, actor, status="qualified")
    leads.promote_lead(session, actor, lead.id)
    customers.delete_customer(session, actor, "Hooli")
    session.expire_all()
    kept = leads.get_lead(session, actor, lead.id)
    assert kept.promoted_customer_id is None and kept.name == "Hooli"
