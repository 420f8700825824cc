"""Tenancy and the REST API's records: which clients a user works for, API
keys (a hash and a short prefix, never the key), the log of API calls, and
the responses kept for `Idempotency-Key` retries.

A user with no `user_client` row works in the first client only, as every
user did before clients could be managed; admins may act in every client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from iqcadence.core.base import clock


def _now() -> datetime:
    return clock.now()


class UserClient(SQLModel, table=True):
    """A user assigned to a client (`iqcadence users assign`)."""

    __tablename__ = "user_client"

    user_id: int = Field(foreign_key="user.id", primary_key=True, ondelete="CASCADE")
    client_id: int = Field(foreign_key="client.id", primary_key=True, ondelete="CASCADE")


class ApiKey(SQLModel, table=True):
    """An API key of one client with one role. Only the SHA-256 of the key is
    kept, with its first characters (`prefix`) to find it and to show it."""

    __tablename__ = "api_key"
    __table_args__ = (
        UniqueConstraint("client_id", "name", name="uq_api_key_client_name"),
        Index("ix_api_key_prefix", "prefix"),
    )

    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id")
    name: str
    role: str
    prefix: str
    key_hash: str
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
    created_by: str = ""
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime())


class ApiCall(SQLModel, table=True):
    """One request to the API: who (the key's name), what (an action or a
    route), the status, how long it took and the customer it was about. A
    request without a valid key has no client."""

    __tablename__ = "api_call"
    __table_args__ = (Index("ix_api_call_client_at", "client_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    # no foreign keys: the log outlives what it names, and a server may
    # still write calls of a client removed meanwhile
    client_id: int | None = None
    at: datetime = Field(default_factory=_now, sa_type=DateTime())
    key_name: str | None = None
    method: str
    action: str
    status: int
    duration_ms: float
    customer_id: int | None = None
    customer_name: str | None = None


class ApiReplay(SQLModel, table=True):
    """The response to a write sent with an `Idempotency-Key`, returned again
    to a retry with the same key and body (kept for a day)."""

    __tablename__ = "api_replay"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key", name="uq_api_replay_key"),
        Index("ix_api_replay_created", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    api_key_id: int = Field(foreign_key="api_key.id", ondelete="CASCADE")
    idempotency_key: str
    request_hash: str
    status: int
    response: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=_now, sa_type=DateTime())
