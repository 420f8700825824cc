"""The audit log: every change to data or configuration writes one entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.actor import Actor
from iqcadence.core.store.models import AuditEntry, Customer


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    customer: Customer | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an entry to the session (committed with the change it describes)."""
    entry = AuditEntry(
        client_id=actor.client_id,
        at=at or clock.now(),
        user_email=actor.email,
        action=action,
        customer_id=customer.id if customer is not None else None,
        customer_name=customer.name if customer is not None else None,
        details=_jsonable(details or {}),
    )
    session.add(entry)
    return entry


def list_entries(
    session: Session,
    actor: Actor,
    *,
    customer: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """Newest first. `action` matches exactly or as a prefix (`config` → `config.*`)."""
    query = select(AuditEntry).where(AuditEntry.client_id == actor.client_id)
    if customer:
        query = query.where(func.lower(AuditEntry.customer_name) == customer.strip().casefold())
    if action:
        query = query.where(
            or_(col(AuditEntry.action) == action, col(AuditEntry.action).startswith(action + "."))
        )
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    query = query.order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc()).limit(limit)
    return list(session.exec(query).all())


def entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat(timespec="seconds"),
        "user": entry.user_email,
        "action": entry.action,
        "customer": entry.customer_name,
        "details": entry.details,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
