"""The unified timeline: logging events, reading them back, and the rules that
tie events to the score.

Rules:

* **Kinds**: email, meeting, call, message, note, task (a completed task),
  ticket, product_event (title = the event name, details in `properties`),
  health_change (written automatically on every band move, never by hand).
* **Contact resets decay**: an email, meeting, call or message dated today or
  earlier, and newer than the customer's current last contact, sets
  days-since-contact to 0 as of the event's date (`last_contact_date` = that
  date) through `customers.apply_changes`, so the customer is rescored and
  the change audited. Future-dated events (a scheduled meeting) and older
  events leave it alone.
* **Tickets**: ticket events have a status (open, pending, solved) and a
  priority (low, normal, high, urgent). The `tickets` signal follows the
  number of open + pending ticket events while the timeline owns it. The
  timeline owns it when the customer's tickets value is empty, or still
  equals the value ticket events last wrote (kept in `event_signal`). Once a
  CSV import, `score --tickets`, the API or a sync sets a different value,
  that source owns the signal and ticket events leave it alone; clearing it
  (an empty value) hands it back to the timeline. A source that happens to
  write the very value the timeline wrote cannot be told apart — the two
  agree, so nothing is lost.
* **No duplicates**: an event with `source` + `external_id` is unique per
  customer; logging it again updates the stored event (status, title, …)
  when something changed and never adds a second one.
* **Health changes**: `record_health_change` (one customer) and
  `record_bulk_health_changes` (set-based paths) write a `health_change`
  event with properties {from, to, score_from, score_to, signals, cause};
  `signals` lists {signal, from, to} for each signal that moved. A customer's
  creation is not a move; in set-based paths neither is a first score (from
  unscored). After a rescore the signals list is empty: the model moved, not
  the inputs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import DateTime, bindparam, func, text
from sqlmodel import Session, col, select

from iqcadence.core.accounts.changes import BulkChange
from iqcadence.core.accounts.contacts import get_contact, require_edit, resolve_customer
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.scoring.fields import is_blank, parse_choice
from iqcadence.core.scoring.formula import BAND_LABELS, SIGNALS, effective_days
from iqcadence.core.store import audit, dialect
from iqcadence.core.store.models import Customer
from iqcadence.core.store.models.customer360 import (
    CONTACT_KINDS,
    EVENT_KINDS,
    OPEN_TICKET_STATUSES,
    TICKET_PRIORITIES,
    TICKET_STATUSES,
    Contact,
    EventSignal,
    TimelineEvent,
)

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome

LOGGABLE_KINDS: tuple[str, ...] = tuple(k for k in EVENT_KINDS if k != "health_change")
TICKET_STATUS_ALIASES: dict[str, str] = {
    "open": "open",
    "new": "open",
    "reopened": "open",
    "pending": "pending",
    "hold": "pending",
    "onhold": "pending",
    "waiting": "pending",
    "solved": "solved",
    "closed": "solved",
    "resolved": "solved",
    "done": "solved",
}
PRIORITY_ALIASES: dict[str, str] = {
    "low": "low",
    "normal": "normal",
    "medium": "normal",
    "high": "high",
    "urgent": "urgent",
    "critical": "urgent",
}
KIND_ALIASES: dict[str, str] = {
    **{k: k for k in EVENT_KINDS},
    "productevent": "product_event",
    "product": "product_event",
    "healthchange": "health_change",
    "mail": "email",
    "chat": "message",
}
MAX_TITLE = 500


# --- parsing ----------------------------------------------------------------------------


def parse_kind(value: Any, *, allowed: tuple[str, ...] = LOGGABLE_KINDS) -> str:
    if is_blank(value):
        raise InvalidValue(f"kind: must not be empty; kinds are {', '.join(allowed)}.")
    text_value = str(value).strip()
    kind = KIND_ALIASES.get(re.sub(r"[^a-z_]", "", text_value.casefold()))
    if kind is None:
        raise InvalidValue(f"kind: {text_value!r} is not one of {', '.join(allowed)}.")
    if kind not in allowed:
        if kind == "health_change":
            raise InvalidValue(
                "kind: health_change events are written automatically when the band moves; "
                f"log one of {', '.join(allowed)}."
            )
        raise InvalidValue(f"kind: {kind!r} is not one of {', '.join(allowed)}.")
    return kind


def parse_at(value: Any, field: str = "at") -> datetime:
    """A time as naive UTC: a datetime, a date (midnight) or ISO text
    (`2026-11-27`, `2026-11-27 14:30`, `2026-11-27T14:30:00+01:00`)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        raw = str(value).strip()
        try:
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidValue(
                f"{field}: {raw!r} is not a date or time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM."
            ) from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


_RELATIVE = re.compile(r"^(\d+)\s*([dw])$", re.IGNORECASE)


def parse_since(value: str | date | datetime, today: date | None = None) -> datetime:
    """`7d`, `30d`, `90d`, `2w` (days before today) or a date/time."""
    if isinstance(value, str):
        match = _RELATIVE.match(value.strip())
        if match:
            days = int(match.group(1)) * (7 if match.group(2).lower() == "w" else 1)
            return clock.start_of((today or clock.today()) - timedelta(days=days))
    try:
        return parse_at(value, "since")
    except InvalidValue:
        raise InvalidValue(
            f"--since: {value!r} is not a period or a date; use 7d, 30d, 90d or YYYY-MM-DD."
        ) from None


def parse_until(value: str | date | datetime) -> datetime:
    """The end of a range, exclusive: a bare date includes that whole day."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date) or (isinstance(value, str) and len(value.strip()) == 10):
        moment = parse_at(value, "until")
        return moment + timedelta(days=1)
    return parse_at(value, "until")


def _text(field: str, value: Any, limit: int) -> str | None:
    if is_blank(value):
        return None
    cleaned = str(value).strip()
    if len(cleaned) > limit:
        raise InvalidValue(f"{field}: must be at most {limit} characters.")
    return cleaned


# --- logging -----------------------------------------------------------------------------


@dataclass
class LogResult:
    """What `log_event` did: `created` False means the event already existed
    (same source + external id); `updated` then says whether it changed."""

    event: TimelineEvent
    created: bool
    updated: bool = False
    contact_reset: bool = False
    tickets: int | None = None  # the new tickets signal, when events changed it


def log_event(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    *,
    kind: str,
    title: str,
    body: str | None = None,
    contact: str | None = None,
    at: Any = None,
    status: str | None = None,
    priority: str | None = None,
    properties: Mapping[str, Any] | None = None,
    source: str | None = None,
    external_id: str | None = None,
    author: str | None = None,
    allowed_kinds: tuple[str, ...] = LOGGABLE_KINDS,
    commit: bool = True,
) -> LogResult:
    """Add one event to a customer's timeline (see the module rules).

    Everything is validated before anything is written.
    """
    target = resolve_customer(session, actor, customer)
    require_edit(session, actor, target)
    assert target.id is not None
    kind_ = parse_kind(kind, allowed=allowed_kinds)
    title_ = _text("title", title, MAX_TITLE)
    if title_ is None:
        raise InvalidValue("title: must not be empty.")
    moment = parse_at(at) if not is_blank(at) else clock.now()
    status_: str | None
    if kind_ == "ticket":
        status_ = parse_choice("status", status, TICKET_STATUSES, TICKET_STATUS_ALIASES) or "open"
    else:
        status_ = _text("status", status, 40)
    priority_ = parse_choice("priority", priority, TICKET_PRIORITIES, PRIORITY_ALIASES)
    if kind_ == "ticket" and priority_ is None:
        priority_ = "normal"
    source_ = _text("source", source, 100)
    external_ = _text("external_id", external_id, 300)
    if external_ is not None and source_ is None:
        raise InvalidValue("external_id: needs a source too (--source) so re-imports match it.")
    contact_row: Contact | None = get_contact(session, target, contact) if contact else None
    props = dict(properties or {})
    values: dict[str, Any] = {
        "kind": kind_,
        "title": title_,
        "body": _text("body", body, 100_000),
        "at": moment,
        "status": status_,
        "priority": priority_,
        "contact_id": contact_row.id if contact_row is not None else None,
        "properties": props,
    }

    existing = None
    if source_ is not None and external_ is not None:
        existing = session.exec(
            select(TimelineEvent).where(
                TimelineEvent.customer_id == target.id,
                TimelineEvent.source == source_,
                TimelineEvent.external_id == external_,
            )
        ).first()
    if existing is not None:
        if is_blank(at):  # a re-import without a time keeps the stored one
            values["at"] = existing.at
        if contact_row is None:
            values["contact_id"] = existing.contact_id
        changed = {
            key: {"from": getattr(existing, key), "to": value}
            for key, value in values.items()
            if getattr(existing, key) != value
        }
        result = LogResult(event=existing, created=False, updated=bool(changed))
        if changed:
            for key, value in values.items():
                setattr(existing, key, value)
            session.add(existing)
            audit.record(
                session,
                actor,
                "timeline.update",
                customer=target,
                details={
                    "id": existing.id,
                    "source": source_,
                    "external_id": external_,
                    "changes": changed,
                },
            )
    else:
        event = TimelineEvent(
            customer_id=target.id,
            author=_text("author", author, 200) or actor.email,
            source=source_,
            external_id=external_,
            **values,
        )
        session.add(event)
        session.flush()
        audit.record(
            session,
            actor,
            "timeline.log",
            customer=target,
            details={
                "id": event.id,
                "kind": kind_,
                "title": title_,
                "at": moment,
                "source": source_,
                "external_id": external_,
            },
        )
        result = LogResult(event=event, created=True)
    if result.created or result.updated:
        _apply_event_rules(session, actor, target, kind_, result.event.at, result)
    if commit:
        session.commit()
    return result


def _apply_event_rules(
    session: Session,
    actor: Actor,
    customer: Customer,
    kind: str,
    moment: datetime,
    result: LogResult,
) -> None:
    from iqcadence.core.accounts import customers

    today = clock.today()
    values: dict[str, Any] = {}
    if kind in CONTACT_KINDS and moment.date() <= today:
        current = last_contact_from_baseline(customer)
        if current is None or moment.date() > current:
            values["last_contact_date"] = moment.date()
            result.contact_reset = True
    if kind == "ticket":
        tickets = sync_tickets(session, customer)
        if tickets is not None and tickets != customer.tickets:
            values["tickets"] = tickets
            result.tickets = tickets
    if values:
        customers.apply_changes(
            session, actor, customer.name, values, create=False, cause="timeline", commit=False
        )


def last_contact_from_baseline(customer: Customer) -> date | None:
    """The date the days-since-contact signal counts from (baseline day − baseline)."""
    if customer.days_baseline is None:
        return None
    as_of = customer.days_as_of or clock.today()
    return as_of - timedelta(days=customer.days_baseline)


def open_ticket_count(session: Session, customer_id: int) -> int:
    session.flush()
    return int(
        session.exec(
            select(func.count())
            .select_from(TimelineEvent)
            .where(
                TimelineEvent.customer_id == customer_id,
                TimelineEvent.kind == "ticket",
                col(TimelineEvent.status).in_(OPEN_TICKET_STATUSES),
            )
        ).one()
    )


def tickets_owned_by_events(session: Session, customer: Customer) -> bool:
    """Whether the timeline owns the customer's tickets signal (module rules)."""
    if customer.tickets is None:
        return True
    assert customer.id is not None
    mark = session.get(EventSignal, (customer.id, "tickets"))
    return mark is not None and mark.value == customer.tickets


def sync_tickets(session: Session, customer: Customer) -> int | None:
    """The tickets value the timeline wants, or None when another source owns it.
    Records the value as written by the timeline."""
    assert customer.id is not None
    if not tickets_owned_by_events(session, customer):
        return None
    count = open_ticket_count(session, customer.id)
    mark = session.get(EventSignal, (customer.id, "tickets"))
    if mark is None:
        mark = EventSignal(customer_id=customer.id, signal="tickets")
    mark.value = count
    mark.updated_at = clock.now()
    session.add(mark)
    return count


# --- reading ----------------------------------------------------------------------------


def list_events(
    session: Session,
    actor: Actor,
    customer: str | Customer,
    *,
    kinds: Sequence[str] | None = None,
    contact: str | None = None,
    since: Any = None,
    until: Any = None,
    author: str | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> list[TimelineEvent]:
    """A customer's events, newest first, filtered by kind, contact (name or
    e-mail), time range (`since` inclusive: 7d/30d/90d or a date; `until`
    inclusive of that day) and author."""
    target = resolve_customer(session, actor, customer)
    query = select(TimelineEvent).where(TimelineEvent.customer_id == target.id)
    if kinds:
        parsed = sorted({parse_kind(k, allowed=EVENT_KINDS) for k in kinds})
        query = query.where(col(TimelineEvent.kind).in_(parsed))
    if contact:
        person = get_contact(session, target, contact)
        query = query.where(TimelineEvent.contact_id == person.id)
    if not is_blank(since):
        query = query.where(TimelineEvent.at >= parse_since(since))
    if not is_blank(until):
        query = query.where(TimelineEvent.at < parse_until(until))
    if author:
        query = query.where(func.lower(TimelineEvent.author) == author.strip().lower())
    query = query.order_by(col(TimelineEvent.at).desc(), col(TimelineEvent.id).desc())
    if offset:
        query = query.offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.exec(query).all())


def event_to_dict(event: TimelineEvent, contact_name: str | None = None) -> dict[str, Any]:
    """The JSON object of an event (`timeline --json`)."""
    return {
        "id": event.id,
        "customer_id": event.customer_id,
        "kind": event.kind,
        "at": event.at.isoformat(timespec="seconds"),
        "title": event.title,
        "body": event.body,
        "contact": contact_name,
        "contact_id": event.contact_id,
        "author": event.author,
        "status": event.status,
        "priority": event.priority,
        "properties": event.properties,
        "source": event.source,
        "external_id": event.external_id,
    }


def event_dicts(session: Session, events: Iterable[TimelineEvent]) -> list[dict[str, Any]]:
    """Events as JSON objects, contact names resolved in one query."""
    rows = list(events)
    ids = {e.contact_id for e in rows if e.contact_id is not None}
    names: dict[int, str] = {}
    if ids:
        for contact_id, name in session.exec(
            select(Contact.id, Contact.name).where(col(Contact.id).in_(ids))
        ).all():
            if contact_id is not None:
                names[contact_id] = name
    return [event_to_dict(e, names.get(e.contact_id or 0)) for e in rows]


# --- health changes ------------------------------------------------------------------------


def band_label(band: str | None) -> str:
    return "Unscored" if band is None else BAND_LABELS.get(band, band)


def health_title(from_band: str | None, to_band: str | None) -> str:
    return f"Health moved from {band_label(from_band)} to {band_label(to_band)}"


def signal_values(row: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The signal values of a customer state (column → value), days with decay."""
    values = {name: row.get(name) for name in SIGNALS if name != "days"}
    as_of = row.get("days_as_of")
    if isinstance(as_of, str):
        as_of = date.fromisoformat(as_of[:10])
    values["days"] = effective_days(row.get("days_baseline"), as_of, today)
    return values


def moved_signals(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {"signal": name, "from": before.get(name), "to": after.get(name)}
        for name in SIGNALS
        if before.get(name) != after.get(name)
    ]


def record_health_change(
    session: Session,
    actor: Actor,
    customer: Customer,
    *,
    from_band: str | None,
    to_band: str | None,
    score_from: float | None,
    score_to: float | None,
    signals: list[dict[str, Any]],
    cause: str,
) -> TimelineEvent:
    """Write the automatic `health_change` event for one band move."""
    assert customer.id is not None
    event = TimelineEvent(
        customer_id=customer.id,
        kind="health_change",
        at=clock.now(),
        author=actor.email,
        title=health_title(from_band, to_band),
        properties={
            "from": from_band,
            "to": to_band,
            "score_from": score_from,
            "score_to": score_to,
            "signals": signals,
            "cause": cause,
        },
    )
    session.add(event)
    return event


@dataclass(frozen=True)
class BulkMove:
    """One customer's score/band before and after a set-based change."""

    customer_id: int
    old_score: float | None
    new_score: float | None
    old_band: str | None
    new_band: str | None
    old_lifecycle: str | None
    signals: list[dict[str, Any]] = field(default_factory=list)

    @property
    def band_moved(self) -> bool:
        return self.old_band != self.new_band


CHUNK = 500


def _marks(ids: Sequence[int]) -> tuple[str, dict[str, Any]]:
    return ", ".join(f":i{n}" for n in range(len(ids))), {f"i{n}": v for n, v in enumerate(ids)}


def _last_snapshots(session: Session, ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """The two newest snapshots of each customer (newest first)."""
    marks, params = _marks(ids)
    signal_cols = ", ".join(f"s.{name}" for name in SIGNALS)
    out: dict[int, list[dict[str, Any]]] = {}
    for row in (
        session.connection()
        .execute(
            text(
                f"SELECT * FROM (SELECT s.customer_id, s.score, s.band, {signal_cols}, "
                "ROW_NUMBER() OVER (PARTITION BY s.customer_id "
                "ORDER BY s.taken_at DESC, s.id DESC) AS rn "
                f"FROM score_snapshot s WHERE s.customer_id IN ({marks})) ranked "
                "WHERE rn <= 2 ORDER BY customer_id, rn"
            ),
            params,
        )
        .mappings()
    ):
        out.setdefault(int(row["customer_id"]), []).append(dict(row))
    return out


def _signals_from(history: list[dict[str, Any]], score: Any) -> list[dict[str, Any]]:
    if len(history) > 1 and history[0]["score"] == score:
        return moved_signals(history[1], history[0])
    return []


def bulk_moves(
    session: Session,
    customer_ids: Sequence[int],
    *,
    with_signals: bool = False,
    changes_table: str | None = None,
) -> dict[int, BulkMove]:
    """Before/after of customers changed by a set-based path (keep `customer_ids`
    to a few hundred; callers page through larger sets).

    A rescore names a temporary table (`changes_table`) with the old and new
    score, band and lifecycle (a rescore changes the model, not the inputs,
    so no signal moved). Other paths are read from the last two score
    snapshots (the previous band is the latest snapshot's when it differs
    from the current band, else the one before); customers with a single
    snapshot were new and are left out; with `with_signals`, the signals
    that moved come from those two snapshots when the latest holds the
    current score.
    """
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return {}
    conn = session.connection()
    marks, params = _marks(ids)
    moves: dict[int, BulkMove] = {}
    if changes_table is not None:
        for cid, old_score, new_score, old_band, new_band, old_lifecycle in conn.execute(
            text(
                "SELECT id, old_score, new_score, old_band, new_band, old_lifecycle "
                f"FROM {changes_table} WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"ids": ids},
        ):
            moves[int(cid)] = BulkMove(
                int(cid), old_score, new_score, old_band, new_band, old_lifecycle
            )
        return moves  # a rescore changes the model, not the signals: none moved
    current = {
        int(r[0]): (r[1], r[2], r[3])
        for r in conn.execute(
            text(f"SELECT id, score, band, lifecycle FROM customer WHERE id IN ({marks})"),
            params,
        )
    }
    history = _last_snapshots(session, ids)
    for cid, (score, band, lifecycle) in current.items():
        snaps = history.get(cid, [])
        if not snaps:
            continue
        latest = snaps[0]
        if latest["band"] != band:
            old_band, old_score, signals = latest["band"], latest["score"], []
        elif len(snaps) > 1:
            old_band, old_score = snaps[1]["band"], snaps[1]["score"]
            signals = _signals_from(snaps, score) if with_signals else []
        else:
            continue
        moves[cid] = BulkMove(cid, old_score, score, old_band, band, lifecycle, signals)
    return moves


def _health_rows(moves: Iterable[BulkMove], actor: Actor, cause: str) -> list[dict[str, Any]]:
    now = clock.now()
    return [
        {
            "customer_id": move.customer_id,
            "kind": "health_change",
            "at": now,
            "author": actor.email,
            "title": health_title(move.old_band, move.new_band),
            "body": None,
            "status": None,
            "priority": None,
            "contact_id": None,
            "properties": {
                "from": move.old_band,
                "to": move.new_band,
                "score_from": move.old_score,
                "score_to": move.new_score,
                "signals": move.signals,
                "cause": cause,
            },
            "source": None,
            "external_id": None,
            "created_at": now,
        }
        for move in moves
        if move.band_moved and move.old_band is not None
    ]


HEALTH_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "kind",
    "at",
    "author",
    "title",
    "properties",
    "created_at",
)


def _insert_health_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """Multi-row insert through the driver (values converted as the column
    types store them): no per-row statement objects."""
    if not rows:
        return 0
    conn = session.connection()
    stamp = DateTime().bind_processor(conn.dialect)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    values = [
        (
            row["customer_id"],
            row["kind"],
            stamp(row["at"]) if stamp else row["at"],
            row["author"],
            row["title"],
            json.dumps(row["properties"]),
            stamp(row["created_at"]) if stamp else row["created_at"],
        )
        for row in rows
    ]
    conn.exec_driver_sql(
        f"INSERT INTO timeline_event ({', '.join(HEALTH_COLUMNS)}) "
        f"VALUES ({', '.join([mark] * len(HEALTH_COLUMNS))})",
        values,
    )
    return len(values)


def _band_label_sql(column: str) -> str:
    cases = " ".join(f"WHEN '{band}' THEN '{label}'" for band, label in BAND_LABELS.items())
    return f"COALESCE(CASE {column} {cases} END, {column}, 'Unscored')"


def _health_changes_from_table(session: Session, actor: Actor, change: BulkChange) -> int:
    """After a rescore: one INSERT ... SELECT from its table of changes."""
    assert change.changes_table is not None
    cause = change.cause
    conn = session.connection()
    properties = dialect.json_object_sql(
        conn,
        [
            ("from", "d.old_band"),
            ("to", "d.new_band"),
            ("score_from", "d.old_score"),
            ("score_to", "d.new_score"),
            ("signals", dialect.json_array_sql(conn)),
            ("cause", "CAST(:cause AS VARCHAR)"),
        ],
    )
    title = (
        f"'Health moved from ' || {_band_label_sql('d.old_band')} || ' to ' || "
        f"{_band_label_sql('d.new_band')}"
    )
    now = clock.now()
    result = conn.execute(
        text(
            "INSERT INTO timeline_event (customer_id, kind, at, author, title, properties, "
            "created_at) SELECT d.id, 'health_change', :now, CAST(:author AS VARCHAR), "
            f"{title}, {properties}, "
            f":now FROM {change.changes_table} d "
            "WHERE d.band_moved = 1 AND d.old_band IS NOT NULL"
        ).bindparams(
            bindparam("now", now, type_=DateTime()),
            bindparam("author", actor.email),
            bindparam("cause", cause),
        )
    )
    return int(result.rowcount or 0)


def record_bulk_health_changes(session: Session, actor: Actor, change: BulkChange) -> int:
    """One health_change event per band move of a set-based change, inserted a
    page at a time. A first score (from unscored) is not a move here: bulk
    paths create customers, and a new customer has no health to move from."""
    written = 0
    if change.changes_table is not None:
        return _health_changes_from_table(session, actor, change)
    cause = change.cause
    moved = sorted({int(i) for i in change.customer_ids})
    for start in range(0, len(moved), CHUNK):
        moves_by_id = bulk_moves(session, moved[start : start + CHUNK], with_signals=True)
        written += _insert_health_rows(session, _health_rows(moves_by_id.values(), actor, cause))
    return written


def on_customer_changed(
    session: Session, actor: Actor, outcome: ChangeOutcome, *, cause: str
) -> TimelineEvent | None:
    """Write a health_change event when one customer's band moved (not on creation)."""
    from iqcadence.core.accounts.customers import state_of

    if outcome.created or not outcome.band_moved:
        return None
    today = clock.today()
    before = signal_values(outcome.before, today)
    after = signal_values(state_of(outcome.customer), today)
    return record_health_change(
        session,
        actor,
        outcome.customer,
        from_band=outcome.before.get("band"),
        to_band=outcome.customer.band,
        score_from=outcome.before.get("score"),
        score_to=outcome.customer.score,
        signals=moved_signals(before, after),
        cause=cause,
    )
