"""Derived alert state: every current alert of every active customer, kept
as the derivation of SPEC §4 would give it today, and what that state (and
the rules' daily sweep) was worked out for.

These tables hold no data of their own: everything in them follows from the
customers, their score history, the configuration and the date. They are
marked `derived` (`info`), so a backup lists them without rows and a
restore leaves them empty, to be worked out again.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock

DERIVED = {"derived": True}


def _now() -> datetime:
    return clock.now()


class CurrentAlert(SQLModel, table=True):
    """One alert of one customer as `alerts.derive.derive_alerts` gives it,
    with the keys its order is read by: `severity_rank` and `category_rank`
    (positions in SEVERITIES and CATEGORIES), `mrr_order` (minus the MRR, 0
    for none, so an ascending index lists the largest first) and `sort_name`
    (the case-folded name)."""

    __tablename__ = "alert_current"
    __table_args__ = (
        UniqueConstraint("customer_id", "category", name="uq_alert_current_customer_category"),
        Index(
            "ix_alert_current_severity",
            "client_id",
            "severity_rank",
            "mrr_order",
            "sort_name",
            "category_rank",
            "customer_id",
        ),
        Index(
            "ix_alert_current_category",
            "client_id",
            "category_rank",
            "severity_rank",
            "mrr_order",
            "sort_name",
        ),
        # customers with an alert, and each one's exposed MRR, from the index alone
        Index(
            "ix_alert_current_customer", "client_id", "customer_id", "severity_rank", "mrr_order"
        ),
        {"info": DERIVED},
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    customer_id: int = Field(foreign_key="customer.id", ondelete="CASCADE")
    category: str
    severity: str
    severity_rank: int
    category_rank: int
    customer_name: str
    sort_name: str
    manager: str | None = None
    mrr: float | None = None
    mrr_order: float = 0.0
    reason: str
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class AlertUpkeep(SQLModel, table=True):
    """Per client: the day and settings `alert_current` was worked out for
    (`alerts_on` None: it must be worked out again before it is read), and
    the day and rules the last sweep of the rules covered."""

    __tablename__ = "alert_upkeep"
    __table_args__ = ({"info": DERIVED},)

    client_id: int = Field(foreign_key="client.id", primary_key=True)
    alerts_on: date | None = Field(default=None, sa_type=Date())
    alerts_signature: str | None = None
    swept_on: date | None = Field(default=None, sa_type=Date())
    sweep_signature: str | None = None
    updated_at: datetime = Field(default_factory=_now, sa_type=DateTime())
