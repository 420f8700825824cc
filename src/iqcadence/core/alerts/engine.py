"""Where every customer change meets the rules.

`changes.customer_changed` / `customers_changed_in_bulk` call `observe` with
the changed customers (whatever caused the change: score, edit, import,
timeline entry, playbook step, sync, rescore); `automations run` calls
`sweep` over every customer so that changes brought by time alone (days
without contact growing, a renewal coming closer, a custom condition that
becomes true as days pass) are seen too.

"Before" is what the rules last observed of the customer (`customer_watch`);
a change to a customer never observed uses the state before the change; a
customer never observed and without that state is only recorded (nothing
fires), so switching rules on never floods a channel with old news.

Nothing here touches the network: notifications are written to the outbox
in the caller's transaction and sent by `outbox.deliver` (`automations run`,
started in the background right after the commit for real-time rows, see
`realtime`). A slow or dead endpoint therefore never holds up scoring, the
CLI or the TUI.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from iqcadence.core import clock
from iqcadence.core.alerts.connections import name_key
from iqcadence.core.alerts.events import Event, EventSpec, detect, event_facts
from iqcadence.core.alerts.rules import in_scope, rule_events
from iqcadence.core.alerts.webhooks import list_webhooks, webhook_spec
from iqcadence.core.models.alerts import (
    AlertRule,
    AlertState,
    Connection,
    CustomerWatch,
    OutboxEntry,
)

if TYPE_CHECKING:
    from iqcadence.core.conditions import Condition
    from iqcadence.core.customers import ChangeOutcome

_NOT_GIVEN: dict[str, Any] = {}
_REALTIME_QUEUED = "iqcadence.realtime_queued"


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
) -> int:
    queued = observe(
        session, client_id, list(customer_ids), before_changes=_bulk_before(session, customer_ids)
    )
    _send_soon(session, client_id, acting_user)
    return queued


def _send_soon(session: Session, client_id: int, acting_user: str | None) -> None:
    if session.info.pop(_REALTIME_QUEUED, False):
        from iqcadence.core.alerts.realtime import send_after_commit

        send_after_commit(session, client_id, acting_user)


def _bulk_before(session: Session, customer_ids: Sequence[int]) -> dict[int, dict[str, Any]] | None:
    """Old score, band and lifecycle of a set-based rescore (its `rescore_dirty`
    table, present while the bulk hook runs), so a customer the rules never
    observed is still compared with its state before the change."""
    if not customer_ids:
        return None
    try:
        from iqcadence.core.rescore import DIRTY_TABLE
    except ImportError:  # pragma: no cover - no set-based rescoring
        return None
    try:
        with session.begin_nested():
            result = session.connection().execute(
                text(f"SELECT id, old_score, old_band, old_lifecycle FROM {DIRTY_TABLE}")
            )
            rows = result.all()
    except Exception:  # noqa: BLE001 - the table exists only during a bulk rescore
        return None
    wanted = set(customer_ids)
    return {
        int(cid): {"score": score, "band": band, "lifecycle": lifecycle}
        for cid, score, band, lifecycle in rows
        if int(cid) in wanted
    }


def sweep(session: Session, client_id: int) -> int:
    """Look at every customer (for changes brought by time); returns how many
    notifications were queued. Events found by a sweep are stamped with the
    start of today, so two sweeps on the same day queue them once."""
    return observe(session, client_id, None, event_at=clock.start_of(clock.today()))


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
    before_changes: Mapping[int, Mapping[str, Any]] | None = None,
    event_at: datetime | None = None,
) -> int:
    """Compare the customers with what the rules last saw, queue what fires,
    remember what was seen. Runs inside the caller's transaction.

    `before` gives the full prior state of changed customers; `before_changes`
    only the columns that changed (the rest is taken from the current row)."""
    if customer_ids is not None and not customer_ids:
        return 0
    _clear_dismissals(session, client_id, customer_ids)
    rules = list(
        session.exec(
            select(AlertRule).where(AlertRule.client_id == client_id, col(AlertRule.enabled))
        ).all()
    )
    hooks = list_webhooks(session, client_id)
    if not rules and not hooks:
        return 0
    today, now = clock.today(), clock.now()
    stamp = event_at or now
    rows = _rows(session, client_id, customer_ids)
    if not rows:
        return 0
    watches = _watches(session, client_id, [int(r["id"]) for r in rows])
    custom = [(r, _parse_groups(r)) for r in rules if r.kind == "custom"]
    event_rules = [r for r in rules if r.kind == "events"]
    facts_of = _custom_facts(session, client_id, rows, today) if custom else None
    kinds = {
        c.name_key: c.kind
        for c in session.exec(select(Connection).where(Connection.client_id == client_id))
    }
    queued = 0
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    for row in rows:
        cid = int(row["id"])
        after = event_facts(row, today)
        watch = watches.get(cid)
        explicit = before.get(cid, _NOT_GIVEN) if before is not None else _NOT_GIVEN
        if explicit is _NOT_GIVEN and before_changes is not None and cid in before_changes:
            explicit = {**row, **before_changes[cid]}
        if watch is not None:
            seen: Mapping[str, Any] | None = watch.get("events", {})
        elif explicit is not _NOT_GIVEN:
            seen = event_facts(explicit, today) if explicit else {}
        else:
            seen = None  # never observed: record only
        fired: list[tuple[AlertRule | None, Event]] = []
        if seen is not None:
            for rule in event_rules:
                if in_scope(rule, row.get("manager")):
                    for spec in rule_events(rule):
                        event = detect(spec, seen, after)
                        if event is not None:
                            fired.append((rule, event))
            for hook in hooks:
                event = detect(webhook_spec(hook), seen, after)
                if event is not None:
                    fired.append((None, event))
        rule_truth: dict[str, bool] = {}
        if custom and facts_of is not None:
            old_truth = watch.get("rules", {}) if watch is not None else {}
            now_facts = facts_of(row)
            then_facts = facts_of(explicit) if explicit is not _NOT_GIVEN and explicit else None
            for rule, groups in custom:
                key = f"{rule.id}.{rule.revision}"
                is_true = any(group.evaluate(now_facts) for group in groups)
                if key in old_truth:
                    was_true = bool(old_truth[key])
                elif watch is None and explicit is not _NOT_GIVEN:
                    was_true = then_facts is not None and any(
                        group.evaluate(then_facts) for group in groups
                    )
                else:
                    was_true = is_true  # first sight of this rule: record only
                rule_truth[key] = is_true
                if is_true and not was_true and in_scope(rule, row.get("manager")):
                    reason = "condition became true: " + " OR ".join(
                        f"({c})" for c in rule.conditions
                    )
                    event = Event(EventSpec("custom"), reason, dict(seen or {}), after)
                    fired.append((rule, event))
        for origin, occurrence in fired:
            queued += _queue(session, client_id, origin, occurrence, row, stamp, today, kinds)
        facts = {"events": after, "rules": rule_truth}
        if watch is None:
            inserts.append(
                {"customer_id": cid, "client_id": client_id, "facts": facts, "seen_at": now}
            )
        elif watch != facts:
            updates.append({"customer_id": cid, "facts": facts, "seen_at": now})
    if inserts:
        session.execute(insert(CustomerWatch), inserts)
    if updates:
        session.execute(update(CustomerWatch), updates)
    session.flush()
    return queued


def _parse_groups(rule: AlertRule) -> list[Condition]:
    from iqcadence.core.conditions import parse_condition

    return [parse_condition(c) for c in rule.conditions]


def _custom_facts(session: Session, client_id: int, rows: list[dict[str, Any]], today: date) -> Any:
    from iqcadence.core import settings
    from iqcadence.core.conditions import customer_facts
    from iqcadence.core.queries import momentum_for

    config = settings.load_scoring_config(session, client_id)
    momentum = momentum_for(session, rows, today)

    def facts(row: Mapping[str, Any]) -> dict[str, Any]:
        rid = row.get("id")
        return customer_facts(
            session,
            row,
            today=today,
            config=config,
            momentum=momentum.get(int(rid)) if rid is not None else None,
        )

    return facts


def _rows(
    session: Session, client_id: int, customer_ids: Sequence[int] | None
) -> list[dict[str, Any]]:
    from iqcadence.core.queries import _typed_row

    sql = "SELECT * FROM customer WHERE client_id = :client_id AND status = 'active'"
    conn = session.connection()
    if customer_ids is None:
        result = conn.execute(text(sql + " ORDER BY id"), {"client_id": client_id}).mappings()
        return [_typed_row(dict(r)) for r in result]
    rows: list[dict[str, Any]] = []
    ids = list(customer_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join(f":c{i}" for i in range(len(chunk)))
        params: dict[str, Any] = {"client_id": client_id}
        params.update({f"c{i}": cid for i, cid in enumerate(chunk)})
        result = conn.execute(text(f"{sql} AND id IN ({marks})"), params).mappings()
        rows.extend(_typed_row(dict(r)) for r in result)
    return rows


def _watches(session: Session, client_id: int, ids: list[int]) -> dict[int, dict[str, Any]]:
    """What was last observed of these customers (facts by customer id)."""
    out: dict[int, dict[str, Any]] = {}
    query = select(CustomerWatch.customer_id, CustomerWatch.facts)
    if len(ids) > 2000:  # most of the client: one scan beats many IN lists
        wanted = set(ids)
        for cid, facts in session.exec(query.where(CustomerWatch.client_id == client_id)):
            if cid in wanted:
                out[cid] = dict(facts)
        return out
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for cid, facts in session.exec(query.where(col(CustomerWatch.customer_id).in_(chunk))):
            out[cid] = dict(facts)
    return out


def _clear_dismissals(session: Session, client_id: int, customer_ids: Sequence[int] | None) -> None:
    """A dismissal lasts until its condition clears: look at the dismissed
    alerts of these customers and drop those no longer firing."""
    from iqcadence.core.alerts.derive import derive_alerts
    from iqcadence.core.alerts.state import clear_resolved

    query = select(AlertState.customer_id).where(
        AlertState.client_id == client_id, AlertState.state == "dismissed"
    )
    found = set(session.exec(query).all())
    if customer_ids is not None:
        found &= set(customer_ids)
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


# --- writing notifications -------------------------------------------------------------


def notification_payload(
    rule: AlertRule | None,
    event: Event,
    row: Mapping[str, Any],
    stamp: datetime,
    today: date,
    key: str,
) -> dict[str, Any]:
    """The stored payload: a title, plain lines (Slack/Teams/email) and the
    data the generic webhook receives."""
    from iqcadence.core.queries import customer_to_dict

    customer = customer_to_dict(dict(row), today=today)
    label = (
        event.spec.label() if event.spec.type != "custom" else f"rule {rule.name if rule else ''}"
    )
    score = customer.get("score")
    band = customer.get("band")
    mrr = customer.get("mrr")
    details = [
        f"Score {score:.1f} ({band})" if score is not None else "Unscored",
        f"MRR ${mrr:,.0f}" if mrr is not None else None,
        f"Manager {customer['manager']}" if customer.get("manager") else None,
    ]
    lines = [f"{customer['name']}: {event.reason}", " · ".join(d for d in details if d)]
    if rule is not None:
        lines.append(f"Rule: {rule.name}")
    return {
        "title": f"{customer['name']} — {label.replace('_', ' ').replace(':', ' ')}",
        "lines": lines,
        "data": {
            "idempotency_key": key,
            "event": {
                "type": event.spec.type,
                "param": event.spec.param,
                "reason": event.reason,
                "at": stamp.isoformat(),
            },
            "rule": {"id": rule.id, "name": rule.name} if rule is not None else None,
            "customer": customer,
            "before": event.before,
            "after": event.after,
        },
    }


def _queue(
    session: Session,
    client_id: int,
    rule: AlertRule | None,
    event: Event,
    row: Mapping[str, Any],
    stamp: datetime,
    today: date,
    kinds: Mapping[str, str],
) -> int:
    cid = int(row["id"])
    origin = f"rule{rule.id}" if rule is not None else "webhook"
    base = f"{origin}.{event.spec.type}.customer{cid}.{stamp.isoformat()}"
    if rule is not None:
        targets = [(c, kinds.get(name_key(c), "webhook")) for c in rule.channels]
        held = rule.schedule != "realtime"
    else:
        targets = [(f"webhook:{event.spec.type}", "event_webhook")]
        held = False
    count = 0
    for channel, kind in targets:
        key = f"{base}@{name_key(channel).replace(' ', '-')}"
        entry = OutboxEntry(
            client_id=client_id,
            idempotency_key=key,
            rule_id=rule.id if rule is not None else None,
            rule_name=rule.name if rule is not None else None,
            channel=channel,
            kind=kind,
            event=event.spec.type,
            customer_id=cid,
            customer_name=str(row["name"]),
            event_at=stamp,
            payload=notification_payload(rule, event, row, stamp, today, key),
            status="held" if held else "pending",
            next_attempt_at=clock.now(),
        )
        if insert_once(session, entry):
            count += 1
            if not held:
                session.info[_REALTIME_QUEUED] = True
    return count


def insert_once(session: Session, entry: OutboxEntry) -> bool:
    """Add an outbox row unless its idempotency key is already there."""
    exists = session.exec(
        select(OutboxEntry.id).where(OutboxEntry.idempotency_key == entry.idempotency_key)
    ).first()
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(entry)
            session.flush()
    except IntegrityError:
        return False
    return True


def queued_for(session: Session, keys: Iterable[str]) -> list[OutboxEntry]:
    return list(
        session.exec(select(OutboxEntry).where(col(OutboxEntry.idempotency_key).in_(list(keys))))
    )
