"""`create_app(database)`: the FastAPI application over an open database.

Used by `iqcadence serve` (one per server process) and by the tests. It
installs the core's wiring first, as every entry point must before it
changes data, so API writes reach the timeline, playbooks and alert rules.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from iqcadence import __version__
from iqcadence.api import inbound, resources
from iqcadence.api.calllog import FLUSH_EVERY, CallLog
from iqcadence.api.calls import NO_KEY, ApiState, key_is_known
from iqcadence.api.errors import ApiError, from_core, from_validation
from iqcadence.api.middleware import TOO_LARGE, ApiMiddleware, BodyTooLarge
from iqcadence.core.base.errors import IQError
from iqcadence.core.runtime import wiring
from iqcadence.core.store.db import Database

log = logging.getLogger("iqcadence.api")

DESCRIPTION = """\
Push customer data in and poll it out. Every request carries an API key in
the `x-api-key` header (`iqcadence api-keys create NAME --role admin|csm|viewer`);
a key works in one client with one role.

Errors are `{"error": "one sentence", "field": "..."}`. Writes may carry an
`Idempotency-Key`: sent again with the same body, a write is done once.
Polling: `updated_since=T` keeps customers whose `updated_at` is at or after
T, so a change in the same second as T is never missed.
"""


def create_app(database: Database, *, log_every: float = FLUSH_EVERY) -> FastAPI:
    wiring.install()
    calls = CallLog(database, every=log_every)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        calls.stop()  # in-flight requests have finished: write what is queued

    app = FastAPI(
        title="iqcadence",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.api = ApiState(database=database, calls=calls)
    app.include_router(inbound.router)
    app.include_router(resources.router)
    app.add_middleware(ApiMiddleware, calls=calls)
    _handle_errors(app)
    return app


def _handle_errors(app: FastAPI) -> None:
    async def api_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse(exc.body(), exc.status, headers=exc.headers)

    async def core_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, IQError)
        return await api_error(_request, from_core(exc))

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        if not await key_is_known(request):
            return await api_error(request, ApiError(401, NO_KEY, field="x-api-key"))
        return await api_error(request, from_validation(exc.errors()))

    async def too_large(_request: Request, _exc: Exception) -> JSONResponse:
        return JSONResponse({"error": TOO_LARGE, "field": "body"}, 413)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        message = {
            404: f"there is no route {request.url.path}; see /docs.",
            405: f"{request.method} is not allowed on {request.url.path}; see /docs.",
        }.get(exc.status_code, str(exc.detail))
        headers: Any = getattr(exc, "headers", None)
        return JSONResponse({"error": message}, exc.status_code, headers=headers)

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("%s %s failed: %r", request.method, request.url.path, exc, exc_info=exc)
        return JSONResponse({"error": "something went wrong on the server; it is logged."}, 500)

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(IQError, core_error)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
