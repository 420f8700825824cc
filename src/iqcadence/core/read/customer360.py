"""Customer 360, one read model for `customers show`, the app's record screen
and the record export.

`detail` is the documented `customers show --json` object: the customer's
JSON shape plus `scored_at`, `created_at`, the score `breakdown`, `history`
and the record extras:

    "custom_fields": {key: typed value or null, ...}   (definition order)
    "owners": [{"email", "name", "role"}, ...]        (primary first)
    "open_pipeline": {"open_count": int, "open_amount": float}
    "alerts": [alert objects as in `alerts list --json`, snoozed/dismissed included]
    "next_action": {"rule", "action", "reason", "due", "data", "customer"}

`customer_record` adds what the screen shows beside it: contacts, the
filtered timeline, active playbooks, the 30-day trend, the last week's
signals and whether the acting user may edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from iqcadence.core.accounts import (
    contacts,
    custom_fields,
    customers,
    history,
    opportunities,
    owners,
    playbooks,
    timeline,
)
from iqcadence.core.accounts.breakdown import breakdown
from iqcadence.core.accounts.shape import customer_to_dict
from iqcadence.core.alerts.derive import Alert, derive_alerts
from iqcadence.core.alerts.next_action import Suggestion, suggest
from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.labels import label
from iqcadence.core.store import settings
from iqcadence.core.store.models import Customer


def detail(
    session: Session,
    actor: Actor,
    customer: Customer,
    *,
    today: date | None = None,
    history_limit: int = 10,
    alerts: list[Alert] | None = None,
    suggestion: Suggestion | None = None,
) -> dict[str, Any]:
    """The `customers show --json` object of one customer (`alerts` and
    `suggestion` when the caller derived them already)."""
    today = today or clock.today()
    assert customer.id is not None
    momentum = history.momentum_for(session, [{"id": customer.id, "score": customer.score}], today)
    data = customer_to_dict(customer, today=today, momentum=momentum[customer.id])
    data["scored_at"] = (
        customer.scored_at.isoformat(timespec="seconds") if customer.scored_at else None
    )
    data["created_at"] = customer.created_at.isoformat(timespec="seconds")
    config = settings.load_scoring_config(session, actor.client_id)
    data["breakdown"] = breakdown(session, customer, config, today)
    if alerts is None or suggestion is None:
        alerts, suggestion = _alerts_and_next(session, customer, today)
    data.update(record_extras(session, customer, alerts=alerts, suggestion=suggestion))
    data["history"] = [
        history.snapshot_to_dict(s)
        for s in history.history(session, customer.id, limit=history_limit)
    ]
    return data


def _alerts_and_next(
    session: Session, customer: Customer, today: date | None = None
) -> tuple[list[Alert], Suggestion]:
    assert customer.id is not None
    alerts = derive_alerts(
        session,
        customer.client_id,
        today=today,
        customer_ids=[customer.id],
        include_snoozed=True,
        include_dismissed=True,
    )
    return alerts, suggest(session, customer, today=today, alerts=alerts)


def record_extras(
    session: Session,
    customer: Customer,
    *,
    alerts: list[Alert] | None = None,
    suggestion: Suggestion | None = None,
) -> dict[str, Any]:
    """Custom field values, owners, the open pipeline, alerts and the next action."""
    assert customer.id is not None
    if alerts is None or suggestion is None:
        alerts, suggestion = _alerts_and_next(session, customer)
    return {
        "custom_fields": custom_fields.values_json(session, customer),
        "owners": [o.to_dict() for o in owners.owners_of(session, customer)],
        "open_pipeline": opportunities.open_pipeline(session, customer.id).to_dict(),
        "alerts": [a.to_dict() for a in alerts],
        "next_action": suggestion.to_dict(),
    }


# Standard fields in the order the record shows them (all editable through
# customers.apply_changes; `score` sets or clears a manual override).
RECORD_FIELDS: tuple[str, ...] = (
    "name",
    "tier",
    "lifecycle",
    "manager",
    "mrr",
    "arr",
    "renewal_date",
    "customer_since",
    "next_touch",
    "last_contact_date",
    "tags",
    "sentiment",
    "scoring_profile",
    "website",
    "domain",
    "email",
    "phone",
    "industry",
    "notes",
    "logins",
    "adoption",
    "tickets",
    "nps",
    "csat",
    "days",
    "growth",
    "score",
)


@dataclass
class Record:
    """Everything the Customer 360 screen shows, read in one go."""

    customer: Customer
    data: dict[str, Any]  # the `detail` object (`customers show --json`)
    trend: list[float]
    can_edit: bool
    custom_fields: list[dict[str, Any]] = field(default_factory=list)  # with display values
    contacts: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    playbooks: list[dict[str, Any]] = field(default_factory=list)
    recent_signals: list[str] = field(default_factory=list)
    next_action: str | None = None
    timeline_filter: dict[str, str] = field(default_factory=dict)

    @property
    def breakdown(self) -> dict[str, Any]:
        return dict(self.data["breakdown"])

    @property
    def owners(self) -> list[dict[str, Any]]:
        return list(self.data["owners"])


def field_value(record: Record, name: str) -> Any:
    """The current value of a standard field, as the record shows it."""
    data = record.data
    if name in data.get("signals", {}):
        return data["signals"][name]
    if name == "tags":
        return ", ".join(data.get("tags") or [])
    if name == "score":
        return data.get("score") if data.get("score_source") == "manual" else None
    if name in data:
        return data[name]
    return getattr(record.customer, name, None)


def customer_record(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    today: date | None = None,
    timeline_filter: dict[str, str] | None = None,
) -> Record:
    """The whole record; `timeline_filter` keys: type, contact, days (7/30/90), author."""
    today = today or clock.today()
    customer = customers.customer_by_id(session, actor, customer_id)
    alerts, suggestion = _alerts_and_next(session, customer, today)
    data = detail(session, actor, customer, today=today, alerts=alerts, suggestion=suggestion)
    record = Record(
        customer=customer,
        data=data,
        trend=trend(session, customer_id, today=today),
        can_edit=owners.can_edit(session, actor, customer),
        custom_fields=custom_fields.display_values(session, customer),
        contacts=contacts.contact_rows(session, actor, customer, today=today),
        playbooks=playbooks.run_dicts(
            session, playbooks.list_runs(session, actor, customer, status="active")
        ),
        next_action=suggestion.sentence(),
        timeline_filter=dict(timeline_filter or {}),
    )
    _load_timeline(session, actor, record, today)
    # The customer's current alerts head the last-7-day signals.
    record.recent_signals[:0] = [
        f"{label('severity', a.severity)} · {label('category', a.category)}: {a.reason}"
        for a in alerts
    ]
    return record


def _load_timeline(session: Session, actor: Actor, record: Record, today: date) -> None:
    wanted = record.timeline_filter
    events = timeline.list_events(
        session,
        actor,
        record.customer,
        kinds=[wanted["type"]] if wanted.get("type") else None,
        contact=wanted.get("contact") or None,
        since=f"{wanted['days']}d" if wanted.get("days") else None,
        author=wanted.get("author") or None,
        limit=200,
    )
    record.timeline = timeline.event_dicts(session, events)
    week_ago = clock.start_of(today - timedelta(days=6))
    recent = timeline.list_events(
        session,
        actor,
        record.customer,
        kinds=["ticket", "product_event", "health_change"],
        since=week_ago,
        limit=20,
    )
    for event in timeline.event_dicts(session, recent):
        kind, title = event["kind"], event["title"]
        if kind == "product_event":
            title = label("product_event", title)
        record.recent_signals.append(f"{event['at'][:10]} {label('event_kind', kind)}: {title}")


def trend(session: Session, customer_id: int, *, today: date, days: int = 30) -> list[float]:
    """The score at the end of each of the last `days` days (from snapshots;
    days before the first snapshot are left out)."""
    start = clock.start_of(today - timedelta(days=days - 1))
    rows = (
        session.connection()
        .execute(
            text(
                "SELECT taken_at, score FROM score_snapshot WHERE customer_id = :cid "
                "AND score IS NOT NULL ORDER BY taken_at, id"
            ),
            {"cid": customer_id},
        )
        .all()
    )
    points: list[float] = []
    last: float | None = None
    index = 0
    for offset in range(days):
        day_end = start + timedelta(days=offset + 1)
        while index < len(rows) and _as_datetime(rows[index][0]) < day_end:
            last = float(rows[index][1])
            index += 1
        if last is not None:
            points.append(last)
    return points


def _as_datetime(value: Any) -> Any:
    if isinstance(value, str):
        from datetime import datetime

        return datetime.fromisoformat(value)
    return value
