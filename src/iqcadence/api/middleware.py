"""Around every request: refuse bodies over MAX_BODY (413), time the
request, write one log line and queue one entry of the API call log.

A plain ASGI middleware (no per-request task or copy of the body). Neither
the log line nor the call log ever holds the key, nor the query string a
key could have been pasted into by mistake.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from iqcadence.api.calllog import CallLog
from iqcadence.core.base import clock
from iqcadence.core.store.api_log import CallRecord

MAX_BODY = 1024 * 1024  # bytes
TOO_LARGE = f"body: larger than {MAX_BODY // 1024} KiB; send less at once."

log = logging.getLogger("iqcadence.api")


class BodyTooLarge(Exception):
    """The request body grew past MAX_BODY while it was being read."""


class ApiMiddleware:
    def __init__(self, app: ASGIApp, calls: CallLog) -> None:
        self.app = app
        self.calls = calls

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        at = clock.now()
        notes: dict[str, Any] = scope.setdefault("state", {})
        status = [500]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            if _declared_length(scope) > MAX_BODY:
                await _too_large(sending)
            else:
                await self.app(scope, _limited(receive), sending)
        finally:
            self._record(scope, notes, at, status[0], time.perf_counter() - started)

    def _record(
        self, scope: Scope, notes: dict[str, Any], at: Any, status: int, seconds: float
    ) -> None:
        action = str(notes.get("action") or _route(scope))
        key_name = notes.get("key_name")
        method = str(scope.get("method", ""))
        # the line shows the path: an action is added when it says more (/api-inbound)
        said = "-" if action.startswith(f"{method} ") else action
        log.info(
            "%s %s %s %s %d %.1fms",
            key_name or "-",
            method,
            scope.get("path", ""),
            said,
            status,
            seconds * 1000,
        )
        self.calls.add(
            CallRecord(
                at=at,
                method=method,
                action=action,
                status=status,
                duration_ms=seconds * 1000,
                client_id=notes.get("client_id"),
                key_name=key_name,
                customer_id=notes.get("customer_id"),
                customer_name=notes.get("customer_name"),
            ),
            key_id=notes.get("key_id"),
        )


def _route(scope: Scope) -> str:
    """The route's template (`/v1/customers/{customer_id}`), else the path."""
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get("path", "")
    return f"{scope.get('method', '')} {path}"


def _declared_length(scope: Scope) -> int:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


def _limited(receive: Receive) -> Receive:
    seen = [0]

    async def receiving() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            seen[0] += len(message.get("body", b""))
            if seen[0] > MAX_BODY:
                raise BodyTooLarge()
        return message

    return receiving


async def _too_large(send: Send) -> None:
    import json

    body = json.dumps({"error": TOO_LARGE, "field": "body"}, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
