"""CRM records around a customer: custom fields, owners, opportunities, leads.

Every table that hangs off a customer cascades on its deletion, so a hard
delete removes them with the customer. Leads belong to the client and only
point at the customer they were promoted to.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock

CUSTOM_FIELD_TYPES: tuple[str, ...] = ("text", "number", "date", "boolean", "dropdown")
OWNER_ROLES: tuple[str, ...] = ("primary", "co_owner", "observer")
OPPORTUNITY_STAGES: tuple[str, ...] = (
    "discovery",
    "proposal",
    "negotiation",
    "committed",
    "won",
    "lost",
)
CLOSED_STAGES: tuple[str, ...] = ("won", "lost")
OPEN_STAGES: tuple[str, ...] = tuple(s for s in OPPORTUNITY_STAGES if s not in CLOSED_STAGES)
LEAD_STATUSES: tuple[str, ...] = ("new", "contacted", "qualified", "disqualified")


def _now() -> datetime:
    return clock.now()


class CustomFieldDefinition(SQLModel, table=True):
    """A field an admin added to every customer of a client (key unique per client)."""

    __tablename__ = "custom_field_definition"
    __table_args__ = (UniqueConstraint("client_id", "key", name="uq_custom_field_client_key"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    key: str
    label: str
    type: str = "text"
    options: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    position: int = 0
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class CustomFieldValue(SQLModel, table=True):
    """One customer's value of one custom field, stored as canonical text
    (numbers as `12.5`, dates ISO, booleans `true`/`false`)."""

    __tablename__ = "custom_field_value"
    __table_args__ = (
        UniqueConstraint("customer_id", "field_id", name="uq_custom_value_customer_field"),
        Index("ix_custom_value_field_value", "field_id", "value"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    field_id: int = Field(foreign_key="custom_field_definition.id", ondelete="CASCADE")
    value: str | None = None
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class CustomerOwner(SQLModel, table=True):
    """A user's role on an account: one primary, any co-owners and observers.

    A partial unique index keeps at most one primary per customer on every
    engine; the services keep it at exactly one once any owner is set.
    """

    __tablename__ = "customer_owner"
    __table_args__ = (
        UniqueConstraint("customer_id", "user_id", name="uq_owner_customer_user"),
        Index(
            "uq_owner_one_primary",
            "customer_id",
            unique=True,
            sqlite_where=text("role = 'primary'"),
            postgresql_where=text("role = 'primary'"),
        ),
        Index("ix_owner_user", "user_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    role: str = "co_owner"
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class Opportunity(SQLModel, table=True):
    """A deal with a customer. Open while its stage is not won or lost."""

    __table_args__ = (Index("ix_opportunity_customer_stage", "customer_id", "stage"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    name: str
    amount: float = 0.0
    expected_close: date | None = None
    stage: str = "discovery"
    notes: str | None = None
    closed_at: datetime | None = Field(default=None, sa_type=DateTime())
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())


class Lead(SQLModel, table=True):
    """A prospect still being qualified; promoted, it becomes a customer."""

    __table_args__ = (Index("ix_lead_client_status", "client_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    industry: str | None = None
    notes: str | None = None
    status: str = "new"
    promoted_customer_id: int | None = Field(
        default=None, foreign_key="customer.id", ondelete="SET NULL"
    )
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())
