"""Customers: create, update and score one at a time; find; archive; delete.

Every change to a customer goes through `apply_changes`, which validates the
values, rescores, writes a snapshot when the score moved, applies lifecycle
auto-transitions, audits, and hands the before/after pair to
`changes.customer_changed` (the one place later capabilities hook into).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from iqcadence.core.accounts import changes
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.scoring.fields import FIELDS, parse_field, parse_name
from iqcadence.core.scoring.formula import (
    SIGNALS,
    ScoreResult,
    ScoringConfig,
    band_for,
    compute_score,
    effective_days,
)
from iqcadence.core.store import audit, dialect, settings
from iqcadence.core.store.models import Customer, ScoreSnapshot

RISK_BANDS = ("critical", "at_risk")
RECOVERED_BANDS = ("healthy", "expansion")


def name_key(name: str) -> str:
    """The identity of a name: trimmed, inner spaces collapsed, case-folded."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    return parse_name("name", name)


def find_customer(session: Session, client_id: int, name: str) -> Customer | None:
    return session.exec(
        select(Customer).where(Customer.client_id == client_id, Customer.name_key == name_key(name))
    ).first()


def get_customer(session: Session, actor: Actor, name: str) -> Customer:
    customer = find_customer(session, actor.client_id, name)
    if customer is None:
        raise NotFound(f"customer {name.strip()!r} does not exist{_suggest(session, actor, name)}.")
    return customer


def customer_by_id(session: Session, actor: Actor, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or customer.client_id != actor.client_id:
        raise NotFound(f"customer #{customer_id} does not exist (it may have been deleted).")
    return customer


def _suggest(session: Session, actor: Actor, name: str) -> str:
    key = name_key(name)
    if len(key) < 2:
        return ""
    rows = session.exec(
        select(Customer.name)
        .where(Customer.client_id == actor.client_id, col(Customer.name_key).startswith(key[:3]))
        .order_by(Customer.name_key)
        .limit(3)
    ).all()
    return f" (did you mean {', '.join(repr(r) for r in rows)}?)" if rows else ""


def signals_of(customer: Customer, today: date) -> dict[str, Any]:
    """The signal values a customer is scored on today (days with decay)."""
    return {
        "logins": customer.logins,
        "adoption": customer.adoption,
        "tickets": customer.tickets,
        "nps": customer.nps,
        "csat": customer.csat,
        "days": effective_days(customer.days_baseline, customer.days_as_of, today),
        "growth": customer.growth,
    }


def weights_for(session: Session, customer: Customer, config: ScoringConfig) -> dict[str, int]:
    profile = None
    if customer.scoring_profile:
        profile = settings.get_profile(
            session, customer.client_id, customer.scoring_profile
        ).weights
    return config.effective_weights(profile)


def evaluate(
    session: Session, customer: Customer, config: ScoringConfig, today: date
) -> ScoreResult:
    """The computed score of a customer now (ignores a manual override)."""
    return compute_score(
        signals_of(customer, today), weights_for(session, customer, config), config.thresholds
    )


@dataclass
class ChangeOutcome:
    customer: Customer
    created: bool
    before: dict[str, Any]
    changed_fields: dict[str, tuple[Any, Any]]
    result: ScoreResult
    snapshot_written: bool
    lifecycle_auto: tuple[str, str] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def score_changed(self) -> bool:
        return self.before.get("score") != self.customer.score

    @property
    def band_moved(self) -> bool:
        return self.before.get("band") != self.customer.band


def state_of(customer: Customer) -> dict[str, Any]:
    """A plain copy of every column, for before/after comparisons."""
    return {name: getattr(customer, name) for name in Customer.model_fields}


def apply_changes(
    session: Session,
    actor: Actor,
    name: str,
    values: Mapping[str, Any],
    *,
    create: bool = True,
    cause: str = "score",
    commit: bool = True,
) -> ChangeOutcome:
    """Create or update a customer from field values (text or typed) and score it.

    Values are validated first; on any error nothing is changed. `score` sets a
    manual override (a blank score clears it). `days` is stored as a baseline
    dated today; a `last_contact_date` without `days` sets the baseline from it.
    """
    actor.require_write()
    today = clock.today()
    parsed = {key: parse_field(key, value) for key, value in values.items()}
    config = settings.load_scoring_config(session, actor.client_id)

    dialect.lock_name(session.connection(), actor.client_id, name_key(name))
    customer = find_customer(session, actor.client_id, name)
    created = customer is None
    if customer is None:
        if not create:
            raise NotFound(
                f"customer {name.strip()!r} does not exist{_suggest(session, actor, name)}."
            )
        display = clean_name(parsed.pop("name", None) or name)
        customer = Customer(client_id=actor.client_id, name=display, name_key=name_key(display))
    before = state_of(customer) if not created else {}

    _apply_values(session, actor, customer, parsed, today)
    result = _rescore(session, customer, config, today)
    lifecycle_auto = None
    if "lifecycle" not in parsed:
        lifecycle_auto = lifecycle_transition(before.get("band"), customer.band, customer.lifecycle)
        if lifecycle_auto is not None:
            customer.lifecycle = lifecycle_auto[1]
    customer.updated_at = clock.now()
    session.add(customer)
    session.flush()

    after = state_of(customer)
    changed = {
        key: (before.get(key), after[key])
        for key in after
        if key not in ("updated_at", "scored_at", "created_at", "id")
        and before.get(key) != after[key]
    }
    snapshot = False
    if customer.score is not None and (created or before.get("score") != customer.score):
        write_snapshot(
            session, customer, result, today_signals=signals_of(customer, today), source=cause
        )
        snapshot = True
    audit.record(
        session,
        actor,
        "customer.create" if created else f"customer.{cause}",
        customer=customer,
        details={"changes": {k: {"from": v[0], "to": v[1]} for k, v in changed.items()}},
    )
    if lifecycle_auto is not None:
        audit.record(
            session,
            actor,
            "customer.lifecycle.auto",
            customer=customer,
            details={"from": lifecycle_auto[0], "to": lifecycle_auto[1], "band": customer.band},
        )
    outcome = ChangeOutcome(
        customer=customer,
        created=created,
        before=before,
        changed_fields=changed,
        result=result,
        snapshot_written=snapshot,
        lifecycle_auto=lifecycle_auto,
    )
    changes.customer_changed(session, actor, outcome, cause=cause)
    if commit:
        session.commit()
    return outcome


def _apply_values(
    session: Session, actor: Actor, customer: Customer, parsed: dict[str, Any], today: date
) -> None:
    if "name" in parsed:
        new_name = clean_name(parsed.pop("name") or "")
        other = find_customer(session, actor.client_id, new_name)
        if other is not None and other.id != customer.id:
            raise Conflict(f"name: a customer named {other.name!r} already exists.")
        customer.name, customer.name_key = new_name, name_key(new_name)
    if "scoring_profile" in parsed and parsed["scoring_profile"] is not None:
        parsed["scoring_profile"] = settings.get_profile(
            session, actor.client_id, parsed["scoring_profile"]
        ).name
    revenue_given = "mrr" in parsed or "arr" in parsed
    mrr, arr = parsed.pop("mrr", None), parsed.pop("arr", None)
    if mrr is not None and arr is not None and abs(arr - 12 * mrr) > 0.01:
        raise InvalidValue(f"mrr/arr: ARR must be 12 × MRR ({12 * mrr:g}), got {arr:g}.")
    if mrr is not None:
        customer.mrr, customer.arr = mrr, round(mrr * 12, 2)
    elif arr is not None:
        customer.mrr, customer.arr = round(arr / 12, 2), arr
    elif revenue_given:  # given blank: cleared, both, as they move together
        customer.mrr = customer.arr = None
    if "days" in parsed:
        days = parsed.pop("days")
        customer.days_baseline = days
        customer.days_as_of = today if days is not None else None
    elif parsed.get("last_contact_date") is not None:
        contact = parsed["last_contact_date"]
        if contact > today:
            raise InvalidValue(f"last_contact_date: {contact} is in the future.")
        customer.days_baseline, customer.days_as_of = 0, contact
    if "score" in parsed:
        manual = parsed.pop("score")
        customer.score_manual = manual is not None
        if manual is not None:
            customer.score = manual
    if "tags" in parsed:
        customer.tags = "|".join(parsed.pop("tags"))
    for key, value in parsed.items():
        if key not in FIELDS:
            raise InvalidValue(f"unknown field {key!r}.")
        if key == "lifecycle" and value is None:
            raise InvalidValue("lifecycle: must not be empty.")
        setattr(customer, key, value)


def _rescore(
    session: Session, customer: Customer, config: ScoringConfig, today: date
) -> ScoreResult:
    result = evaluate(session, customer, config, today)
    if customer.score_manual and customer.score is not None:
        customer.band = band_for(customer.score, config.thresholds)
    else:
        customer.score_manual = False
        customer.score, customer.band = result.score, result.band
    customer.scored_at = clock.now()
    return result


def lifecycle_transition(
    old_band: str | None, new_band: str | None, lifecycle: str
) -> tuple[str, str] | None:
    """SPEC §3: entering At Risk/Critical moves active/onboarding to atrisk;
    recovering to Healthy or above moves atrisk back to active."""
    if new_band in RISK_BANDS and old_band not in RISK_BANDS:
        if lifecycle in ("active", "onboarding"):
            return (lifecycle, "atrisk")
    if new_band in RECOVERED_BANDS and old_band not in RECOVERED_BANDS and lifecycle == "atrisk":
        return (lifecycle, "active")
    return None


def write_snapshot(
    session: Session,
    customer: Customer,
    result: ScoreResult,
    *,
    today_signals: Mapping[str, Any],
    source: str,
) -> ScoreSnapshot:
    assert customer.id is not None
    snapshot = ScoreSnapshot(
        customer_id=customer.id,
        taken_at=clock.now(),
        score=customer.score,
        band=customer.band,
        weights=dict(result.weights),
        source=source,
        **{name: today_signals.get(name) for name in SIGNALS},
    )
    session.add(snapshot)
    return snapshot


def rescore_one(
    session: Session, actor: Actor, name: str, *, include_override: bool = False
) -> ChangeOutcome:
    """Rescore one customer with the current model (keeps an override unless asked)."""
    values: dict[str, Any] = {"score": ""} if include_override else {}
    return apply_changes(session, actor, name, values, create=False, cause="rescore")


# --- status --------------------------------------------------------------------

STATUS_ACTIONS = {
    "archive": ("active", "archived"),
    "unarchive": ("archived", "active"),
    "trash": (None, "trashed"),
    "restore": ("trashed", "active"),
}


def set_status(
    session: Session, actor: Actor, name: str, action: str, *, commit: bool = True
) -> Customer:
    """Archive keeps everything and hides the customer from default lists;
    trash is a recoverable delete; restore / unarchive bring it back."""
    actor.require_write()
    customer = get_customer(session, actor, name)
    required, target = STATUS_ACTIONS[action]
    if required is not None and customer.status != required:
        if customer.status == target:
            raise Conflict(f"{customer.name!r} is already {target}.")
        article = "an" if required[0] in "aeiou" else "a"
        raise Conflict(
            f"{customer.name!r} is {customer.status}; "
            f"only {article} {required} customer can be {action}d."
        )
    if customer.status == target:
        raise Conflict(f"{customer.name!r} is already {target}.")
    before = customer.status
    customer.status = target
    customer.updated_at = clock.now()
    session.add(customer)
    audit.record(
        session,
        actor,
        f"customer.{action}",
        customer=customer,
        details={"from": before, "to": target},
    )
    session.flush()
    assert customer.id is not None
    # alerts and the rules follow the customer into (or out of) the active set
    changes.customers_touched(session, actor, [customer.id], cause=f"customer.{action}")
    if commit:
        session.commit()
    return customer


def delete_customer(session: Session, actor: Actor, name: str) -> None:
    """Hard delete (admin only): the customer and every record that belongs to it."""
    actor.require_admin("hard-delete customers")
    customer = get_customer(session, actor, name)
    audit.record(
        session,
        actor,
        "customer.delete",
        customer=customer,
        details={"mrr": customer.mrr, "score": customer.score},
    )
    changes.customer_deleting(session, customer)
    session.exec(delete(ScoreSnapshot).where(col(ScoreSnapshot.customer_id) == customer.id))
    session.delete(customer)
    session.commit()


def count_customers(session: Session, client_id: int) -> int:
    return int(
        session.exec(
            select(func.count()).select_from(Customer).where(Customer.client_id == client_id)
        ).one()
    )
