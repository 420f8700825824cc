"""Notification rules: alert rules (event types with parameters) and custom
rules (OR of AND condition groups in the condition language).

A rule has a manager scope (`all`, or `manager:NAME[,NAME...]`), channels
(saved connections), a schedule (`realtime`, `daily@HH:MM`,
`weekly@mon-HH:MM`, times in UTC) and an on/off switch. Rules are
independent: adding, editing or removing one never touches another.
Custom rules fire when their condition becomes true, not while it stays true.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from iqcadence.core.alerts.connections import get_connection, name_key
from iqcadence.core.alerts.events import EventSpec, parse_event
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store import audit
from iqcadence.core.store.models.alerts import AlertRule

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAILY = re.compile(r"^daily@(\d{1,2}):(\d{2})$")
_WEEKLY = re.compile(r"^weekly@([a-z]{3})-(\d{1,2}):(\d{2})$")


def parse_schedule(text: str) -> str:
    """`realtime`, `daily@09:00` or `weekly@mon-09:00`, normalised."""
    value = text.strip().lower().replace("real-time", "realtime")
    if value == "realtime":
        return value
    daily, weekly = _DAILY.match(value), _WEEKLY.match(value)
    if daily:
        return f"daily@{_hhmm(text, daily.group(1), daily.group(2))}"
    if weekly and weekly.group(1) in WEEKDAYS:
        return f"weekly@{weekly.group(1)}-{_hhmm(text, weekly.group(2), weekly.group(3))}"
    raise InvalidValue(
        f"--schedule: {text!r} is not realtime, daily@HH:MM or weekly@DAY-HH:MM "
        f"(DAY one of {', '.join(WEEKDAYS)})."
    )


def _hhmm(text: str, hours: str, minutes: str) -> str:
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise InvalidValue(f"--schedule: {text!r} has no such time of day.")
    return f"{h:02d}:{m:02d}"


def last_due(schedule: str, now: datetime) -> datetime | None:
    """The latest digest time at or before `now` (None for realtime)."""
    if schedule == "realtime":
        return None
    if schedule.startswith("daily@"):
        h, m = (int(x) for x in schedule.removeprefix("daily@").split(":"))
        due = datetime.combine(now.date(), time(h, m))
        return due if due <= now else due - timedelta(days=1)
    day, hhmm = schedule.removeprefix("weekly@").split("-")
    h, m = (int(x) for x in hhmm.split(":"))
    due = datetime.combine(now.date(), time(h, m))
    due -= timedelta(days=(now.weekday() - WEEKDAYS.index(day)) % 7)
    return due if due <= now else due - timedelta(days=7)


def parse_scope(text: str) -> str:
    """`all` or `manager:NAME[,NAME...]`."""
    value = text.strip()
    if value.lower() == "all":
        return "all"
    if value.lower().startswith("manager:"):
        names = [n.strip() for n in value.split(":", 1)[1].split(",") if n.strip()]
        if names:
            return "manager:" + ",".join(names)
    raise InvalidValue(f"--scope: {text!r} is not 'all' or 'manager:NAME[,NAME...]'.")


def scope_managers(scope: str) -> set[str] | None:
    """The managers (case-folded) a scope covers; None means everyone."""
    if scope == "all":
        return None
    return {n.casefold() for n in scope.split(":", 1)[1].split(",")}


def in_scope(rule: AlertRule, manager: str | None) -> bool:
    return covers(scope_managers(rule.scope), manager)


def covers(managers: Collection[str] | None, manager: str | None) -> bool:
    """Whether a scope's managers (from `scope_managers`) include this one."""
    return managers is None or (manager is not None and manager.strip().casefold() in managers)


def _check_channels(session: Session, client_id: int, channels: Sequence[str]) -> list[str]:
    if not channels:
        raise InvalidValue("--channel: give at least one saved connection.")
    names: list[str] = []
    for channel in channels:
        for part in channel.split(","):
            if part.strip():
                found = get_connection(session, client_id, part)
                if found.name not in names:
                    names.append(found.name)
    return names


def _check_conditions(conditions: Sequence[str]) -> list[str]:
    from iqcadence.core.scoring.conditions.parse import parse_condition

    if not conditions:
        raise InvalidValue("--when: give a condition.")
    out: list[str] = []
    for number, text in enumerate(conditions, start=1):
        where = "--when" if number == 1 else f"--or #{number - 1}"
        if not text.strip():
            raise InvalidValue(f"{where}: the condition is empty.")
        try:
            parse_condition(text)
        except InvalidValue as exc:
            raise InvalidValue(f"{where} {text!r}: {exc.message}") from None
        out.append(text.strip())
    return out


def _check_events(events: Sequence[str]) -> list[dict[str, Any]]:
    if not events:
        raise InvalidValue("--event: give at least one event, e.g. --event health_below:50.")
    specs: dict[str, EventSpec] = {}
    for text in events:
        spec = parse_event(text)
        specs[spec.type] = spec  # one parameter per event type in a rule
    return [spec.to_dict() for spec in specs.values()]


def list_rules(session: Session, client_id: int, *, kind: str | None = None) -> list[AlertRule]:
    query = select(AlertRule).where(AlertRule.client_id == client_id)
    if kind is not None:
        query = query.where(AlertRule.kind == kind)
    return list(session.exec(query.order_by(col(AlertRule.name_key))).all())


def get_rule(session: Session, client_id: int, name: str) -> AlertRule:
    rule = session.exec(
        select(AlertRule).where(
            AlertRule.client_id == client_id, AlertRule.name_key == name_key(name)
        )
    ).first()
    if rule is None:
        known = ", ".join(r.name for r in list_rules(session, client_id)) or "none"
        raise NotFound(f"rule {name.strip()!r} does not exist (rules: {known}).")
    return rule


def check_rule_name(name: str) -> str:
    """A rule's name with its spaces collapsed, if it is 1–80 characters."""
    display = " ".join(name.split())
    if not display or len(display) > 80:
        raise InvalidValue("rule name: must be 1–80 characters.")
    return display


def _new_rule(
    session: Session,
    actor: Actor,
    name: str,
    *,
    kind: str,
    channels: Sequence[str],
    schedule: str,
    scope: str,
) -> AlertRule:
    actor.require_write("manage rules")
    display = check_rule_name(name)
    if (
        session.exec(
            select(AlertRule.id).where(
                AlertRule.client_id == actor.client_id, AlertRule.name_key == name_key(display)
            )
        ).first()
        is not None
    ):
        raise Conflict(f"rule {display!r} already exists; use `rules edit` to change it.")
    return AlertRule(
        client_id=actor.client_id,
        name=display,
        name_key=name_key(display),
        kind=kind,
        channels=_check_channels(session, actor.client_id, channels),
        schedule=parse_schedule(schedule),
        scope=parse_scope(scope),
        created_by=actor.email,
    )


def add_rule(
    session: Session,
    actor: Actor,
    name: str,
    *,
    events: Sequence[str],
    channels: Sequence[str],
    schedule: str = "realtime",
    scope: str = "all",
) -> AlertRule:
    """An alert rule over event types (`health_below:50`, `became_at_risk` ...)."""
    rule = _new_rule(
        session, actor, name, kind="events", channels=channels, schedule=schedule, scope=scope
    )
    rule.events = _check_events(events)
    return _save(session, actor, rule, "rule.add")


def add_custom_rule(
    session: Session,
    actor: Actor,
    name: str,
    *,
    conditions: Sequence[str],
    channels: Sequence[str],
    schedule: str = "realtime",
    scope: str = "all",
) -> AlertRule:
    """A custom rule: each condition is one group; the rule is their OR."""
    rule = _new_rule(
        session, actor, name, kind="custom", channels=channels, schedule=schedule, scope=scope
    )
    rule.conditions = _check_conditions(conditions)
    return _save(session, actor, rule, "rule.add")


def edit_rule(
    session: Session,
    actor: Actor,
    name: str,
    *,
    new_name: str | None = None,
    events: Sequence[str] | None = None,
    conditions: Sequence[str] | None = None,
    channels: Sequence[str] | None = None,
    schedule: str | None = None,
    scope: str | None = None,
) -> AlertRule:
    """Change only what is given; everything is checked before anything is saved."""
    actor.require_write("manage rules")
    rule = get_rule(session, actor.client_id, name)
    if events is not None:
        if rule.kind != "events":
            raise InvalidValue(f"rule {rule.name!r} is a custom rule; change it with --when/--or.")
        rule.events = _check_events(events)
    if conditions is not None:
        if rule.kind != "custom":
            raise InvalidValue(f"rule {rule.name!r} is an alert rule; change it with --event.")
        rule.conditions = _check_conditions(conditions)
        rule.revision += 1  # a new condition starts from what is true now
    if channels is not None:
        rule.channels = _check_channels(session, actor.client_id, channels)
    if schedule is not None:
        rule.schedule = parse_schedule(schedule)
    if scope is not None:
        rule.scope = parse_scope(scope)
    if new_name is not None:
        display = " ".join(new_name.split())
        if not display or len(display) > 80:
            raise InvalidValue("rule name: must be 1–80 characters.")
        other = session.exec(
            select(AlertRule).where(
                AlertRule.client_id == actor.client_id, AlertRule.name_key == name_key(display)
            )
        ).first()
        if other is not None and other.id != rule.id:
            raise Conflict(f"rule {display!r} already exists.")
        rule.name, rule.name_key = display, name_key(display)
    return _save(session, actor, rule, "rule.edit")


def set_enabled(session: Session, actor: Actor, name: str, enabled: bool) -> AlertRule:
    actor.require_write("manage rules")
    rule = get_rule(session, actor.client_id, name)
    rule.enabled = enabled
    return _save(session, actor, rule, "rule.enable" if enabled else "rule.disable")


def remove_rule(session: Session, actor: Actor, name: str) -> None:
    """Delete one rule; notifications it already queued keep their history,
    and ones held for its digest are marked dead."""
    from sqlalchemy import update

    from iqcadence.core.store.models.alerts import OutboxEntry

    actor.require_write("manage rules")
    rule = get_rule(session, actor.client_id, name)
    session.exec(
        update(OutboxEntry)
        .where(col(OutboxEntry.rule_id) == rule.id, col(OutboxEntry.status) == "held")
        .values(status="dead", last_error="its rule was removed before the digest.")
    )
    session.delete(rule)
    audit.record(session, actor, "rule.remove", details=rule_to_dict(rule))
    session.commit()


def _save(session: Session, actor: Actor, rule: AlertRule, action: str) -> AlertRule:
    rule.updated_at = clock.now()
    session.add(rule)
    session.flush()
    audit.record(session, actor, action, details=rule_to_dict(rule))
    session.commit()
    return rule


def rule_events(rule: AlertRule) -> list[EventSpec]:
    return [EventSpec.from_dict(e) for e in rule.events]


def rule_to_dict(rule: AlertRule) -> dict[str, Any]:
    """The JSON shape of a rule."""
    return {
        "id": rule.id,
        "name": rule.name,
        "kind": rule.kind,
        "events": [{**e, "label": EventSpec.from_dict(e).label()} for e in rule.events],
        "conditions": list(rule.conditions),
        "scope": rule.scope,
        "channels": list(rule.channels),
        "schedule": rule.schedule,
        "enabled": rule.enabled,
        "created_by": rule.created_by,
        "created_at": rule.created_at.isoformat(timespec="seconds"),
        "updated_at": rule.updated_at.isoformat(timespec="seconds"),
    }


def describe_rule(rule: AlertRule) -> str:
    if rule.kind == "custom":
        return " OR ".join(f"({c})" for c in rule.conditions)
    return ", ".join(EventSpec.from_dict(e).label() for e in rule.events)
