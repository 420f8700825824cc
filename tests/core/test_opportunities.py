"""Opportunities: stages, closing, open pipeline per customer."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from iqcadence.core.accounts import customers, opportunities
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store import audit


@pytest.fixture
def acme(session: Any, actor: Actor) -> Any:
    return customers.apply_changes(session, actor, "Acme", {"mrr": 1000}).customer


def test_add_list_and_open_pipeline(session: Any, actor: Actor, acme: Any) -> None:
    a = opportunities.add_opportunity(
        session, actor, "acme", "Upsell seats", amount="$12,000", expected_close="2027-02-01"
    )
    opportunities.add_opportunity(
        session, actor, "Acme", "Add-on", amount=3000, stage="proposal", expected_close="2027-01-01"
    )
    opportunities.add_opportunity(session, actor, "Acme", "Old deal", amount=500, stage="lost")
    assert a.stage == "discovery" and a.amount == 12000.0 and a.expected_close == date(2027, 2, 1)
    pipe = opportunities.open_pipeline(session, acme.id)
    assert (pipe.count, pipe.amount) == (2, 15000.0)
    rows = opportunities.list_opportunities(session, actor, customer="Acme")
    assert [o.name for o, _ in rows] == ["Add-on", "Upsell seats", "Old deal"]
    assert [
        o.name for o, _ in opportunities.list_opportunities(session, actor, open_only=True)
    ] == [
        "Add-on",
        "Upsell seats",
    ]
    data = opportunities.opportunity_to_dict(a, acme)
    assert data["customer"] == "Acme" and data["open"] is True and data["amount"] == 12000.0


def test_close_and_reopen(session: Any, actor: Actor, acme: Any) -> None:
    opp = opportunities.add_opportunity(session, actor, "Acme", "Renewal", amount=9000)
    closed = opportunities.close_opportunity(session, actor, opp.id, won=True)
    assert closed.stage == "won" and closed.closed_at is not None
    assert opportunities.open_pipeline(session, acme.id).amount == 0.0
    with pytest.raises(Conflict, match="already won"):
        opportunities.close_opportunity(session, actor, opp.id, won=False)
    reopened = opportunities.edit_opportunity(session, actor, opp.id, {"stage": "negotiation"})
    assert reopened.closed_at is None
    assert opportunities.open_pipeline(session, acme.id).amount == 9000.0
    actions = [e.action for e in audit.list_entries(session, actor, action="opportunity")]
    assert actions == ["opportunity.edit", "opportunity.edit", "opportunity.add"]


def test_bad_values_are_refused(session: Any, actor: Actor, acme: Any) -> None:
    with pytest.raises(InvalidValue, match="stage: 'won-ish' is not one of discovery"):
        opportunities.add_opportunity(session, actor, "Acme", "X", stage="won-ish")
    with pytest.raises(InvalidValue, match="amount: must be at least 0"):
        opportunities.add_opportunity(session, actor, "Acme", "X", amount=-5)
    with pytest.raises(InvalidValue, match="needs a name"):
        opportunities.add_opportunity(session, actor, "Acme", "  ")
    with pytest.raises(NotFound):
        opportunities.edit_opportunity(session, actor, 999, {"amount": 1})
    assert opportunities.list_opportunities(session, actor) == []


def test_pipelines_for_many(session: Any, actor: Actor, acme: Any) -> None:
    globex = customers.apply_changes(session, actor, "Globex", {"mrr": 10}).customer
    opportunities.add_opportunity(session, actor, "Acme", "A", amount=100)
    opportunities.add_opportunity(session, actor, "Globex", "B", amount=50)
    opportunities.add_opportunity(session, actor, "Globex", "C", amount=25)
    totals = opportunities.open_pipelines(session, [acme.id, globex.id, 12345])
    assert {k: (v.count, v.amount) for k, v in totals.items()} == {
        acme.id: (1, 100.0),
        globex.id: (2, 75.0),
    }
