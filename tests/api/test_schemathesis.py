"""Property-based tests generated from the API's OpenAPI document: for valid
and invalid requests alike, no server error, and every response (status,
content type, body) as the document describes it. Example counts are
bounded so the whole run takes a few seconds."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import Api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 15


@pytest.fixture
def api_schema(api: Api) -> Any:
    from iqcadence.core.store import api_keys

    with api.database.session() as session:
        api_keys.save_limits(session, api.actor(), rate=100_000, burst=100_000)
    for name, values in (
        ("Acme Corp", {"logins": 2, "adoption": 10, "nps": 3, "mrr": 900, "tier": "mid"}),
        (
            "Globex",
            {"logins": 25, "adoption": 80, "growth": "strong", "renewal_date": "2026-12-20"},
        ),
    ):
        assert api.act("upsert_account", {"name": name, **values}).status_code == 200
    config = schemathesis.Config.from_dict(
        {
            # the coverage phase would send hundreds of boundary cases per route
            "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
            "generation": {"mode": "all"},
        }
    )
    return schemathesis.openapi.from_asgi("/openapi.json", api.app, config=config)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case: Any, api: Api) -> None:
    case.call_and_validate(headers={"x-api-key": api.key("admin")}, checks=CHECKS)
