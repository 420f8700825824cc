"""One observation of many customers: what the rules last saw of each
(`customer_watch`) against what they are now, the event rules and custom
rules that fire on the difference, and what was seen written back for next
time. The pass is fed a chunk of rows at a time and holds nothing across
chunks, so memory stays flat whatever the number of customers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, insert, update
from sqlmodel import Session

from iqcadence.core.alerts.enqueue import queue_notifications
from iqcadence.core.alerts.events import Event, EventSpec, detect, event_facts
from iqcadence.core.alerts.rules import covers, in_scope, rule_events, scope_managers
from iqcadence.core.alerts.scan import full_rows, select_ids
from iqcadence.core.alerts.webhooks import webhook_spec
from iqcadence.core.store.models.alerts import AlertRule, CustomerWatch, EventWebhook

if TYPE_CHECKING:
    from iqcadence.core.scoring.conditions.tree import Condition

# No state before the change was given for the customer ({} is a new one's).
_NOT_GIVEN: dict[str, Any] = {}

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


def event_rules(rules: Sequence[AlertRule], hooks: Sequence[EventWebhook]) -> list[_EventRule]:
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


@dataclass
class Observation:
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
    # Facts stored before this day are compared as they stood on it (a sweep
    # after the rules changed: see `sweep_plan`); None compares them as stored.
    aged_to: date | None = None

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
            stored, seen_at = watches.get(cid, (None, None))
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
                if self.aged_to is not None and seen:
                    seen = aged_facts(seen, day_of(seen_at), self.aged_to)
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
            full = full_rows(session, self.client_id, rows, {cid for cid, _r, _e in fired_all})
            queued = queue_notifications(
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


def _custom_facts(session: Session, client_id: int, rows: list[dict[str, Any]], today: date) -> Any:
    from iqcadence.core.accounts.history import momentum_for
    from iqcadence.core.scoring.conditions.facts import customer_facts
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


def _watches(session: Session, client_id: int, ids: list[int]) -> dict[int, tuple[Any, Any]]:
    """What was last observed of these customers, by customer id: the facts
    as stored (JSON text where the driver returns text, else decoded), so
    that an unchanged customer is recognised without decoding them, and
    when they were observed."""
    sql = "SELECT customer_id, facts, seen_at FROM customer_watch WHERE client_id = :client_id"
    rows = select_ids(session.connection(), sql, "customer_id", ids, {"client_id": client_id})
    return {int(cid): (facts, seen_at) for cid, facts, seen_at in rows}


def aged_facts(facts: Mapping[str, Any], seen: date, day: date) -> dict[str, Any]:
    """Event facts observed on `seen` as they stood on a later `day`, the
    customer unchanged meanwhile: days since contact grew by a day a day,
    days to renewal shrank."""
    out = dict(facts)
    if day <= seen:
        return out
    if out.get("days") is not None:
        out["days"] = int(out["days"]) + (day - seen).days
    if out.get("renewal_date"):
        out["renewal_days"] = (date.fromisoformat(str(out["renewal_date"])[:10]) - day).days
    return out


def day_of(moment: Any) -> date:
    """The date of a stored moment (text on SQLite when read with plain SQL)."""
    if isinstance(moment, str):
        return date.fromisoformat(moment[:10])
    if isinstance(moment, datetime):
        return moment.date()
    assert isinstance(moment, date)
    return moment


def _decoded(stored: Any) -> dict[str, Any] | None:
    return None if stored is None else decoded_facts(stored)


def decoded_facts(stored: Any) -> dict[str, Any]:
    """Stored watch facts as a dict (JSON text where the driver returns text)."""
    return dict(json.loads(stored) if isinstance(stored, str | bytes) else stored)
