"""Scheduled reports: what to render, how often, and for whom."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock


def _now() -> datetime:
    return clock.now()


class ReportSchedule(SQLModel, table=True):
    """A report e-mailed on a schedule. `every` is `daily@HH:MM`,
    `weekly@mon-HH:MM` or `monthly@D-HH:MM`; `last_period` is the start of
    the last period already queued, so each period is sent exactly once."""

    __tablename__ = "report_schedule"

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    report_type: str
    every: str
    recipients: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    format: str = "pdf"
    filters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    enabled: bool = True
    last_period: datetime | None = Field(default=None, sa_type=DateTime())
    created_by: str = ""
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
