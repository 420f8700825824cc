"""`/api-inbound`: the reference product's action protocol.

`GET ?action=list_customers|get_customer&...` and `POST {"action": ...,
"data": {...}}` with the six actions; the `x-api-key` header names the key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request, Security
from fastapi.security import APIKeyHeader
from starlette.responses import JSONResponse

from iqcadence.api import actions, query, schemas
from iqcadence.api.calls import ReplayAsk, Work, note, respond
from iqcadence.api.errors import ApiError
from iqcadence.core.base.errors import IQError
from iqcadence.core.store import api_replay

API_KEY = APIKeyHeader(
    name="x-api-key",
    auto_error=False,
    description="An API key (`iqcadence api-keys create NAME --role ROLE`).",
)
WRITES = frozenset({"upsert_account", "update_health", "delete_customer", "score_customer"})


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "The request is malformed (not JSON, an unknown action).",
        401: "No key, or a wrong or revoked one.",
        403: "The key's role may not do this.",
        404: "No such customer in the key's client.",
        409: "A conflict: a duplicate name, already in the trash, an Idempotency-Key reused.",
        413: "The body is over 1 MiB.",
        422: "A value is not valid (the sentence names the field and why).",
        429: "Too many requests with this key; wait Retry-After seconds.",
        503: "The database is busy; retry after Retry-After seconds.",
    }
    return {code: {"model": schemas.Error, "description": described[code]} for code in codes}


READ_ERRORS = _errors(400, 401, 404, 422, 429, 503)
WRITE_ERRORS = _errors(400, 401, 403, 404, 409, 413, 422, 429, 503)

router = APIRouter(tags=["api-inbound"])
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=255,
        description="Send a write again with the same key: it is done once.",
    ),
]


@router.get(
    "/api-inbound",
    summary="List customers, or get one (Zapier polling)",
    responses={200: {"model": schemas.CustomerList | schemas.OneCustomer}, **READ_ERRORS},
    openapi_extra=query.parameters(schemas.InboundQuery),
)
async def inbound_get(request: Request, api_key: str | None = Security(API_KEY)) -> JSONResponse:
    """`action=list_customers` with filters, sort and page; or
    `action=get_customer` with `id` or `name`."""
    asked = query.parse(request, schemas.InboundQuery)
    note(request, action=asked.action)
    if asked.action == "list_customers":
        return await respond(
            request, api_key, lambda s, a: actions.list_customers(s, a, asked), write=False
        )
    return await respond(
        request,
        api_key,
        lambda s, a: actions.get_customer(s, a, asked.id, asked.name),
        write=False,
    )


@router.post(
    "/api-inbound",
    summary="Run one action",
    responses={200: {"model": schemas.InboundResponse}, **WRITE_ERRORS},
)
async def inbound_post(
    request: Request,
    payload: Annotated[schemas.InboundRequest, Body()],
    api_key: str | None = Security(API_KEY),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """`{"action": ..., "data": {...}}`: list_customers, get_customer,
    upsert_account, update_health, delete_customer or score_customer."""
    action = payload.action
    note(request, action=action)
    replay = await replay_ask(request, idempotency_key) if action in WRITES else None
    work = _work(payload)
    return await respond(
        request, api_key, work, write=action in WRITES, what=_what(action), replay=replay
    )


def _work(payload: Any) -> Work:
    data = payload.data
    if isinstance(payload, schemas.ListRequest):
        return lambda s, a: actions.list_customers(s, a, data)
    if isinstance(payload, schemas.GetRequest):
        return lambda s, a: actions.get_customer(s, a, data.id, data.name)
    if isinstance(payload, schemas.UpsertRequest):
        given = data.model_dump(exclude_unset=True)
        return lambda s, a: actions.upsert_account(s, a, given)
    if isinstance(payload, schemas.HealthRequest):
        return lambda s, a: actions.update_health(s, a, data)
    if isinstance(payload, schemas.DeleteRequest):
        return lambda s, a: actions.trash(s, a, actions.find(s, a, data.id, data.name))
    return lambda s, a: actions.rescore(
        s, a, actions.find(s, a, data.id, data.name), data.include_override
    )


def _what(action: str) -> str:
    return {
        "upsert_account": "create or change customers",
        "update_health": "change customers",
        "delete_customer": "delete customers",
        "score_customer": "rescore customers",
    }.get(action, "change data")


async def replay_ask(request: Request, given: str | None) -> ReplayAsk | None:
    """The Idempotency-Key of a write and the fingerprint of its request."""
    if given is None:
        return None
    try:
        key = api_replay.check_key(given)
    except IQError as exc:
        raise ApiError(400, exc.message, field="Idempotency-Key") from None
    body = await request.body()
    path = request.url.path + ("?" + request.url.query if request.url.query else "")
    return ReplayAsk(key, api_replay.request_hash(request.method, path, body))
