"""Alerts and delivery records: alert state (snooze / dismiss), notification
rules, saved connections, per-event webhooks, what the rules last saw of each
customer, and the outbox every notification passes through.

Secrets never live here: connections and webhooks keep only a masked form of
their URL and the name of the keyring entry holding the real one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock


def _now() -> datetime:
    return clock.now()


class AlertState(SQLModel, table=True):
    """A person's decision about one alert of one customer: `snoozed` until a
    time, or `dismissed` until the condition clears (then the row is removed)."""

    __tablename__ = "alert_state"
    __table_args__ = (
        UniqueConstraint("customer_id", "category", name="uq_alert_state_customer_category"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    category: str
    state: str  # snoozed | dismissed
    snoozed_until: datetime | None = Field(default=None, sa_type=DateTime())
    severity: str | None = None  # severity when dismissed/snoozed (for display)
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_by: str = ""


class AlertRule(SQLModel, table=True):
    """A notification rule. `kind` is `events` (event types with parameters)
    or `custom` (OR of AND condition groups, one text per group)."""

    __tablename__ = "alert_rule"
    __table_args__ = (UniqueConstraint("client_id", "name_key", name="uq_alert_rule_client_name"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    name_key: str
    kind: str = "events"
    events: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    conditions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    scope: str = "all"
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    schedule: str = "realtime"
    enabled: bool = True
    revision: int = 1
    last_digest_at: datetime | None = Field(default=None, sa_type=DateTime())
    created_by: str = ""
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class Connection(SQLModel, table=True):
    """A saved channel. Slack/Teams/webhook URLs live in the keyring under
    `keyring_name`; `target` is what may be shown (masked URL or addresses)."""

    __tablename__ = "notify_connection"
    __table_args__ = (UniqueConstraint("client_id", "name_key", name="uq_connection_client_name"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    name_key: str
    kind: str  # slack | teams | email | webhook
    target: str = ""
    keyring_name: str | None = None
    created_by: str = ""
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class EventWebhook(SQLModel, table=True):
    """A URL (in the keyring) that receives every occurrence of one event type."""

    __tablename__ = "event_webhook"
    __table_args__ = (UniqueConstraint("client_id", "event", name="uq_event_webhook_client_event"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    event: str
    param: float | None = None
    target: str = ""
    keyring_name: str
    created_by: str = ""
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class CustomerWatch(SQLModel, table=True):
    """What the rules last observed of a customer: the facts events compare
    against, and which custom rules were true (so they fire on becoming true)."""

    __tablename__ = "customer_watch"

    customer_id: int = Field(foreign_key="customer.id", primary_key=True, ondelete="CASCADE")
    client_id: int = Field(foreign_key="client.id", index=True)
    facts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    seen_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class OutboxEntry(SQLModel, table=True):
    """One notification to one channel, written before it is sent.

    status: `held` (waiting for its rule's digest), `digested` (merged into a
    digest entry), `pending`, `sent`, `failed` (will be retried at
    `next_attempt_at`), `dead` (gave up; `last_error` says why).
    A sender claims a row by setting `claimed_by` with a conditional UPDATE.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_outbox_key"),
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_rule_status", "rule_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    idempotency_key: str
    rule_id: int | None = None
    rule_name: str | None = None
    channel: str  # connection name, or `webhook:EVENT`
    kind: str  # slack | teams | email | webhook | event_webhook
    event: str  # event type, `custom`, `digest` or `test`
    customer_id: int | None = None
    customer_name: str | None = None
    event_at: datetime = Field(sa_type=DateTime())
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = "pending"
    digest_id: int | None = None
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_at: datetime | None = Field(default=None, sa_type=DateTime())
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    sent_at: datetime | None = Field(default=None, sa_type=DateTime())
