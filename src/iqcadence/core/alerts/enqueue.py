"""Writing notifications: the outbox rows of the events that fired, one per
channel and idempotency key, with the payload the channels render. Rows are
written in the caller's transaction; `outbox.deliver` sends them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from iqcadence.core.alerts.connections import name_key
from iqcadence.core.alerts.scan import IN_LIST
from iqcadence.core.base import clock
from iqcadence.core.base.labels import label
from iqcadence.core.base.money import DEFAULT_CURRENCY, money
from iqcadence.core.store import display
from iqcadence.core.store.models.alerts import AlertRule, OutboxEntry

if TYPE_CHECKING:
    from iqcadence.core.alerts.events import Event

# Set on the session when a row to send now was written; the change hook
# then starts delivery once the transaction commits.
REALTIME_QUEUED = "iqcadence.realtime_queued"


def notification_payload(
    rule: AlertRule | None,
    event: Event,
    row: Mapping[str, Any],
    stamp: datetime,
    today: date,
    key: str,
    currency: str = DEFAULT_CURRENCY,
) -> dict[str, Any]:
    """The stored payload: a title, plain lines (Slack/Teams/email) in words
    and the client's currency, and the data (tokens) the generic webhook
    receives."""
    from iqcadence.core.accounts.shape import customer_to_dict

    customer = customer_to_dict(dict(row), today=today)
    spec = event.spec
    if spec.type == "custom":
        what = f"rule {rule.name if rule else ''}"
    else:
        what = label("alert_event", spec.type) + ("" if spec.param is None else f" {spec.param:g}")
    score = customer.get("score")
    band = customer.get("band")
    mrr = customer.get("mrr")
    details = [
        f"Score {score:.1f} ({label('band', band)})" if score is not None else "Unscored",
        f"MRR {money(mrr, currency=currency)}" if mrr is not None else None,
        f"Manager {customer['manager']}" if customer.get("manager") else None,
    ]
    lines = [f"{customer['name']}: {event.reason}", " · ".join(d for d in details if d)]
    if rule is not None:
        lines.append(f"Rule: {rule.name}")
    return {
        "title": f"{customer['name']} — {what}",
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


def queue_notifications(
    session: Session,
    client_id: int,
    fired: Sequence[tuple[AlertRule | None, Event, Mapping[str, Any]]],
    stamp: datetime,
    today: date,
    kinds: Mapping[str, str],
) -> int:
    """Write the outbox rows of these events (rule or webhook, event, whole
    customer row), one per channel, skipping keys already there; returns how
    many were written. One existence query and one multi-row INSERT per call;
    if a concurrent writer wins a key meanwhile, rows go in one at a time."""
    rows: dict[str, dict[str, Any]] = {}  # by idempotency key, first one kept
    now = clock.now()
    currency = display.currency(session, client_id) if fired else DEFAULT_CURRENCY
    for rule, event, row in fired:
        cid = int(row["id"])
        origin = f"rule{rule.id}" if rule is not None else "webhook"
        base = f"{origin}.{event.spec.type}.customer{cid}.{stamp.isoformat()}"
        if rule is not None:
            targets = [(c, kinds.get(name_key(c), "webhook")) for c in rule.channels]
            held = rule.schedule != "realtime"
        else:
            targets = [(f"webhook:{event.spec.type}", "event_webhook")]
            held = False
        for channel, kind in targets:
            key = f"{base}@{name_key(channel).replace(' ', '-')}"
            if key in rows:
                continue
            rows[key] = {
                "client_id": client_id,
                "idempotency_key": key,
                "rule_id": rule.id if rule is not None else None,
                "rule_name": rule.name if rule is not None else None,
                "channel": channel,
                "kind": kind,
                "event": event.spec.type,
                "customer_id": cid,
                "customer_name": str(row["name"]),
                "event_at": stamp,
                "payload": notification_payload(
                    rule, event, row, stamp, today, key, currency=currency
                ),
                "status": "held" if held else "pending",
                "digest_id": None,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": None,
                "claimed_by": None,
                "claimed_at": None,
                "created_at": now,
                "sent_at": None,
            }
    if not rows:
        return 0
    session.flush()
    keys = list(rows)
    for start in range(0, len(keys), IN_LIST):
        taken = session.exec(
            select(OutboxEntry.idempotency_key).where(
                col(OutboxEntry.idempotency_key).in_(keys[start : start + IN_LIST])
            )
        )
        for key in taken:
            rows.pop(key, None)
    if not rows:
        return 0
    table = OutboxEntry.__table__  # type: ignore[attr-defined]
    try:
        with session.begin_nested():
            session.execute(insert(table), list(rows.values()))
        written = list(rows.values())
    except IntegrityError:  # a concurrent writer queued some of them first
        written = [r for r in rows.values() if insert_once(session, OutboxEntry(**r))]
    if any(r["status"] == "pending" for r in written):
        session.info[REALTIME_QUEUED] = True
    return len(written)


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
