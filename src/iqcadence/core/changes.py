"""The one place that hears about every change to a customer.

`customer_changed` runs after any single-customer change (score, edit,
import of one row, timeline entry, playbook step, sync) with the state before
and after; capabilities that react to changes (timeline health-change
entries, playbook triggers, alert-rule events) are called from here, so there
is one code path whatever caused the change. Bulk paths (rescore, import)
call `customers_changed_in_bulk` with the ids whose score or band moved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlmodel import Session

from iqcadence.core.users import Actor

if TYPE_CHECKING:
    from iqcadence.core.customers import ChangeOutcome
    from iqcadence.core.models import Customer


def customer_changed(session: Session, actor: Actor, outcome: ChangeOutcome, *, cause: str) -> None:
    """React to one customer's change (inside the caller's transaction)."""
    from iqcadence.core import playbooks, timeline

    timeline.on_customer_changed(session, actor, outcome, cause=cause)  # health_change event
    playbooks.on_customer_changed(session, actor, outcome, cause=cause)  # triggers
    from iqcadence.core.alerts import engine as alert_engine

    alert_engine.on_customer_changed(session, actor.client_id, outcome, acting_user=actor.email)
    del cause


def customers_changed_in_bulk(
    session: Session, actor: Actor, customer_ids: Sequence[int], *, cause: str
) -> None:
    """React to a set-based change of many customers."""
    from iqcadence.core import playbooks, timeline

    timeline.record_bulk_health_changes(session, actor, customer_ids, cause=cause)
    playbooks.on_customers_changed_in_bulk(session, actor, customer_ids, cause=cause)
    from iqcadence.core.alerts import engine as alert_engine

    alert_engine.on_customers_changed(
        session, actor.client_id, customer_ids, acting_user=actor.email
    )
    del cause


def customer_deleting(session: Session, customer: Customer) -> None:
    """Remove records that belong to a customer about to be hard-deleted
    (tables with ON DELETE CASCADE need nothing here)."""
    del session, customer
