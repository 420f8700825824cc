"""What people decided about alerts: snooze, dismiss, wake.

* snooze hides one alert of one customer for 1d / 7d / 30d (from now) or until
  a date (it shows again at the start of that day);
* dismiss hides it until its condition clears: the next evaluation that finds
  the category quiet removes the dismissal, so when it fires again it shows;
* wake removes either decision at once.

Each decision is one row per customer and category, and each is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy import delete
from sqlmodel import Session, col, select

from iqcadence.core.accounts.bulk import BulkOutcome
from iqcadence.core.accounts.customers import get_customer
from iqcadence.core.alerts.derive import check_category, derive_alerts
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, IQError, PermissionDenied
from iqcadence.core.scoring.fields import parse_date
from iqcadence.core.store import audit
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.alerts import AlertState

SNOOZE_PERIODS: dict[str, int] = {"1d": 1, "7d": 7, "30d": 30}


def snooze_until(for_period: str | None = None, until: str | date | None = None) -> datetime:
    """When a snooze given as `--for 1d|7d|30d` or `--until DATE` ends."""
    if (for_period is None) == (until is None):
        raise InvalidValue("snooze: give --for 1d|7d|30d or --until YYYY-MM-DD (one of them).")
    if for_period is not None:
        key = for_period.strip().lower()
        if key not in SNOOZE_PERIODS:
            raise InvalidValue(f"--for: {for_period!r} is not one of {', '.join(SNOOZE_PERIODS)}.")
        return clock.now() + timedelta(days=SNOOZE_PERIODS[key])
    day = parse_date("--until", until)
    assert day is not None
    if day <= clock.today():
        raise InvalidValue(f"--until: {day.isoformat()} is not after today ({clock.today()}).")
    return clock.start_of(day)


def _current_alert(session: Session, actor: Actor, customer: Customer, category: str) -> str | None:
    assert customer.id is not None
    found = derive_alerts(
        session,
        actor.client_id,
        customer_ids=[customer.id],
        category=category,
        include_snoozed=True,
        include_dismissed=True,
    )
    return found[0].severity if found else None


def _row(session: Session, customer: Customer, category: str) -> AlertState | None:
    return session.exec(
        select(AlertState).where(
            AlertState.customer_id == customer.id, AlertState.category == category
        )
    ).first()


def snooze(
    session: Session,
    actor: Actor,
    customer_name: str,
    category: str,
    *,
    for_period: str | None = None,
    until: str | date | None = None,
) -> AlertState:
    """Hide one alert until a time (the alert need not be firing yet)."""
    actor.require_write("snooze alerts")
    category = check_category(category)
    ends = snooze_until(for_period, until)
    customer = get_customer(session, actor, customer_name)
    severity = _current_alert(session, actor, customer, category)
    row = _row(session, customer, category)
    assert customer.id is not None
    if row is None:
        row = AlertState(
            client_id=actor.client_id, customer_id=customer.id, category=category, state="snoozed"
        )
    row.state, row.snoozed_until, row.severity = "snoozed", ends, severity
    row.updated_at, row.updated_by = clock.now(), actor.email
    session.add(row)
    audit.record(
        session,
        actor,
        "alert.snooze",
        customer=customer,
        details={
            "category": category,
            "until": ends.isoformat(timespec="minutes"),
            "for": for_period,
            "severity": severity,
        },
    )
    session.commit()
    return row


def dismiss(session: Session, actor: Actor, customer_name: str, category: str) -> AlertState:
    """Hide a firing alert until its condition clears."""
    actor.require_write("dismiss alerts")
    category = check_category(category)
    customer = get_customer(session, actor, customer_name)
    severity = _current_alert(session, actor, customer, category)
    if severity is None:
        raise Conflict(f"{customer.name!r} has no {category} alert right now, so none to dismiss.")
    assert customer.id is not None
    row = _row(session, customer, category) or AlertState(
        client_id=actor.client_id, customer_id=customer.id, category=category, state="dismissed"
    )
    row.state, row.snoozed_until, row.severity = "dismissed", None, severity
    row.updated_at, row.updated_by = clock.now(), actor.email
    session.add(row)
    audit.record(
        session,
        actor,
        "alert.dismiss",
        customer=customer,
        details={"category": category, "severity": severity},
    )
    session.commit()
    return row


def wake(session: Session, actor: Actor, customer_name: str, category: str) -> None:
    """Bring a snoozed or dismissed alert back now."""
    actor.require_write("wake alerts")
    category = check_category(category)
    customer = get_customer(session, actor, customer_name)
    row = _row(session, customer, category)
    if row is None:
        raise Conflict(
            f"the {category} alert of {customer.name!r} is neither snoozed nor dismissed."
        )
    was = row.state
    session.delete(row)
    audit.record(
        session, actor, "alert.wake", customer=customer, details={"category": category, "was": was}
    )
    session.commit()


def list_states(session: Session, client_id: int) -> list[AlertState]:
    return list(
        session.exec(
            select(AlertState)
            .where(AlertState.client_id == client_id)
            .order_by(col(AlertState.updated_at).desc())
        ).all()
    )


def clear_resolved(
    session: Session,
    client_id: int,
    firing: Iterable[tuple[int, str]],
    *,
    customer_ids: Iterable[int] | None = None,
) -> int:
    """Remove dismissals whose condition has cleared, and snoozes that have
    run out. `firing` is every (customer id, category) alerting now among the
    customers looked at (`customer_ids`; None = all of the client).
    Returns how many rows went. The caller commits."""
    now = clock.now()
    firing_set = set(firing)
    query = select(AlertState).where(AlertState.client_id == client_id)
    if customer_ids is not None:
        ids = list(customer_ids)
        if not ids:
            return 0
        query = query.where(col(AlertState.customer_id).in_(ids))
    gone: list[int] = []
    for row in session.exec(query).all():
        cleared = row.state == "dismissed" and (row.customer_id, row.category) not in firing_set
        expired = (
            row.state == "snoozed" and row.snoozed_until is not None and row.snoozed_until <= now
        )
        if (cleared or expired) and row.id is not None:
            gone.append(row.id)
    if gone:
        session.exec(delete(AlertState).where(col(AlertState.id).in_(gone)))
    return len(gone)


def alert_action(
    session: Session,
    actor: Actor,
    targets: list[tuple[str, str]],
    action: str,
    period: str | None = None,
) -> BulkOutcome:
    """Snooze (`period` 1d/7d/30d), dismiss or wake each (customer, category)."""
    if action not in ("snooze", "dismiss", "wake"):
        raise InvalidValue(f"alert action: {action!r} is not one of snooze, dismiss, wake.")
    actor.require_write(f"{action} alerts")
    outcome = BulkOutcome()
    for customer_name, category in targets:
        try:
            if action == "snooze":
                snooze(session, actor, customer_name, category, for_period=period)
            elif action == "dismiss":
                dismiss(session, actor, customer_name, category)
            else:
                wake(session, actor, customer_name, category)
            outcome.done += 1
        except PermissionDenied:
            raise
        except IQError as exc:
            session.rollback()
            outcome.failed.append(f"{customer_name}: {exc}")
    return outcome
