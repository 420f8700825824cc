"""`/v1`: the same as `/api-inbound`, as resources, for clients that are not
Zapier: customers by id, timeline events and alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Security
from starlette.responses import JSONResponse

from iqcadence.api import actions, query, schemas
from iqcadence.api.calls import note, respond
from iqcadence.api.inbound import API_KEY, READ_ERRORS, WRITE_ERRORS, IdempotencyKey, replay_ask

router = APIRouter(prefix="/v1")
CustomerId = Annotated[int, Path(ge=1, le=2**62, description="The customer's id.")]


@router.get(
    "/customers",
    tags=["customers"],
    summary="List customers",
    responses={200: {"model": schemas.CustomerList}, **READ_ERRORS},
    openapi_extra=query.parameters(schemas.ListFilters),
)
async def list_customers(request: Request, api_key: str | None = Security(API_KEY)) -> JSONResponse:
    """Filters, sort and page as `list_customers`."""
    note(request, action="GET /v1/customers")
    asked = query.parse(request, schemas.ListFilters)
    return await respond(
        request, api_key, lambda s, a: actions.list_customers(s, a, asked), write=False
    )


@router.get(
    "/customers/{customer_id}",
    tags=["customers"],
    summary="A customer's whole record",
    responses={200: {"model": schemas.RecordResponse}, **READ_ERRORS},
)
async def get_customer(
    request: Request, customer_id: CustomerId, api_key: str | None = Security(API_KEY)
) -> JSONResponse:
    """The record as `customers show --json` gives it: the customer with its
    breakdown, history, custom fields, owners, pipeline, alerts and next step."""
    note(request, action="GET /v1/customers/{id}")
    return await respond(
        request, api_key, lambda s, a: actions.customer_record(s, a, customer_id), write=False
    )


@router.patch(
    "/customers/{customer_id}",
    tags=["customers"],
    summary="Change some fields",
    responses={200: {"model": schemas.Updated}, **WRITE_ERRORS},
)
async def patch_customer(
    request: Request,
    customer_id: CustomerId,
    fields: Annotated[schemas.AccountFields, Body()],
    api_key: str | None = Security(API_KEY),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Only the fields given change (null clears one); signals rescore."""
    note(request, action="PATCH /v1/customers/{id}")
    given = fields.model_dump(exclude_unset=True)
    return await respond(
        request,
        api_key,
        lambda s, a: actions.update_fields(
            s, a, actions.find(s, a, customer_id, None), actions.field_values(given)
        ),
        write=True,
        what="change customers",
        replay=await replay_ask(request, idempotency_key),
    )


@router.put(
    "/customers/{customer_id}",
    tags=["customers"],
    summary="Replace every field",
    responses={200: {"model": schemas.Updated}, **WRITE_ERRORS},
)
async def put_customer(
    request: Request,
    customer_id: CustomerId,
    fields: Annotated[schemas.AccountFields, Body()],
    api_key: str | None = Security(API_KEY),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """The fields given, and every other standard field cleared (lifecycle
    back to active, a manual score back to computed); `name` is required."""
    note(request, action="PUT /v1/customers/{id}")
    given = fields.model_dump(exclude_unset=True)
    return await respond(
        request,
        api_key,
        lambda s, a: actions.replace_fields(s, a, actions.find(s, a, customer_id, None), given),
        write=True,
        what="change customers",
        replay=await replay_ask(request, idempotency_key),
    )


@router.delete(
    "/customers/{customer_id}",
    tags=["customers"],
    summary="Move a customer to the trash",
    responses={200: {"model": schemas.OneCustomer}, **WRITE_ERRORS},
)
async def delete_customer(
    request: Request, customer_id: CustomerId, api_key: str | None = Security(API_KEY)
) -> JSONResponse:
    """A soft delete: `iqcadence customers restore` brings it back."""
    note(request, action="DELETE /v1/customers/{id}")
    return await respond(
        request,
        api_key,
        lambda s, a: actions.trash(s, a, actions.find(s, a, customer_id, None)),
        write=True,
        what="delete customers",
    )


@router.post(
    "/customers/{customer_id}/score",
    tags=["customers"],
    summary="Rescore a customer",
    responses={200: {"model": schemas.OneCustomer}, **WRITE_ERRORS},
)
async def score_customer(
    request: Request,
    customer_id: CustomerId,
    include_override: Annotated[bool, Query(description="Replace a manual score too.")] = False,
    api_key: str | None = Security(API_KEY),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A full rescore with the saved weights."""
    note(request, action="POST /v1/customers/{id}/score")
    return await respond(
        request,
        api_key,
        lambda s, a: actions.rescore(s, a, actions.find(s, a, customer_id, None), include_override),
        write=True,
        what="rescore customers",
        replay=await replay_ask(request, idempotency_key),
    )


@router.post(
    "/events",
    tags=["timeline"],
    summary="Add a timeline event",
    status_code=201,
    responses={
        201: {"model": schemas.EventOut, "description": "A new event."},
        200: {"model": schemas.EventOut, "description": "The same source + external_id: updated."},
        **WRITE_ERRORS,
    },
)
async def post_event(
    request: Request,
    event: Annotated[schemas.EventIn, Body()],
    api_key: str | None = Security(API_KEY),
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A product event, ticket, meeting, e-mail, call, message or note, as
    `import events` writes it: contacts reset days since contact, tickets
    move the tickets signal, and `source` + `external_id` never duplicate."""
    note(request, action="POST /v1/events")
    return await respond(
        request,
        api_key,
        lambda s, a: actions.log_event(s, a, event),
        write=True,
        what="log events",
        replay=await replay_ask(request, idempotency_key),
    )


@router.get(
    "/alerts",
    tags=["alerts"],
    summary="Current alerts",
    responses={200: {"model": schemas.AlertList}, **READ_ERRORS},
    openapi_extra=query.parameters(schemas.AlertFilters),
)
async def list_alerts(request: Request, api_key: str | None = Security(API_KEY)) -> JSONResponse:
    """As `alerts list --json`, most severe first."""
    note(request, action="GET /v1/alerts")
    asked = query.parse(request, schemas.AlertFilters)
    return await respond(
        request, api_key, lambda s, a: actions.list_alerts(s, a, asked), write=False
    )
