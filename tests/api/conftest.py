"""An in-process API (httpx's ASGI transport) over the test's database, and
keys to call it with."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from iqcadence.core.base.actor import Actor


class Api:
    """Calls the app in-process; `key(role)` makes keys, `flush()` writes the
    queued call log."""

    def __init__(self, database: Any) -> None:
        from iqcadence.api.app import create_app

        self.database = database
        self.app = create_app(database, log_every=3600)
        self._keys: dict[tuple[str, str | None], str] = {}

    def key(self, role: str = "admin", *, client: str | None = None, name: str = "") -> str:
        """A key of `client` (default: the first) with `role` (made once)."""
        from iqcadence.core.store import api_keys
        from iqcadence.core.store.users import resolve_actor

        if (role, client) in self._keys and not name:
            return self._keys[(role, client)]
        with self.database.session() as session:
            actor = resolve_actor(session, client=client)
            _row, raw = api_keys.create_key(session, actor, name or f"{role}-{client}", role)
        if not name:
            self._keys[(role, client)] = raw
        return raw

    def actor(self, client: str | None = None) -> Actor:
        from iqcadence.core.store.users import resolve_actor

        with self.database.session() as session:
            return resolve_actor(session, client=client)

    def request(
        self,
        method: str,
        path: str,
        *,
        key: str | None = "admin",
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """`key`: a role (its key is made), a raw key (`iqc_...`), or None."""
        sent = dict(headers or {})
        if key is not None:
            sent["x-api-key"] = key if key.startswith("iqc_") else self.key(key)

        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                return await client.request(method, path, headers=sent, **kwargs)

        return asyncio.run(call())

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def act(self, action: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
        """POST /api-inbound {"action": action, "data": data}."""
        body: dict[str, Any] = {"action": action}
        if data is not None:
            body["data"] = data
        return self.post("/api-inbound", json=body, **kwargs)

    def flush(self) -> None:
        self.app.state.api.calls.flush()


@pytest.fixture
def api(database: Any) -> Iterator[Api]:
    client = Api(database)
    yield client
    client.app.state.api.calls.stop()
