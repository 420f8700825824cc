"""Running one API request against the database: the key, its limits and
role, the action in a session (a write session for writes), and the
`Idempotency-Key` replay, in a worker thread so the server keeps serving.

What the request was about (key, action, customer) is noted in the
request's state for the call log (see `middleware`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse

from iqcadence.api.actions import Outcome
from iqcadence.api.calllog import CallLog
from iqcadence.api.errors import ApiError, error_body, from_core
from iqcadence.api.ratelimit import RateLimiter, retry_after
from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import IQError
from iqcadence.core.store import api_keys, api_replay
from iqcadence.core.store.api_keys import ApiLimits, KeyHolder
from iqcadence.core.store.db import BUSY, Database, is_busy

if TYPE_CHECKING:
    from sqlmodel import Session

Work = Callable[["Session", Actor], Outcome]
LIMITS_FOR = 5.0  # seconds a client's limits are reused before being read again
# Requests of one server process using the database at once: the engine's
# pool keeps 5 connections, and every session beyond them would open (and
# set up) a connection of its own, only to close it again.
AT_ONCE = 5
NO_KEY = (
    "x-api-key: missing, wrong or revoked; send a key made with "
    "`iqcadence api-keys create NAME --role ROLE`."
)


@dataclass
class ApiState:
    """What every request of one server process shares."""

    database: Database
    calls: CallLog
    limiter: RateLimiter = field(default_factory=RateLimiter)
    _at_once: anyio.CapacityLimiter | None = None
    _limits: dict[int, tuple[float, ApiLimits]] = field(default_factory=dict)

    def at_once(self) -> anyio.CapacityLimiter:
        """Made on first use: a limiter belongs to the running event loop."""
        if self._at_once is None:
            self._at_once = anyio.CapacityLimiter(AT_ONCE)
        return self._at_once

    def limits(self, session: Session, client_id: int) -> ApiLimits:
        now = time.monotonic()
        cached = self._limits.get(client_id)
        if cached is None or now - cached[0] > LIMITS_FOR:
            cached = (now, api_keys.load_limits(session, client_id))
            self._limits[client_id] = cached
        return cached[1]


@dataclass(frozen=True)
class ReplayAsk:
    """An `Idempotency-Key` and the fingerprint of the request it came with."""

    key: str
    fingerprint: str


def state_of(request: Request) -> ApiState:
    api: ApiState = request.app.state.api
    return api


def note(request: Request, **values: Any) -> None:
    """Remember what the request was about, for the call log."""
    request.scope.setdefault("state", {}).update(values)


async def respond(
    request: Request,
    raw_key: str | None,
    work: Work,
    *,
    write: bool,
    what: str = "change data",
    replay: ReplayAsk | None = None,
) -> JSONResponse:
    """Run `work` for the key's actor and answer with its body (or an error)."""
    notes = request.scope.setdefault("state", {})
    try:
        api = state_of(request)
        outcome = await anyio.to_thread.run_sync(
            _run, api, notes, raw_key, work, write, what, replay, limiter=api.at_once()
        )
    except ApiError as exc:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)
    return JSONResponse(outcome.body, status_code=outcome.status)


def _run(
    api: ApiState,
    notes: dict[str, Any],
    raw_key: str | None,
    work: Work,
    write: bool,
    what: str,
    replay: ReplayAsk | None,
) -> Outcome:
    try:
        with api.database.session() as session:
            holder = _holder(api, session, notes, raw_key)
            actor = holder.actor()
            if not write:
                return _noted(notes, work(session, actor))
        actor.require_write(what)
        return _write(api, notes, holder, actor, work, replay)
    except IQError as exc:
        raise from_core(exc) from None
    except ApiError:
        raise
    except Exception as exc:
        if is_busy(exc):
            raise ApiError(503, BUSY[0].upper() + BUSY[1:], headers={"Retry-After": "1"}) from None
        raise


async def key_is_known(request: Request) -> bool:
    """Whether the request's key is valid (noting whose it is): a request
    without a valid key is told so before anything else is wrong with it."""
    raw = request.headers.get("x-api-key")
    notes = request.scope.setdefault("state", {})
    api = state_of(request)

    def check() -> bool:
        with api.database.session() as session:
            holder = api_keys.authenticate(session, raw)
        if holder is not None:
            notes.update(key_id=holder.id, key_name=holder.name, client_id=holder.client_id)
        return holder is not None

    return await anyio.to_thread.run_sync(check, limiter=api.at_once())


def _holder(api: ApiState, session: Session, notes: dict[str, Any], raw: str | None) -> KeyHolder:
    holder = api_keys.authenticate(session, raw)
    if holder is None:
        raise ApiError(401, NO_KEY, field="x-api-key")
    notes.update(key_id=holder.id, key_name=holder.name, client_id=holder.client_id)
    wait = api.limiter.take(holder.id, api.limits(session, holder.client_id))
    if wait > 0:
        raise ApiError(
            429,
            f"too many requests with the API key {holder.name!r}; try again in "
            f"{retry_after(wait)} s (`iqcadence api limits` sets the rate).",
            headers={"Retry-After": retry_after(wait)},
        )
    return holder


def _write(
    api: ApiState,
    notes: dict[str, Any],
    holder: KeyHolder,
    actor: Actor,
    work: Work,
    replay: ReplayAsk | None,
) -> Outcome:
    with api.database.session(write=True) as session:
        try:
            if replay is not None:
                kept = api_replay.find_replay(session, holder.id, replay.key, replay.fingerprint)
                if kept is not None:
                    notes.update(replayed=True)
                    return Outcome(kept.response, status=kept.status)
            outcome = _noted(notes, work(session, actor))
            if replay is not None:
                api_replay.store_replay(
                    session, holder.id, replay.key, replay.fingerprint, outcome.status, outcome.body
                )
            session.commit()
            return outcome
        except Exception as exc:
            session.rollback()
            if replay is None or not api_replay.is_clash(exc):
                raise
    # the same request, sent again at the same moment, stored its answer first
    with api.database.session() as session:
        kept = api_replay.find_replay(session, holder.id, replay.key, replay.fingerprint)
    if kept is None:
        raise ApiError(409, "Idempotency-Key: a request with this key is being handled; retry.")
    return Outcome(kept.response, status=kept.status)


def _noted(notes: dict[str, Any], outcome: Outcome) -> Outcome:
    if outcome.customer_id is not None:
        notes.update(customer_id=outcome.customer_id, customer_name=outcome.customer_name)
    return outcome


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(error_body(exc.message, exc.field), exc.status, headers=exc.headers)


def is_database_busy(exc: BaseException) -> bool:
    return is_busy(exc)


def database_of(request: Request) -> Database:
    return state_of(request).database
