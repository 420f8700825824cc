"""Opportunities: deals per customer, with an open pipeline per account.

Stages, in order: discovery, proposal, negotiation, committed (open), then
won or lost (closed). `close` moves an open opportunity to won or lost and
stamps when; editing the stage of a closed one back to an open stage
reopens it. Amounts are in the same currency as MRR, never negative.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.scoring.fields import (
    is_blank,
    parse_choice,
    parse_date,
    parse_money,
    parse_name,
    parse_notes,
)
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.crm import (
    CLOSED_STAGES,
    OPEN_STAGES,
    OPPORTUNITY_STAGES,
    Opportunity,
)

EDITABLE = ("name", "amount", "expected_close", "stage", "notes")


@dataclass(frozen=True)
class Pipeline:
    """The open opportunities of one customer."""

    count: int
    amount: float

    def to_dict(self) -> dict[str, Any]:
        return {"open_count": self.count, "open_amount": self.amount}


def _parse(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in values.items():
        if key == "name":
            if is_blank(raw):
                raise InvalidValue("name: an opportunity needs a name.")
            out[key] = parse_name("name", raw)
        elif key == "amount":
            if isinstance(raw, str):
                raw = raw.strip().lstrip("$€£").strip()
            amount = parse_money("amount", raw)
            out[key] = 0.0 if amount is None else amount
        elif key == "expected_close":
            out[key] = parse_date("expected_close", raw)
        elif key == "stage":
            stage = parse_choice("stage", raw, OPPORTUNITY_STAGES)
            if stage is None:
                raise InvalidValue(f"stage: must be one of {', '.join(OPPORTUNITY_STAGES)}.")
            out[key] = stage
        elif key == "notes":
            out[key] = parse_notes("notes", raw)
        else:
            raise InvalidValue(
                f"unknown opportunity field {key!r}; fields are {', '.join(EDITABLE)}."
            )
    return out


def add_opportunity(
    session: Session,
    actor: Actor,
    customer_name: str,
    name: str,
    *,
    amount: Any = 0,
    expected_close: Any = None,
    stage: str = "discovery",
    notes: str | None = None,
) -> Opportunity:
    from iqcadence.core.accounts import customers, owners

    customer = customers.get_customer(session, actor, customer_name)
    owners.require_edit(session, actor, customer)
    values = _parse(
        {
            "name": name,
            "amount": amount,
            "expected_close": expected_close,
            "stage": stage,
            "notes": notes,
        }
    )
    assert customer.id is not None
    opportunity = Opportunity(customer_id=customer.id, **values)
    if opportunity.stage in CLOSED_STAGES:
        opportunity.closed_at = clock.now()
    session.add(opportunity)
    session.flush()
    audit.record(
        session,
        actor,
        "opportunity.add",
        customer=customer,
        details={"id": opportunity.id, **values},
    )
    session.commit()
    return opportunity


def get_opportunity(session: Session, actor: Actor, opportunity_id: int) -> Opportunity:
    row = session.exec(
        select(Opportunity)
        .join(Customer, col(Customer.id) == Opportunity.customer_id)
        .where(Opportunity.id == opportunity_id, Customer.client_id == actor.client_id)
    ).first()
    if row is None:
        raise NotFound(f"opportunity {opportunity_id} does not exist.")
    return row


def list_opportunities(
    session: Session,
    actor: Actor,
    *,
    customer: str | None = None,
    open_only: bool = False,
    stage: str | None = None,
) -> list[tuple[Opportunity, Customer]]:
    """Opportunities with their customer, soonest expected close first."""
    from iqcadence.core.accounts import customers

    query = (
        select(Opportunity, Customer)
        .join(Customer, col(Customer.id) == Opportunity.customer_id)
        .where(Customer.client_id == actor.client_id)
    )
    if customer is not None:
        found = customers.get_customer(session, actor, customer)
        query = query.where(Opportunity.customer_id == found.id)
    if open_only:
        query = query.where(col(Opportunity.stage).in_(OPEN_STAGES))
    if stage is not None:
        if stage not in OPPORTUNITY_STAGES:
            raise InvalidValue(f"--stage: {stage!r} is not one of {', '.join(OPPORTUNITY_STAGES)}.")
        query = query.where(Opportunity.stage == stage)
    query = query.order_by(
        col(Opportunity.expected_close).is_(None),
        col(Opportunity.expected_close),
        col(Opportunity.id),
    )
    return [(o, c) for o, c in session.exec(query).all()]


def edit_opportunity(
    session: Session, actor: Actor, opportunity_id: int, values: Mapping[str, Any]
) -> Opportunity:
    """Change some fields; a stage of won/lost closes it, an open stage reopens it."""
    opportunity = get_opportunity(session, actor, opportunity_id)
    customer = session.get(Customer, opportunity.customer_id)
    assert customer is not None
    from iqcadence.core.accounts import owners

    owners.require_edit(session, actor, customer)
    parsed = _parse(values)
    changed = {
        k: {"from": getattr(opportunity, k), "to": v}
        for k, v in parsed.items()
        if getattr(opportunity, k) != v
    }
    if not changed:
        return opportunity
    for key, value in parsed.items():
        setattr(opportunity, key, value)
    if "stage" in changed:
        opportunity.closed_at = clock.now() if opportunity.stage in CLOSED_STAGES else None
    opportunity.updated_at = clock.now()
    session.add(opportunity)
    audit.record(
        session,
        actor,
        "opportunity.edit",
        customer=customer,
        details={"id": opportunity.id, "changes": changed},
    )
    session.commit()
    return opportunity


def close_opportunity(
    session: Session, actor: Actor, opportunity_id: int, *, won: bool
) -> Opportunity:
    opportunity = get_opportunity(session, actor, opportunity_id)
    if opportunity.stage in CLOSED_STAGES:
        raise Conflict(
            f"opportunity {opportunity_id} is already {opportunity.stage}; "
            "edit its stage to reopen it."
        )
    return edit_opportunity(session, actor, opportunity_id, {"stage": "won" if won else "lost"})


def open_pipeline(session: Session, customer_id: int) -> Pipeline:
    """Count and total amount of a customer's open opportunities."""
    return open_pipelines(session, [customer_id]).get(customer_id, Pipeline(0, 0.0))


def open_pipelines(session: Session, customer_ids: Sequence[int]) -> dict[int, Pipeline]:
    """Open pipeline per customer for many customers (only those with any)."""
    out: dict[int, Pipeline] = {}
    ids = list(customer_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.exec(
            select(
                Opportunity.customer_id,
                func.count(col(Opportunity.id)),
                func.coalesce(func.sum(Opportunity.amount), 0.0),
            )
            .where(
                col(Opportunity.customer_id).in_(chunk),
                col(Opportunity.stage).in_(OPEN_STAGES),
            )
            .group_by(col(Opportunity.customer_id))
        ).all()
        for customer_id, count, amount in rows:
            out[int(customer_id)] = Pipeline(int(count), round(float(amount), 2))
    return out


def opportunity_to_dict(
    opportunity: Opportunity, customer: Customer | None = None
) -> dict[str, Any]:
    return {
        "id": opportunity.id,
        "customer": customer.name if customer is not None else None,
        "name": opportunity.name,
        "amount": opportunity.amount,
        "expected_close": _iso(opportunity.expected_close),
        "stage": opportunity.stage,
        "open": opportunity.stage in OPEN_STAGES,
        "notes": opportunity.notes,
        "closed_at": opportunity.closed_at.isoformat(timespec="seconds")
        if opportunity.closed_at
        else None,
        "created_at": opportunity.created_at.isoformat(timespec="seconds"),
    }


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
