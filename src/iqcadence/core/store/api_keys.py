"""API keys: made once and shown once, kept as a SHA-256 hash, checked in
constant time; and the per-key request limits of the REST API.

A key is `iqc_` and 40 random URL-safe characters. Its first PREFIX_LENGTH
characters are stored in clear (to find the row and to show which key is
which); the rest is only ever compared through its hash. A key is bound to
one client and one role, and acts as `api-key:NAME` in the audit log.
Revoking deletes the row, so the next request with it fails in every
process at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, column, text
from sqlalchemy import types as satypes
from sqlmodel import Session, col, select

from iqcadence.core.base.actor import ROLES, Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound
from iqcadence.core.store import audit, settings
from iqcadence.core.store.models import Client
from iqcadence.core.store.models.api import ApiKey

KEY_START = "iqc_"
PREFIX_LENGTH = 12
MAX_KEY_LENGTH = 200
MAX_NAME = 64
ACTOR_PREFIX = "api-key:"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def clean_key_name(name: str) -> str:
    cleaned = " ".join(str(name).split())
    if not cleaned:
        raise InvalidValue("name: must not be empty.")
    if len(cleaned) > MAX_NAME:
        raise InvalidValue(f"name: must be at most {MAX_NAME} characters.")
    if not cleaned.isprintable():
        raise InvalidValue("name: must not contain control characters.")
    return cleaned


@dataclass(frozen=True)
class KeyHolder:
    """Who a valid key belongs to."""

    id: int
    name: str
    role: str
    client_id: int
    client_name: str
    last_used_at: datetime | None

    def actor(self) -> Actor:
        return Actor(
            email=f"{ACTOR_PREFIX}{self.name}",
            role=self.role,
            client_id=self.client_id,
            name=self.name,
            client_name=self.client_name,
        )


def create_key(session: Session, actor: Actor, name: str, role: str) -> tuple[ApiKey, str]:
    """A new key of the actor's client (admins only): the row and the key,
    which is not kept anywhere and cannot be shown again."""
    actor.require_admin("manage API keys")
    cleaned = clean_key_name(name)
    if role not in ROLES:
        raise InvalidValue(f"role: {role!r} is not one of {', '.join(ROLES)}.")
    if _find(session, actor.client_id, cleaned) is not None:
        raise Conflict(f"an API key named {cleaned!r} already exists.")
    raw = KEY_START + secrets.token_urlsafe(30)
    row = ApiKey(
        client_id=actor.client_id,
        name=cleaned,
        role=role,
        prefix=raw[:PREFIX_LENGTH],
        key_hash=hash_key(raw),
        created_by=actor.email,
    )
    session.add(row)
    audit.record(session, actor, "api_key.create", details={"name": cleaned, "role": role})
    session.commit()
    return row, raw


def list_keys(session: Session, actor: Actor) -> list[ApiKey]:
    return list(
        session.exec(
            select(ApiKey).where(ApiKey.client_id == actor.client_id).order_by(col(ApiKey.name))
        ).all()
    )


def key_to_dict(row: ApiKey) -> dict[str, Any]:
    """What may be shown of a key: never the key, nor its hash."""
    return {
        "name": row.name,
        "role": row.role,
        "prefix": row.prefix,
        "created_at": row.created_at.isoformat(timespec="seconds"),
        "created_by": row.created_by,
        "last_used_at": (
            row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else None
        ),
    }


def revoke_key(session: Session, actor: Actor, name: str) -> ApiKey:
    actor.require_admin("manage API keys")
    row = _find(session, actor.client_id, clean_key_name(name))
    if row is None:
        known = ", ".join(k.name for k in list_keys(session, actor)) or "none"
        raise NotFound(f"there is no API key named {name.strip()!r} (keys: {known}).")
    session.delete(row)
    audit.record(session, actor, "api_key.revoke", details={"name": row.name, "role": row.role})
    session.commit()
    return row


def _find(session: Session, client_id: int, name: str) -> ApiKey | None:
    for row in session.exec(select(ApiKey).where(ApiKey.client_id == client_id)).all():
        if row.name.casefold() == name.casefold():
            return row
    return None


# Every API request runs this: built once, compiled once.
_FIND_KEY = text(
    "SELECT k.id, k.name, k.role, k.client_id, c.name AS client_name, k.key_hash, "
    "k.last_used_at FROM api_key k JOIN client c ON c.id = k.client_id "
    "WHERE k.prefix = :prefix"
).columns(
    # every column typed: the result's description is then read once, not per request
    column("id", satypes.Integer()),
    column("name", satypes.String()),
    column("role", satypes.String()),
    column("client_id", satypes.Integer()),
    column("client_name", satypes.String()),
    column("key_hash", satypes.String()),
    column("last_used_at", satypes.DateTime()),
)


def authenticate(session: Session, raw: str | None) -> KeyHolder | None:
    """The holder of a key, or None for a missing, malformed, wrong or
    revoked one (one indexed read; the hash is compared in constant time)."""
    if not raw or not raw.startswith(KEY_START) or len(raw) > MAX_KEY_LENGTH:
        return None
    digest = hash_key(raw)
    rows = session.connection().execute(_FIND_KEY, {"prefix": raw[:PREFIX_LENGTH]})
    found = None
    for key_id, name, role, client_id, client_name, stored, last_used in rows:
        if hmac.compare_digest(str(stored), digest):
            found = KeyHolder(int(key_id), name, role, int(client_id), client_name, last_used)
    return found


def mark_used(session: Session, used: dict[int, datetime]) -> None:
    """Record when keys were last used (caller commits)."""
    if not used:
        return
    statement = text(
        "UPDATE api_key SET last_used_at = :at WHERE id = :id "
        "AND (last_used_at IS NULL OR last_used_at < :at)"
    ).bindparams(bindparam("at", type_=satypes.DateTime()))
    session.connection().execute(statement, [{"id": k, "at": at} for k, at in used.items()])


def client_name(session: Session, client_id: int) -> str:
    client = session.get(Client, client_id)
    return client.name if client is not None else ""


# --- request limits --------------------------------------------------------------------

LIMITS_KEY = "api"
DEFAULT_RATE = 20.0  # requests per second and key, sustained
DEFAULT_BURST = 40  # requests a key may send at once after a quiet spell
MAX_RATE = 100_000.0


@dataclass(frozen=True)
class ApiLimits:
    rate_per_second: float = DEFAULT_RATE
    burst: int = DEFAULT_BURST

    def to_dict(self) -> dict[str, Any]:
        return {"rate_per_second": self.rate_per_second, "burst": self.burst}


def load_limits(session: Session, client_id: int) -> ApiLimits:
    block = settings.get_block(session, client_id, LIMITS_KEY) or {}
    return ApiLimits(
        rate_per_second=float(block.get("rate_per_second", DEFAULT_RATE)),
        burst=int(block.get("burst", DEFAULT_BURST)),
    )


def check_limits(rate: float, burst: int) -> ApiLimits:
    """Limits `api limits set` accepts (restore checks a stored block with this)."""
    if not 0 < rate <= MAX_RATE:
        raise InvalidValue(f"rate: must be above 0 and at most {MAX_RATE:g}, got {rate:g}.")
    if not 1 <= burst <= 1_000_000:
        raise InvalidValue(f"burst: must be between 1 and 1000000, got {burst}.")
    return ApiLimits(rate, burst)


def save_limits(
    session: Session, actor: Actor, *, rate: float | None = None, burst: int | None = None
) -> ApiLimits:
    """Change the per-key limits of the actor's client (admins only)."""
    actor.require_admin("change the API limits")
    current = load_limits(session, actor.client_id)
    new_rate = current.rate_per_second if rate is None else float(rate)
    new_burst = current.burst if burst is None else int(burst)
    limits = check_limits(new_rate, new_burst)
    settings.put_block(session, actor, LIMITS_KEY, limits.to_dict(), action="config.api_limits")
    session.commit()
    return limits
