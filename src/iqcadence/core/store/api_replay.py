"""Idempotent writes: the response to a request sent with an
`Idempotency-Key`, kept for a day per API key.

A retry with the same key and the same request gets the first response and
changes nothing; the same key with another request is a conflict. The
response is stored in the transaction of the write it answers, so two copies
of one request racing each other cannot both write: the second one's insert
fails on the unique (key, Idempotency-Key) pair and rolls its write back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from iqcadence.core.base import clock
from iqcadence.core.base.errors import Conflict, InvalidValue
from iqcadence.core.store.models.api import ApiReplay

KEEP_FOR = timedelta(days=1)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Replay:
    status: int
    response: dict[str, Any]


def request_hash(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.upper().encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def check_key(value: str) -> str:
    key = value.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidValue(f"Idempotency-Key: must be 1 to {MAX_KEY_LENGTH} printable characters.")
    return key


def find_replay(
    session: Session, api_key_id: int, idempotency_key: str, fingerprint: str
) -> Replay | None:
    """The stored response for this key and request, None when there is
    none; a Conflict when the key was used for another request."""
    row = session.exec(
        select(ApiReplay).where(
            ApiReplay.api_key_id == api_key_id,
            ApiReplay.idempotency_key == idempotency_key,
            col(ApiReplay.created_at) >= clock.now() - KEEP_FOR,
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise Conflict(
            "Idempotency-Key: this key was already used for a different request; "
            "use a new key for a new request."
        )
    return Replay(row.status, dict(row.response))


def store_replay(
    session: Session,
    api_key_id: int,
    idempotency_key: str,
    fingerprint: str,
    status: int,
    response: dict[str, Any],
) -> None:
    """Keep a response (caller commits, with the write it answers); expired
    responses of any key go at the same time."""
    now = clock.now()
    session.exec(delete(ApiReplay).where(col(ApiReplay.created_at) < now - KEEP_FOR))
    session.add(
        ApiReplay(
            api_key_id=api_key_id,
            idempotency_key=idempotency_key,
            request_hash=fingerprint,
            status=status,
            response=response,
            created_at=now,
        )
    )
    session.flush()


def is_clash(exc: BaseException) -> bool:
    """Whether a failed commit lost the race to store the same response: a
    copy of the request running at the same moment stored it first (its
    write stands, this one's must roll back)."""
    from sqlalchemy.exc import IntegrityError

    return isinstance(exc, IntegrityError) and "api_replay" in str(exc)
