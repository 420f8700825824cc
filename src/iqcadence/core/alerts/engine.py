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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from iqcadence.core.alerts.connections import name_key
from iqcadence.core.alerts.events import Event, EventSpec, detect, event_facts
from iqcadence.core.alerts.rules import covers, in_scope, rule_events, scope_managers
from iqcadence.core.alerts.webhooks import list_webhooks, webhook_spec
from iqcadence.core.base import clock
from iqcadence.core.store.models.alerts import (
    AlertRule,
    AlertState,
    Connection,
    CustomerWatch,
    EventWebhook,
    OutboxEntry,
)

if TYPE_CHECKING:
    from iqcadence.core.accounts.customers import ChangeOutcome
    from iqcadence.core.scoring.conditions import Condition

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


def _send_soon(session: Session, client_id: int, acting_user: str | None) -> None:
    if session.info.pop(_REALTIME_QUEUED, False):
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
        for cid, score, band, lifecycle in _select_ids(conn, sql, "id", customer_ids, {})
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


BeforeChanges = (
    Mapping[int, Mapping[str, Any]]
    | Callable[[Session, Sequence[int]], Mapping[int, Mapping[str, Any]]]
)


@dataclass(frozen=True)
class _EventRule:
    """An event rule (or a per-event webhook, `rule` None) ready to evaluate."""

    rule: AlertRule | None
    specs: tuple[EventSpec, ...]
    managers: frozenset[str] | None  # case-folded scope; None means everyone

    def covers(self, manager: str | None) -> bool:
        return covers(self.managers, manager)


def _event_rules(rules: Sequence[AlertRule], hooks: Sequence[EventWebhook]) -> list[_EventRule]:
    out = []
    for rule in rules:
        if rule.kind == "events":
            managers = scope_managers(rule.scope)
            out.append(
                _EventRule(
                    rule,
                    tuple(rule_events(rule)),
                    None if managers is None else frozenset(managers),
                )
            )
    out.extend(_EventRule(None, (webhook_spec(hook),), None) for hook in hooks)
    return out


def observe(
    session: Session,
    client_id: int,
    customer_ids: Sequence[int] | None,
    *,
    before: Mapping[int, Mapping[str, Any]] | None = None,
    before_changes: BeforeChanges | None = None,
    event_at: datetime | None = None,
) -> int:
    """Compare the customers with what the rules last saw, queue what fires,
    remember what was seen. Runs inside the caller's transaction.

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
    rules = list(
        session.exec(
            select(AlertRule).where(AlertRule.client_id == client_id, col(AlertRule.enabled))
        ).all()
    )
    hooks = list_webhooks(session, client_id)
    if not rules and not hooks:
        return 0
    today, now = clock.today(), clock.now()
    pass_ = _Pass(
        session=session,
        client_id=client_id,
        today=today,
        now=now,
        stamp=event_at or now,
        event_rules=_event_rules(rules, hooks),
        custom=[(r, _parse_groups(r)) for r in rules if r.kind == "custom"],
        kinds={
            c.name_key: c.kind
            for c in session.exec(select(Connection).where(Connection.client_id == client_id))
        },
        before=before,
        before_changes=before_changes,
    )
    queued = 0
    for rows in _row_chunks(session, client_id, customer_ids, full=bool(pass_.custom)):
        queued += pass_.run(rows)
    session.flush()
    return queued


@dataclass
class _Pass:
    """One observation over many customers, fed a chunk of rows at a time."""

    session: Session
    client_id: int
    today: date
    now: datetime
    stamp: datetime
    event_rules: list[_EventRule]
    custom: list[tuple[AlertRule, list[Condition]]]
    kinds: Mapping[str, str]
    before: Mapping[int, Mapping[str, Any]] | None
    before_changes: BeforeChanges | None

    def _explicit_before(self, rows: list[dict[str, Any]], unseen: list[int]) -> dict[int, Any]:
        """The state before the change of the customers never observed."""
        out: dict[int, Any] = {}
        if self.before is not None:
            for cid in unseen:
                if cid in self.before:
                    out[cid] = self.before[cid]
        if self.before_changes is None:
            return out
        missing = [cid for cid in unseen if cid not in out]
        if not missing:
            return out
        if callable(self.before_changes):
            changes = self.before_changes(self.session, missing)
        else:
            changes = self.before_changes
        by_id = {int(r["id"]): r for r in rows}
        for cid in missing:
            if cid in changes:
                out[cid] = {**by_id[cid], **changes[cid]}
        return out

    def run(self, rows: list[dict[str, Any]]) -> int:
        session, today, now = self.session, self.today, self.now
        ids = [int(r["id"]) for r in rows]
        watches = _watches(session, self.client_id, ids)
        explicit_of = self._explicit_before(rows, [cid for cid in ids if cid not in watches])
        facts_of = _custom_facts(session, self.client_id, rows, today) if self.custom else None
        fired_all: list[tuple[int, AlertRule | None, Event]] = []
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for row in rows:
            cid = int(row["id"])
            after = event_facts(row, today)
            stored = watches.get(cid)
            if (
                not self.custom
                and isinstance(stored, str)
                and stored == json.dumps({"events": after, "rules": {}})
            ):
                continue  # seen exactly like this last time: nothing fires, nothing to write
            watch = _decoded(stored)
            explicit = explicit_of.get(cid, _NOT_GIVEN)
            if watch is not None:
                seen: Mapping[str, Any] | None = watch.get("events", {})
            elif explicit is not _NOT_GIVEN:
                seen = event_facts(explicit, today) if explicit else {}
            else:
                seen = None  # never observed: record only
            fired: list[tuple[int, AlertRule | None, Event]] = []
            if seen is not None and seen != after:  # nothing fires without a move
                manager = row.get("manager")
                for target in self.event_rules:
                    if target.covers(manager):
                        for spec in target.specs:
                            event = detect(spec, seen, after)
                            if event is not None:
                                fired.append((cid, target.rule, event))
            rule_truth: dict[str, bool] = {}
            if self.custom and facts_of is not None:
                old_truth = watch.get("rules", {}) if watch is not None else {}
                now_facts = facts_of(row)
                then_facts = facts_of(explicit) if explicit is not _NOT_GIVEN and explicit else None
                for rule, groups in self.custom:
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
                        fired.append((cid, rule, event))
            fired_all.extend(fired)
            facts = {"events": after, "rules": rule_truth}
            if watch is None:
                inserts.append(
                    {
                        "customer_id": cid,
                        "client_id": self.client_id,
                        "facts": facts,
                        "seen_at": now,
                    }
                )
            elif watch != facts:
                updates.append({"customer_id": cid, "facts": facts, "seen_at": now})
        queued = 0
        if fired_all:
            full = _full_rows(session, self.client_id, rows, {cid for cid, _r, _e in fired_all})
            queued = _queue(
                session,
                self.client_id,
                [(origin, occurrence, full[cid]) for cid, origin, occurrence in fired_all],
                self.stamp,
                today,
                self.kinds,
            )
        _write_watches(session, inserts, updates)
        return queued


def _write_watches(
    session: Session, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    """Store what was observed: plain executemany statements on the table
    (no ORM bookkeeping per row)."""
    table = CustomerWatch.__table__  # type: ignore[attr-defined]
    conn = session.connection()
    if inserts:
        conn.execute(insert(table), inserts)
    if updates:
        statement = (
            update(table)
            .where(table.c.customer_id == bindparam("watched"))
            .values(facts=bindparam("new_facts"), seen_at=bindparam("new_seen_at"))
        )
        conn.execute(
            statement,
            [
                {"watched": u["customer_id"], "new_facts": u["facts"], "new_seen_at": u["seen_at"]}
                for u in updates
            ],
        )


def _parse_groups(rule: AlertRule) -> list[Condition]:
    from iqcadence.core.scoring.conditions import parse_condition

    return [parse_condition(c) for c in rule.conditions]


def _custom_facts(session: Session, client_id: int, rows: list[dict[str, Any]], today: date) -> Any:
    from iqcadence.core.accounts.history import momentum_for
    from iqcadence.core.scoring.conditions import customer_facts
    from iqcadence.core.store import settings

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


# Customers compared per round trip: large enough that the per-chunk queries
# cost little, small enough that a million changed customers stay a few MiB.
CHUNK = 5000
# The columns events read (and the scope's manager); a whole row is read only
# for customers whose notification is written, or when a custom rule needs it.
_EVENT_COLUMNS = (
    "id",
    "name",
    "manager",
    "score",
    "band",
    "lifecycle",
    "nps",
    "days_baseline",
    "days_as_of",
    "renewal_date",
)
_IN_LIST = 500


def _row_chunks(
    session: Session, client_id: int, customer_ids: Sequence[int] | None, *, full: bool
) -> Iterator[list[dict[str, Any]]]:
    """The active customers (all of the client when `customer_ids` is None),
    CHUNK at a time in id order; whole typed rows when `full`, else only
    `_EVENT_COLUMNS`."""
    from iqcadence.core.store.rows import typed_row

    conn = session.connection()
    columns = "*" if full else ", ".join(_EVENT_COLUMNS)
    sql = f"SELECT {columns} FROM customer WHERE client_id = :client_id AND status = 'active'"

    def shaped(result: Any) -> list[dict[str, Any]]:
        if full:
            return [typed_row(dict(r)) for r in result.mappings().all()]
        return [dict(zip(_EVENT_COLUMNS, r, strict=True)) for r in result.all()]

    if customer_ids is None:
        last = None
        while True:
            params: dict[str, Any] = {"client_id": client_id, "limit": CHUNK}
            where = ""
            if last is not None:
                where, params["after"] = " AND id > :after", last
            rows = shaped(conn.execute(text(f"{sql}{where} ORDER BY id LIMIT :limit"), params))
            if not rows:
                return
            yield rows
            last = rows[-1]["id"]
            if len(rows) < CHUNK:
                return
    for start in range(0, len(customer_ids), CHUNK):
        chunk = [int(cid) for cid in customer_ids[start : start + CHUNK]]
        rows = []
        for condition, params, wanted in _id_filters("id", chunk):
            params["client_id"] = client_id
            result = conn.execute(text(f"{sql} AND {condition} ORDER BY id"), params)
            found = shaped(result)
            rows.extend(found if wanted is None else [r for r in found if r["id"] in wanted])
        if rows:
            yield rows


def _id_filters(
    column: str, ids: Sequence[int]
) -> Iterator[tuple[str, dict[str, Any], set[int] | None]]:
    """Conditions on `column` selecting `ids`, with their parameters: one range
    when the ids are dense (the set returned with it drops the rows between
    them), else IN lists of a few hundred."""
    if not ids:
        return
    low, high = min(ids), max(ids)
    if high - low < 2 * len(ids):
        yield f"{column} BETWEEN :id_low AND :id_high", {"id_low": low, "id_high": high}, set(ids)
        return
    for start in range(0, len(ids), _IN_LIST):
        part = ids[start : start + _IN_LIST]
        marks = ", ".join(f":id{n}" for n in range(len(part)))
        yield f"{column} IN ({marks})", {f"id{n}": cid for n, cid in enumerate(part)}, None


def _select_ids(
    conn: Any, sql: str, column: str, ids: Sequence[int], params: Mapping[str, Any]
) -> Iterator[Any]:
    """The rows of `sql` (a SELECT ending in a WHERE clause, its first column
    `column`) whose `column` is one of `ids`."""
    for condition, bound, wanted in _id_filters(column, ids):
        for row in conn.execute(text(f"{sql} AND {condition}"), {**params, **bound}).all():
            if wanted is None or row[0] in wanted:
                yield row


def _full_rows(
    session: Session, client_id: int, rows: list[dict[str, Any]], wanted: set[int]
) -> dict[int, dict[str, Any]]:
    """Whole typed rows of the `wanted` customers (for their notifications)."""
    from iqcadence.core.store.rows import typed_row

    if rows and "status" in rows[0]:  # already whole rows
        return {int(r["id"]): r for r in rows if int(r["id"]) in wanted}
    sql = "SELECT * FROM customer WHERE client_id = :client_id"
    conn = session.connection()
    out: dict[int, dict[str, Any]] = {}
    for condition, params, keep in _id_filters("id", sorted(wanted)):
        params["client_id"] = client_id
        for r in conn.execute(text(f"{sql} AND {condition}"), params).mappings():
            if keep is None or r["id"] in keep:
                out[int(r["id"])] = typed_row(dict(r))
    return out


def _watches(session: Session, client_id: int, ids: list[int]) -> dict[int, Any]:
    """What was last observed of these customers, by customer id: the facts
    as stored (JSON text where the driver returns text, else decoded), so
    that an unchanged customer is recognised without decoding them."""
    sql = "SELECT customer_id, facts FROM customer_watch WHERE client_id = :client_id"
    rows = _select_ids(session.connection(), sql, "customer_id", ids, {"client_id": client_id})
    return {int(cid): facts for cid, facts in rows}


def _decoded(stored: Any) -> dict[str, Any] | None:
    if stored is None:
        return None
    return dict(json.loads(stored) if isinstance(stored, str | bytes) else stored)


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
    from iqcadence.core.accounts.shape import customer_to_dict

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
                "payload": notification_payload(rule, event, row, stamp, today, key),
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
    for start in range(0, len(keys), _IN_LIST):
        taken = session.exec(
            select(OutboxEntry.idempotency_key).where(
                col(OutboxEntry.idempotency_key).in_(keys[start : start + _IN_LIST])
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
        session.info[_REALTIME_QUEUED] = True
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
