"""Customer 360 records: contacts, timeline events, tasks, playbooks and runs.

Everything that hangs off a customer cascades on its deletion, so a hard
delete removes it with the customer. A removed contact leaves its events in
the timeline (their `contact_id` is set to NULL); a deleted playbook run
leaves its tasks (their `playbook_run_id` is set to NULL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock

CONTACT_ROLES: tuple[str, ...] = ("champion", "stakeholder", "billing", "technical")
EVENT_KINDS: tuple[str, ...] = (
    "email",
    "meeting",
    "call",
    "message",
    "note",
    "task",
    "ticket",
    "product_event",
    "health_change",
)
# Kinds that count as talking to the customer: they reset days-since-contact.
CONTACT_KINDS: tuple[str, ...] = ("email", "meeting", "call", "message")
TICKET_STATUSES: tuple[str, ...] = ("open", "pending", "solved")
OPEN_TICKET_STATUSES: tuple[str, ...] = ("open", "pending")
TICKET_PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
TASK_STATUSES: tuple[str, ...] = ("open", "done", "cancelled")
RUN_STATUSES: tuple[str, ...] = ("active", "completed", "cancelled")


def _now() -> datetime:
    return clock.now()


class Contact(SQLModel, table=True):
    """A person at a customer. Name (case-insensitive) and e-mail are unique
    per customer; last contact and health are derived from the timeline."""

    __table_args__ = (
        UniqueConstraint("customer_id", "name_key", name="uq_contact_customer_name"),
        UniqueConstraint("customer_id", "email", name="uq_contact_customer_email"),
        Index("ix_contact_email", "email"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", index=True)
    name: str
    name_key: str
    email: str | None = None  # stored lower-cased
    phone: str | None = None
    role: str | None = None
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class TimelineEvent(SQLModel, table=True):
    """One thing that happened with a customer.

    Events from outside carry `source` + `external_id`; the pair is unique
    per customer so re-importing never duplicates (NULLs never collide).
    `properties` holds kind-specific details (product event properties,
    health change from/to/signals, task outcome).
    """

    __tablename__ = "timeline_event"
    __table_args__ = (
        UniqueConstraint(
            "customer_id", "source", "external_id", name="uq_timeline_customer_source_external"
        ),
        Index("ix_timeline_customer_at", "customer_id", "at"),
        Index("ix_timeline_customer_kind_at", "customer_id", "kind", "at"),
        Index("ix_timeline_contact_at", "contact_id", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    kind: str
    at: datetime = Field(sa_type=DateTime())
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    author: str | None = None
    title: str = ""
    body: str | None = None
    status: str | None = None
    priority: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str | None = None
    external_id: str | None = None
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class EventSignal(SQLModel, table=True):
    """The value the timeline last wrote into a customer signal (today only
    `tickets`). While the customer's signal still holds that value (or is
    empty) the timeline owns it; once another source sets another value,
    ticket events leave it alone. See `timeline` for the full rule."""

    __tablename__ = "event_signal"

    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE", primary_key=True)
    signal: str = Field(primary_key=True)
    value: int | None = None
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class Playbook(SQLModel, table=True):
    """A named sequence of task templates, started by hand or by its trigger.

    `steps` is a list of {title, offset_days, owner, description}; `owner` is
    `primary`, `co_owner` or an e-mail.
    """

    __table_args__ = (UniqueConstraint("client_id", "name_key", name="uq_playbook_client_name"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    name_key: str
    description: str = ""
    trigger: str | None = None  # canonical condition text
    steps: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    enabled: bool = True
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class PlaybookRun(SQLModel, table=True):
    """One playbook on one customer. A partial unique index keeps at most one
    active run of a playbook per customer on every engine."""

    __tablename__ = "playbook_run"
    __table_args__ = (
        Index("ix_run_customer_status", "customer_id", "status"),
        Index(
            "uq_run_one_active",
            "playbook_id",
            "customer_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: int = Field(foreign_key="playbook.id", ondelete="CASCADE", index=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    status: str = "active"
    started_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    finished_at: datetime | None = Field(default=None, sa_type=DateTime())
    started_by: str = ""
    trigger: str = "manual"  # "manual", or the condition text that started it


class Task(SQLModel, table=True):
    """A to-do on a customer, possibly one step of a playbook run."""

    __table_args__ = (
        Index("ix_task_owner_due_status", "owner", "due", "status"),
        Index("ix_task_status_due", "status", "due"),
        Index("ix_task_customer_status", "customer_id", "status"),
        Index("ix_task_run", "playbook_run_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    title: str
    description: str | None = None
    due: date | None = None
    owner: str | None = None  # a user's e-mail
    status: str = "open"
    outcome: str | None = None
    playbook_run_id: int | None = Field(
        default=None, foreign_key="playbook_run.id", ondelete="SET NULL"
    )
    step: int | None = None  # position in the playbook, for runs
    created_by: str | None = None
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    completed_at: datetime | None = Field(default=None, sa_type=DateTime())
