"""The API call log: every request to the REST API, newest first.

Entries name the key (never the key itself), the action or route, the
status, how long the request took and the customer it was about. Requests
without a valid key belong to no client: only admins see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_
from sqlmodel import Session, col, select

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import InvalidValue
from iqcadence.core.store.models.api import ApiCall

MAX_LIST = 10_000


@dataclass(frozen=True)
class CallRecord:
    """One request, as the server saw it."""

    at: datetime
    method: str
    action: str
    status: int
    duration_ms: float
    client_id: int | None = None
    key_name: str | None = None
    customer_id: int | None = None
    customer_name: str | None = None


def record_calls(session: Session, calls: Sequence[CallRecord]) -> None:
    """Add calls to the log in one statement (caller commits)."""
    if not calls:
        return
    rows = [
        {
            "client_id": c.client_id,
            "at": c.at,
            "key_name": c.key_name,
            "method": c.method,
            "action": c.action[:200],
            "status": c.status,
            "duration_ms": round(c.duration_ms, 2),
            "customer_id": c.customer_id,
            "customer_name": c.customer_name,
        }
        for c in calls
    ]
    session.connection().execute(insert(ApiCall.__table__), rows)  # type: ignore[attr-defined]


def list_calls(
    session: Session, actor: Actor, *, limit: int = 50, key: str | None = None
) -> list[ApiCall]:
    """The newest calls of the actor's client (admins also see calls made
    without a valid key), optionally of one key only."""
    if not 1 <= limit <= MAX_LIST:
        raise InvalidValue(f"--limit: must be between 1 and {MAX_LIST}, got {limit}.")
    mine = col(ApiCall.client_id) == actor.client_id
    where = or_(mine, col(ApiCall.client_id).is_(None)) if actor.is_admin else mine
    query = select(ApiCall).where(where)
    if key is not None:
        query = query.where(col(ApiCall.key_name) == key.strip())
    query = query.order_by(col(ApiCall.at).desc(), col(ApiCall.id).desc()).limit(limit)
    return list(session.exec(query).all())


def call_to_dict(call: ApiCall) -> dict[str, Any]:
    return {
        "at": call.at.isoformat(timespec="milliseconds"),
        "key": call.key_name,
        "method": call.method,
        "action": call.action,
        "status": call.status,
        "duration_ms": call.duration_ms,
        "customer_id": call.customer_id,
        "customer": call.customer_name,
    }
