"""The outbox: every notification is written first, then sent, exactly once.

Lifecycle of a row: `pending` → `sent`; on a failed attempt `failed` with
`next_attempt_at = now + backoff × 2^(attempts−1)`; after
`delivery_max_attempts` attempts `dead` with the last error. Rows of a
digest rule wait as `held` until the rule's time, when `assemble_digests`
folds them into one `pending` digest row per channel (they become
`digested`).

`deliver` is safe to run in several processes at once: a row is claimed with
one conditional UPDATE (`... WHERE status IN ('pending','failed') AND
claimed_by IS NULL`, or a claim older than `delivery_claim_timeout`), and
only the claimant sends it and records the result. A success is recorded
before the claim is released, so a sent row is never sent again; a process
dying between sending and recording leaves a stale claim, retried later with
the same idempotency key (at-least-once transport, de-duplicated by the key
in the `Idempotency-Key` header and in the payload).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from iqcadence.core.alerts.config import AlertConfig, load_alert_config
from iqcadence.core.alerts.connections import DeliveryFailed, Notification, name_key, send
from iqcadence.core.alerts.rules import last_due
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, IQError, NotFound
from iqcadence.core.store import audit, dialect
from iqcadence.core.store.models.alerts import AlertRule, OutboxEntry

STATUSES: tuple[str, ...] = ("held", "digested", "pending", "sent", "failed", "dead")
SENDABLE: tuple[str, ...] = ("pending", "failed")


@dataclass
class RunReport:
    """What one `automations run` did (or, dry, would do)."""

    queued: int = 0
    digests: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    skipped: int = 0
    due: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "queued": self.queued,
            "digests": self.digests,
            "sent": self.sent,
            "failed": self.failed,
            "dead": self.dead,
            "skipped": self.skipped,
            "due": self.due,
            "errors": self.errors,
        }


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff_delay(config: AlertConfig, attempts: int) -> timedelta:
    return timedelta(seconds=config.delivery_backoff * (2 ** max(0, attempts - 1)))


# --- digests -----------------------------------------------------------------------------


def assemble_digests(session: Session, client_id: int, *, now: datetime | None = None) -> int:
    """Fold held rows into one digest per rule and channel for every digest
    time that has come. Returns how many digest rows were written (commits)."""
    from iqcadence.core.alerts.engine import take_write_lock
    from iqcadence.core.alerts.enqueue import insert_once

    now = now or clock.now()
    made = 0
    session.rollback()
    take_write_lock(session)  # one assembler at a time
    held_rules = session.exec(
        select(OutboxEntry.rule_id)
        .where(OutboxEntry.client_id == client_id, OutboxEntry.status == "held")
        .distinct()
    ).all()
    for rule_id in held_rules:
        rule = session.get(AlertRule, rule_id) if rule_id is not None else None
        if rule is None:
            continue
        due = last_due(rule.schedule, now)
        if due is None:  # switched back to realtime: release what waits
            session.exec(
                update(OutboxEntry)
                .where(col(OutboxEntry.rule_id) == rule.id, col(OutboxEntry.status) == "held")
                .values(status="pending", next_attempt_at=now)
            )
            continue
        items = list(
            session.exec(
                select(OutboxEntry)
                .where(
                    OutboxEntry.rule_id == rule.id,
                    OutboxEntry.status == "held",
                    col(OutboxEntry.created_at) <= due,
                )
                .order_by(col(OutboxEntry.event_at), col(OutboxEntry.id))
            ).all()
        )
        by_channel: dict[str, list[OutboxEntry]] = {}
        for item in items:
            by_channel.setdefault(item.channel, []).append(item)
        for channel, group in by_channel.items():
            key = f"digest.rule{rule.id}.{due.isoformat()}@{name_key(channel).replace(' ', '-')}"
            digest = OutboxEntry(
                client_id=client_id,
                idempotency_key=key,
                rule_id=rule.id,
                rule_name=rule.name,
                channel=channel,
                kind=group[0].kind,
                event="digest",
                event_at=due,
                payload=_digest_payload(rule, due, group, key),
                status="pending",
                next_attempt_at=now,
            )
            if not insert_once(session, digest):
                session.rollback()
                continue
            ids = [g.id for g in group]
            result = session.exec(
                update(OutboxEntry)
                .where(col(OutboxEntry.id).in_(ids), col(OutboxEntry.status) == "held")
                .values(status="digested", digest_id=digest.id)
            )
            if result.rowcount != len(ids):  # another process took some: leave it to them
                session.rollback()
                continue
            session.commit()
            made += 1
    return made


def _digest_payload(
    rule: AlertRule, due: datetime, items: list[OutboxEntry], key: str
) -> dict[str, Any]:
    period = "Daily" if rule.schedule.startswith("daily") else "Weekly"
    lines = [f"{len(items)} notification(s) for rule {rule.name} up to {due:%Y-%m-%d %H:%M} UTC:"]
    for item in items:
        lines.append("• " + str(item.payload.get("lines", [item.customer_name])[0]))
    return {
        "title": f"{period} digest: {rule.name} — {len(items)} notification(s)",
        "lines": lines,
        "data": {
            "idempotency_key": key,
            "event": {"type": "digest", "at": due.isoformat()},
            "rule": {"id": rule.id, "name": rule.name, "schedule": rule.schedule},
            "items": [item.payload.get("data", {}) for item in items],
        },
    }


# --- sending -------------------------------------------------------------------------------


def due_entries(
    session: Session, client_id: int, now: datetime, config: AlertConfig, limit: int = 500
) -> list[OutboxEntry]:
    stale = now - timedelta(seconds=config.delivery_claim_timeout)
    return list(
        session.exec(
            select(OutboxEntry)
            .where(
                OutboxEntry.client_id == client_id,
                col(OutboxEntry.status).in_(SENDABLE),
                col(OutboxEntry.next_attempt_at) <= now,
                (col(OutboxEntry.claimed_by).is_(None)) | (col(OutboxEntry.claimed_at) < stale),
            )
            .order_by(col(OutboxEntry.next_attempt_at), col(OutboxEntry.id))
            .limit(limit)
        ).all()
    )


def claim(session: Session, entry_id: int, worker: str, now: datetime, config: AlertConfig) -> bool:
    """Take one row for sending; True only for the one process that got it."""
    stale = now - timedelta(seconds=config.delivery_claim_timeout)
    result = session.exec(
        update(OutboxEntry)
        .where(
            col(OutboxEntry.id) == entry_id,
            col(OutboxEntry.status).in_(SENDABLE),
            col(OutboxEntry.next_attempt_at) <= now,
            (col(OutboxEntry.claimed_by).is_(None)) | (col(OutboxEntry.claimed_at) < stale),
        )
        .values(claimed_by=worker, claimed_at=now)
    )
    session.commit()
    return bool(result.rowcount == 1)


def deliver(
    session: Session,
    client_id: int,
    *,
    worker: str | None = None,
    config: AlertConfig | None = None,
    report: RunReport | None = None,
) -> RunReport:
    """Send every due row once (claimed, sent, recorded). Commits per row."""
    worker = worker or worker_id()
    config = config or load_alert_config(session, client_id)
    report = report or RunReport()
    now = clock.now()
    candidates = [e.id for e in due_entries(session, client_id, now, config)]
    session.commit()  # end the read so each claim starts a fresh write
    for entry_id in candidates:
        assert entry_id is not None
        if not claim(session, entry_id, worker, now, config):
            report.skipped += 1
            continue
        # the claim is committed: read and send holding no lock, so other
        # writers go on however slow the endpoint is
        session.connection(execution_options=dialect.no_write_lock_options(session.get_bind()))
        entry = session.get(OutboxEntry, entry_id)
        if entry is None:
            continue
        session.refresh(entry)
        note = Notification.from_payload(entry.idempotency_key, entry.payload)
        error: str | None = None
        try:
            send(
                session, client_id, entry.channel, entry.kind, note, timeout=config.delivery_timeout
            )
        except DeliveryFailed as exc:
            error = exc.message
        except IQError as exc:
            error = exc.message
        session.rollback()  # drop any read the sender opened
        _record(session, entry_id, worker, error, config, report)
    return report


def _record(
    session: Session,
    entry_id: int,
    worker: str,
    error: str | None,
    config: AlertConfig,
    report: RunReport,
) -> None:
    # The conditional UPDATE comes first so the transaction starts as a write
    # (SQLite then waits for a busy database instead of failing a stale read).
    session.rollback()
    released = session.exec(
        update(OutboxEntry)
        .where(col(OutboxEntry.id) == entry_id, col(OutboxEntry.claimed_by) == worker)
        .values(attempts=OutboxEntry.attempts + 1, claimed_by=None, claimed_at=None)
    )
    if released.rowcount != 1:  # someone reclaimed a stale claim meanwhile
        session.rollback()
        return
    entry = session.get(OutboxEntry, entry_id)
    assert entry is not None
    session.refresh(entry)
    moment = clock.now()
    if error is None:
        entry.status, entry.sent_at, entry.last_error = "sent", moment, None
        report.sent += 1
    elif entry.attempts >= config.delivery_max_attempts:
        entry.status, entry.last_error = "dead", error
        report.dead += 1
        report.errors.append({"id": entry.id, "channel": entry.channel, "error": error})
    else:
        entry.status, entry.last_error = "failed", error
        entry.next_attempt_at = moment + backoff_delay(config, entry.attempts)
        report.failed += 1
        report.errors.append({"id": entry.id, "channel": entry.channel, "error": error})
    session.add(entry)
    session.commit()


def run(
    session: Session, actor: Actor, *, dry_run: bool = False, worker: str | None = None
) -> RunReport:
    """`automations run`: look at every customer for changes time brought,
    fold digests whose time has come, then send everything due.

    Sending is a write (claims, results, digests), so a viewer may only make
    a dry run, which writes nothing and sends nothing: it lists what is due."""

    if not dry_run:
        actor.require_write("send notifications")
    client_id = actor.client_id
    report = RunReport()
    now = clock.now()
    config = load_alert_config(session, client_id)
    if dry_run:
        for entry in due_entries(session, client_id, now, config):
            report.due.append(entry_to_dict(entry))
        for rule in session.exec(select(AlertRule).where(AlertRule.client_id == client_id)):
            due = last_due(rule.schedule, now)
            if due is None:
                continue
            waiting = session.exec(
                select(OutboxEntry.id).where(
                    OutboxEntry.rule_id == rule.id,
                    OutboxEntry.status == "held",
                    col(OutboxEntry.created_at) <= due,
                )
            ).all()
            if waiting:
                report.digests += 1
                report.due.append(
                    {"digest": rule.name, "items": len(waiting), "due": due.isoformat()}
                )
        session.rollback()
        return report
    report.queued = _sweep_with_retry(session, client_id)
    report.queued += _queue_scheduled(session, client_id, now)
    report.digests = assemble_digests(session, client_id, now=now)
    return deliver(session, client_id, worker=worker, config=config, report=report)


DueProducer = Callable[[Session, int, datetime], int]
# What else queues outbox rows on each run (scheduled reports, from
# `core.reports.schedules`): registered by `runtime.wiring`, since those
# capabilities sit above alerts.
_DUE_PRODUCERS: list[DueProducer] = []


def register_due_producer(producer: DueProducer) -> None:
    """Call `producer(session, client_id, now)` on every run; it returns how many
    rows it queued (registered once, at start)."""
    if producer not in _DUE_PRODUCERS:
        _DUE_PRODUCERS.append(producer)


def _queue_scheduled(session: Session, client_id: int, now: datetime) -> int:
    queued = 0
    for producer in _DUE_PRODUCERS:
        session.rollback()
        queued += int(producer(session, client_id, now))
    return queued


def _sweep_with_retry(session: Session, client_id: int, attempts: int = 5) -> int:
    """The sweep writes what it saw; two runs at once may collide on that
    write, so the loser starts again on fresh data (what the winner queued
    is then already there, and the outbox keys keep it single)."""
    import time

    from sqlalchemy.exc import IntegrityError, OperationalError

    from iqcadence.core.alerts import engine

    for attempt in range(attempts):
        try:
            session.rollback()
            engine.take_write_lock(session)
            queued = engine.sweep(session, client_id)
            session.commit()
            return queued
        except (OperationalError, IntegrityError):
            session.rollback()
            if attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    return 0


# --- reading and reviving ----------------------------------------------------------------


def list_entries(
    session: Session, client_id: int, *, status: str | None = None, limit: int = 100
) -> list[OutboxEntry]:
    query = select(OutboxEntry).where(OutboxEntry.client_id == client_id)
    if status is not None:
        if status not in STATUSES:
            raise InvalidValue(f"--status: {status!r} is not one of {', '.join(STATUSES)}.")
        query = query.where(OutboxEntry.status == status)
    return list(session.exec(query.order_by(col(OutboxEntry.id).desc()).limit(limit)).all())


def retry(session: Session, actor: Actor, entry_id: int) -> OutboxEntry:
    """Revive a failed or dead row: due now, with a fresh set of attempts.
    A sent row is never sent again."""
    actor.require_write("retry notifications")
    entry = session.get(OutboxEntry, entry_id)
    if entry is None or entry.client_id != actor.client_id:
        raise NotFound(f"outbox entry {entry_id} does not exist.")
    if entry.status not in ("failed", "dead"):
        raise Conflict(
            f"outbox entry {entry_id} is {entry.status}; only failed or dead entries are retried."
        )
    before = entry.status
    entry.status, entry.attempts, entry.next_attempt_at = "pending", 0, clock.now()
    entry.claimed_by = entry.claimed_at = None
    session.add(entry)
    audit.record(
        session,
        actor,
        "outbox.retry",
        details={"id": entry_id, "from": before, "last_error": entry.last_error},
    )
    session.commit()
    return entry


def entry_to_dict(entry: OutboxEntry) -> dict[str, Any]:
    """The JSON shape of an outbox row (`outbox list --json`)."""
    return {
        "id": entry.id,
        "status": entry.status,
        "idempotency_key": entry.idempotency_key,
        "rule": entry.rule_name,
        "channel": entry.channel,
        "kind": entry.kind,
        "event": entry.event,
        "customer": entry.customer_name,
        "event_at": entry.event_at.isoformat(timespec="seconds"),
        "title": entry.payload.get("title"),
        "attempts": entry.attempts,
        "next_attempt_at": entry.next_attempt_at.isoformat(timespec="seconds"),
        "last_error": entry.last_error,
        "created_at": entry.created_at.isoformat(timespec="seconds"),
        "sent_at": entry.sent_at.isoformat(timespec="seconds") if entry.sent_at else None,
        "digest_id": entry.digest_id,
    }
