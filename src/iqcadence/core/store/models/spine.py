"""The spine records: tenants, users, customers, score history, settings, audit.

Customer 360 records (contacts, timeline, tasks, playbooks, custom fields,
leads, opportunities) and alert state live in their own tables that point at
`customer.id`; nothing here needs reshaping when they arrive.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock


def _now() -> datetime:
    return clock.now()


class Client(SQLModel, table=True):
    """A tenant: agencies keep several client businesses in one database."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class User(SQLModel, table=True):
    """A person acting on the data. Roles: admin, csm, viewer."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True)
    name: str = ""
    role: str = "csm"
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class Customer(SQLModel, table=True):
    """A customer account with its signals and current score.

    `name_key` is the trimmed, case-folded name: uniqueness and name sorting
    use it so they are case-insensitive on every engine.
    The days-since-contact signal is a baseline (`days_baseline`) true on
    `days_as_of`; its effective value grows by one each day (decay).
    `tags` holds tags joined by `|`.
    """

    __table_args__ = (
        # an index, not a constraint, so a bulk import can build it once at the end
        Index("uq_customer_client_name", "client_id", "name_key", unique=True),
        Index("ix_customer_score", "score"),
        Index("ix_customer_tier_score", "tier", "score"),
        Index("ix_customer_tier_mrr", "tier", "mrr"),
        Index("ix_customer_mrr", "mrr"),
        Index("ix_customer_renewal", "renewal_date"),
        Index("ix_customer_updated", "updated_at"),
        Index("ix_customer_manager", "manager"),
        Index("ix_customer_status_band", "status", "band"),
        Index("ix_customer_lifecycle", "lifecycle"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    name_key: str = Field(index=True)
    website: str | None = None
    domain: str | None = None
    email: str | None = None
    phone: str | None = None
    industry: str | None = None
    notes: str | None = None
    tier: str | None = None
    lifecycle: str = "active"
    status: str = "active"
    manager: str | None = None
    mrr: float | None = None
    arr: float | None = None
    renewal_date: date | None = None
    customer_since: date | None = None
    next_touch: date | None = None
    last_contact_date: date | None = None
    tags: str = ""
    sentiment: str | None = None
    scoring_profile: str | None = None
    # signals (None = missing, excluded from the score)
    logins: int | None = None
    adoption: float | None = None
    tickets: int | None = None
    nps: int | None = None
    csat: float | None = None
    days_baseline: int | None = None
    days_as_of: date | None = None
    growth: str | None = None
    # score
    score: float | None = None
    band: str | None = None
    score_manual: bool = False
    scored_at: datetime | None = Field(default=None, sa_type=DateTime())
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class ScoreSnapshot(SQLModel, table=True):
    """The score of one customer at one time, with the inputs that made it."""

    __tablename__ = "score_snapshot"
    __table_args__ = (Index("ix_snapshot_customer_taken", "customer_id", "taken_at"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    taken_at: datetime = Field(sa_type=DateTime())
    score: float | None = None
    band: str | None = None
    logins: int | None = None
    adoption: float | None = None
    tickets: int | None = None
    nps: int | None = None
    csat: float | None = None
    days: int | None = None
    growth: str | None = None
    weights: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    source: str = "score"


class Setting(SQLModel, table=True):
    """One named block of configuration per client (e.g. `scoring`), as JSON."""

    client_id: int = Field(foreign_key="client.id", primary_key=True)
    key: str = Field(primary_key=True)
    value: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_by: str | None = None


class ScoringProfile(SQLModel, table=True):
    """A named weight set that replaces the global weights for its customers."""

    __tablename__ = "scoring_profile"
    __table_args__ = (UniqueConstraint("client_id", "name", name="uq_profile_client_name"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    description: str = ""
    weights: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class AuditEntry(SQLModel, table=True):
    """Who did what, when, to which customer. Never updated, never deleted with
    the customer (the name is kept beside the id for that reason)."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_customer", "customer_id"),
        Index("ix_audit_action", "action"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    at: datetime = Field(default_factory=_now, sa_type=DateTime())
    user_email: str
    action: str
    customer_id: int | None = None
    customer_name: str | None = None
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
