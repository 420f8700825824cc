"""Change events: the one place that hears about every change to a customer.

`customer_changed` runs after any single-customer change (score, edit,
import of one row, timeline entry, playbook step, sync) with the state before
and after; bulk paths (rescore, import) call `customers_changed_in_bulk`
with the ids whose score or band moved. Writes that change what is stored
of customers without either (a status change, imported columns that moved
no score, imported score history) call `customers_touched`, so that what is
derived from customers (current alerts, what the rules last saw) follows.
Capabilities that react to changes (timeline health-change entries, playbook
triggers, current alerts, alert-rule events) live above or beside this
module, so they subscribe here instead of being called:
`iqcadence.core.runtime.wiring.install()` subscribes them once, in that
order. Publishing before anything was installed raises, so a front end that
forgot the wiring fails loudly instead of silently skipping alerts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlmodel import Session

from iqcadence.core.base.actor import Actor

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome
    from iqcadence.core.store.models import Customer


@dataclass(frozen=True)
class BulkChange:
    """A set-based change of many customers.

    `changes_table` names a temporary table the publisher keeps while the
    handlers run, one row per changed customer with `id, old_score,
    new_score, old_band, new_band, old_lifecycle, score_moved, band_moved`
    (a rescore has one); without it, handlers read the moves from the last
    two score snapshots."""

    customer_ids: Sequence[int]
    cause: str
    changes_table: str | None = None


@dataclass(frozen=True)
class Touched:
    """Customers whose stored values or score history were written without a
    change event of their own (the events above may have named some too)."""

    customer_ids: Sequence[int]
    cause: str


OneHandler = Callable[[Session, Actor, "ChangeOutcome", str], None]
BulkHandler = Callable[[Session, Actor, BulkChange], None]
TouchedHandler = Callable[[Session, Actor, Touched], None]


@dataclass(frozen=True)
class Subscriber:
    name: str
    one: OneHandler
    bulk: BulkHandler
    touched: TouchedHandler | None = None


_subscribers: list[Subscriber] = []
_installed = False


class WiringMissing(RuntimeError):
    """A change was published before `runtime.wiring.install()` ran."""


def subscribe(
    name: str, *, one: OneHandler, bulk: BulkHandler, touched: TouchedHandler | None = None
) -> None:
    """Add a handler pair, and optionally a handler of touched customers
    (called in subscription order); a name subscribes once."""
    if any(s.name == name for s in _subscribers):
        return
    _subscribers.append(Subscriber(name, one, bulk, touched))


def mark_installed() -> None:
    global _installed
    _installed = True


def subscribers() -> tuple[str, ...]:
    return tuple(s.name for s in _subscribers)


def _require_wiring() -> None:
    if not _installed:
        raise WiringMissing(
            "customer changes were published before iqcadence.core.runtime.wiring.install() "
            "ran, so no timeline entry, playbook trigger or alert would follow them."
        )


def customer_changed(session: Session, actor: Actor, outcome: ChangeOutcome, *, cause: str) -> None:
    """React to one customer's change (inside the caller's transaction)."""
    _require_wiring()
    for subscriber in _subscribers:
        subscriber.one(session, actor, outcome, cause)


def customers_changed_in_bulk(
    session: Session,
    actor: Actor,
    customer_ids: Sequence[int],
    *,
    cause: str,
    changes_table: str | None = None,
) -> None:
    """React to a set-based change of many customers."""
    _require_wiring()
    change = BulkChange(customer_ids, cause, changes_table)
    for subscriber in _subscribers:
        subscriber.bulk(session, actor, change)


def customers_touched(
    session: Session, actor: Actor, customer_ids: Sequence[int], *, cause: str
) -> None:
    """React to customers written without a change event (inside the
    caller's transaction, after everything it wrote)."""
    _require_wiring()
    if not customer_ids:
        return
    touched = Touched(customer_ids, cause)
    for subscriber in _subscribers:
        if subscriber.touched is not None:
            subscriber.touched(session, actor, touched)


def customer_deleting(session: Session, customer: Customer) -> None:
    """Remove records that belong to a customer about to be hard-deleted
    (tables with ON DELETE CASCADE need nothing here)."""
    del session, customer
