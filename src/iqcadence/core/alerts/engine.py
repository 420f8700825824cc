"""Where every customer change meets the rules.

`changes.customer_changed` / `customers_changed_in_bulk` /
`customers_touched` call `observe` with the changed customers (whatever
caused the change: score, edit, import, timeline entry, playbook step, sync,
rescore, status); `automations run` calls `sweep` so that changes brought by
time alone (days without contact growing, a renewal coming closer, a custom
condition that becomes true as days pass) are seen too. A sweep compares
only the customers time can have moved since the last one (`sweep_plan`):
nothing on a second run the same day, the few crossing a threshold on the
next, everyone when the rules changed.

"Before" is what the rules last observed of the customer (`customer_watch`);
a change to a customer never observed uses the state before the change; a
customer never observed and without that state is only recorded (nothing
fires), so switching rules on never floods a channel with old news.

At scale (a rescore or import of a million customers, a sweep of them all):
with no enabled rule and no webhook nothing is read; otherwise customers are
compared `CHUNK` at a time, reading only the columns events compare (whole
rows only for customers that fire or when a custom rule needs them), a
customer's old state from the publisher's table of changes only when the
rules never observed it, and its stored facts decoded only when they moved;
outbox and watch rows are written per chunk in bulk. Memory therefore stays
flat whatever the number of customers.

Nothing here touches the network: notifications are written to the outbox
in the caller's transaction and sent by `outbox.deliver` (`automations run`,
started in the background right after the commit for real-time rows, see
`realtime`). A slow or dead endpoint therefore never holds up scoring, the
CLI or the TUI.

The comparison itself is `observation`; reading customers chunk by chunk is
`scan`; writing the outbox rows is `enqueue`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text, update
from sqlmodel import Session, col, select

from iqcadence.core.alerts.enqueue import REALTIME_QUEUED
from iqcadence.core.alerts.observation import (
    BeforeChanges,
    Observation,
    aged_facts,
    day_of,
    decoded_facts,
    event_rules,
)
from iqcadence.core.alerts.rules import rule_events
from iqcadence.core.alerts.scan import row_chunks, select_ids
from iqcadence.core.alerts.sweep_plan import (
    last_sweep,
    record_sweep,
    signature,
    time_candidates,
    unwatched,
)
from iqcadence.core.alerts.webhooks import list_webhooks, webhook_spec
from iqcadence.core.base import clock
from iqcadence.core.store.models.alerts import (
    AlertRule,
    AlertState,
    Connection,
    CustomerWatch,
    EventWebhook,
)

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome
    from iqcadence.core.scoring.conditions.tree import Condition


def on_customer_changed(
    session: Session, client_id: int, outcome: ChangeOutcome, *, acting_user: str | None = None
) -> int:
    customer = outcome.customer
    assert customer.id is not None
    before = {} if outcome.created else dict(outcome.before)
    queued = observe(session, client_id, [customer.id], before={customer.id: before})
    _send_soon(session, client_id, acting_user)
    return queued


def on_customers_changed(
    session: Session,
    client_id: int,
    customer_ids: Sequence[int],
    *,
    acting_user: str | None = None,
    changes_table: str | None = None,
) -> int:
    """The bulk change hook (rescore, import): the changed customers are
    compared chunk by chunk, so memory stays flat however many moved. A
    customer the rules never observed is compared with its state before the
    change from the publisher's table of changes, when it names one."""
    if not customer_ids:
        return 0
    before_changes = None
    if changes_table is not None:
        table = changes_table

        def before_changes(
            session: Session, customer_ids: Sequence[int]
        ) -> dict[int, dict[str, Any]]:
            return _before_from_table(session, table, customer_ids)

    queued = observe(session, client_id, customer_ids, before_changes=before_changes)
    _send_soon(session, client_id, acting_user)
    return queued


# Causes of `changes.customers_touched` that take customers out of the
# active set, and that bring them back (`customers.set_status`): sweeps do
# not look at them meanwhile, so what the rules saw of them is set as it
# stood on the last sweep when they leave, and compared as stored when they
# come back.
LEAVING = ("customer.archive", "customer.trash")
RETURNING = ("customer.unarchive", "customer.restore")


def on_customers_touched(
    session: Session,
    client_id: int,
    customer_ids: Sequence[int],
    *,
    cause: str = "",
    acting_user: str | None = None,
) -> int:
    """Customers written without a change event (a status change, imported
    columns that moved no score, imported history): compared like any change
    (one the rules never saw is only recorded)."""
    if not customer_ids:
        return 0
    if cause in LEAVING:
        _set_as_last_swept(session, client_id, customer_ids)
        return 0
    queued = observe(session, client_id, customer_ids, returning=cause in RETURNING)
    _send_soon(session, client_id, acting_user)
    return queued


def _set_as_last_swept(session: Session, client_id: int, customer_ids: Sequence[int]) -> None:
    """Store what the rules saw of these customers as it stood on the last
    sweep's day (what a sweep comparing everyone would have stored)."""
    day = _last_swept(session, client_id)
    if day is None:
        return
    sql = "SELECT customer_id, facts, seen_at FROM customer_watch WHERE client_id = :client_id"
    conn = session.connection()
    for customer_id, facts, seen_at in select_ids(
        conn, sql, "customer_id", customer_ids, {"client_id": client_id}
    ):
        watch = decoded_facts(facts)
        seen = day_of(seen_at)
        if seen >= day:
            continue
        watch["events"] = aged_facts(watch.get("events", {}), seen, day)
        conn.execute(
            update(CustomerWatch)
            .where(col(CustomerWatch.customer_id) == customer_id)
            .values(facts=watch, seen_at=clock.start_of(day))
        )


def _send_soon(session: Session, client_id: int, acting_user: str | None) -> None:
    if session.info.pop(REALTIME_QUEUED, False):
        from iqcadence.core.alerts.realtime import send_after_commit

        send_after_commit(session, client_id, acting_user)


def _before_from_table(
    session: Session, table: str, customer_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """Old score, band and lifecycle of these customers from a set-based
    change's table of changes (present while the bulk hook runs)."""
    conn = session.connection()
    sql = f"SELECT id, old_score, old_band, old_lifecycle FROM {table} WHERE 1 = 1"
    return {
        int(cid): {"score": score, "band": band, "lifecycle": lifecycle}
        for cid, score, band, lifecycle in select_ids(conn, sql, "id", customer_ids, {})
    }


def sweep(session: Session, client_id: int) -> int:
    """Compare the customers time can have moved since the last sweep (see
    `sweep_plan`); returns how many notifications were queued. Events found
    by a sweep are stamped with the start of today, so two sweeps on the
    same day queue them once."""
    today = clock.today()
    stamp = clock.start_of(today)
    _clear_dismissals(session, client_id, None)
    rules, hooks = _enabled(session, client_id)
    if not rules and not hooks:
        return 0
    specs = [spec for rule in rules if rule.kind == "events" for spec in rule_events(rule)]
    specs += [webhook_spec(hook) for hook in hooks]
    custom = [rule for rule in rules if rule.kind == "custom"]
    conn = session.connection()
    swept_on, swept_signature = last_sweep(conn, client_id)
    now_signature = signature(session, client_id, specs, custom)
    aged_to = _last_swept(session, client_id)
    if (
        swept_on is None
        or swept_signature != now_signature
        or today < swept_on
        or (custom and today > swept_on)
    ):
        ids: list[int] | None = None
    else:
        found = unwatched(conn, client_id)
        if today > swept_on:
            found |= time_candidates(conn, client_id, swept_on, today, specs)
        ids = sorted(found)
    queued = _observe(session, client_id, ids, rules, hooks, event_at=stamp, aged_to=aged_to)
    record_sweep(session.connection(), client_id, today, now_signature)
    session.flush()
    return queued


def take_write_lock(session: Session) -> None:
    """Start the transaction with a write that changes nothing, so that on
    SQLite a concurrent writer makes this one wait (busy timeout) rather
    than fail later on a stale read."""
    session.connection().execute(text("UPDATE alert_rule SET id = id WHERE 1 = 0"))


def observe(
    session: Session,
    client_id: int,
    customer_ids: Sequence[int] | None,
    *,
    before: Mapping[int, Mapping[str, Any]] | None = None,
    before_changes: BeforeChanges | None = None,
    event_at: datetime | None = None,
    returning: bool = False,
) -> int:
    """Compare the customers with what the rules last saw, queue what fires,
    remember what was seen. Runs inside the caller's transaction.

    What the rules saw of a customer before the last sweep is compared as it
    stood on that sweep's day (the sweep left alone the customers time did
    not move: see `sweep_plan`), unless the customers are `returning` to
    the active set, which that sweep did not look at.

    `customer_ids` None means every active customer of the client. Customers
    are handled `CHUNK` at a time (keyset over the ids), so memory does not
    grow with the portfolio; with no enabled rule and no webhook nothing is
    read at all.

    `before` gives the full prior state of changed customers; `before_changes`
    only the columns that changed (the rest is taken from the current row),
    as a mapping or as a function giving them for a chunk of ids; it is only
    consulted for customers the rules never observed."""
    if customer_ids is not None and not customer_ids:
        return 0
    _clear_dismissals(session, client_id, customer_ids)
    rules, hooks = _enabled(session, client_id)
    if not rules and not hooks:
        return 0
    return _observe(
        session,
        client_id,
        customer_ids,
        rules,
        hooks,
        before=before,
        before_changes=before_changes,
        event_at=event_at,
        aged_to=None if returning else _last_swept(session, client_id),
    )


def _last_swept(session: Session, client_id: int) -> date | None:
    """The day of the client's last sweep, unless it is after today (the
    clock went back: what was stored is compared as it is)."""
    swept_on, _signature = last_sweep(session.connection(), client_id)
    return swept_on if swept_on is not None and swept_on <= clock.today() else None


def _enabled(session: Session, client_id: int) -> tuple[list[AlertRule], list[EventWebhook]]:
    rules = list(
        session.exec(
            select(AlertRule).where(AlertRule.client_id == client_id, col(AlertRule.enabled))
        ).all()
    )
    return rules, list_webhooks(session, client_id)


def _observe(
    session: Session,
    client_id: int,
    customer_ids: Sequence[int] | None,
    rules: list[AlertRule],
    hooks: list[EventWebhook],
    *,
    before: Mapping[int, Mapping[str, Any]] | None = None,
    before_changes: BeforeChanges | None = None,
    event_at: datetime | None = None,
    aged_to: date | None = None,
) -> int:
    if customer_ids is not None and not customer_ids:
        return 0
    today, now = clock.today(), clock.now()
    pass_ = Observation(
        session=session,
        client_id=client_id,
        today=today,
        now=now,
        stamp=event_at or now,
        event_rules=event_rules(rules, hooks),
        custom=[(r, _parse_groups(r)) for r in rules if r.kind == "custom"],
        kinds={
            c.name_key: c.kind
            for c in session.exec(select(Connection).where(Connection.client_id == client_id))
        },
        before=before,
        before_changes=before_changes,
        aged_to=aged_to,
    )
    queued = 0
    for rows in row_chunks(session, client_id, customer_ids, full=bool(pass_.custom)):
        queued += pass_.run(rows)
    session.flush()
    return queued


def _parse_groups(rule: AlertRule) -> list[Condition]:
    from iqcadence.core.scoring.conditions.parse import parse_condition

    return [parse_condition(c) for c in rule.conditions]


def _clear_dismissals(session: Session, client_id: int, customer_ids: Sequence[int] | None) -> None:
    """A dismissal lasts until its condition clears: look at the dismissed
    alerts of these customers and drop those no longer firing."""
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.alerts.state import clear_resolved

    query = select(AlertState.customer_id).where(
        AlertState.client_id == client_id, AlertState.state == "dismissed"
    )
    found = set(session.exec(query).all())
    if found and customer_ids is not None:  # one pass over the ids, no copy of them
        found = {cid for cid in customer_ids if cid in found}
    ids = sorted(found)
    if not ids:
        return
    session.flush()
    firing = {
        (a.customer_id, a.category)
        for a in derive_alerts(
            session, client_id, customer_ids=ids, include_snoozed=True, include_dismissed=True
        )
    }
    clear_resolved(session, client_id, firing, customer_ids=ids)
