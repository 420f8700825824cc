"""`/v1`: customers by id, timeline events and alerts; Idempotency-Key
replays, the per-key rate limit, and the OpenAPI document and docs."""

from __future__ import annotations

import json
from typing import Any

from tests.api.conftest import Api


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _made(api: Api, **values: Any) -> dict[str, Any]:
    data = {"name": "Acme Corp", "logins": 22, "adoption": 75, "mrr": 5000, **values}
    customer: dict[str, Any] = _ok(api.act("upsert_account", data))["customer"]
    return customer


def test_customers_as_resources(api: Api) -> None:
    made = _made(api, manager="Sarah", tier="mid")
    path = f"/v1/customers/{made['id']}"
    listed = _ok(api.get("/v1/customers", params={"tier": "mid"}))
    assert listed["customers"] == [made] and listed["total"] == 1
    record = _ok(api.get(path))["customer"]
    assert record["breakdown"]["computed_score"] == made["score"] and "history" in record
    patched = _ok(api.request("PATCH", path, json={"nps": 9, "manager": None}))
    assert patched["rescored"] is True and patched["customer"]["manager"] is None
    assert patched["customer"]["tier"] == "mid"  # left alone
    replaced = _ok(api.request("PUT", path, json={"name": "Acme Corp", "logins": 10}))
    after = replaced["customer"]
    assert (after["tier"], after["mrr"], after["signals"]["adoption"]) == (None, None, None)
    assert after["signals"]["logins"] == 10 and after["lifecycle"] == "active"
    nameless = api.request("PUT", path, json={"logins": 10})
    assert nameless.status_code == 422 and nameless.json()["field"] == "name"
    rescored = _ok(api.post(f"{path}/score"))
    assert rescored["customer"]["id"] == made["id"]
    trashed = _ok(api.request("DELETE", path))
    assert trashed["customer"]["status"] == "trashed"
    assert _ok(api.get("/v1/customers"))["customers"] == []
    for method in ("GET", "PATCH", "DELETE"):
        missing = api.request(method, "/v1/customers/999999", json={})
        assert missing.status_code == 404 and "error" in missing.json()
    bad_id = api.get("/v1/customers/0")
    assert bad_id.status_code == 422 and bad_id.json()["field"] == "customer_id"


def test_events_dedupe_on_source_and_external_id(api: Api, cli: Any) -> None:
    made = _made(api)
    ticket = {
        "customer_id": made["id"],
        "kind": "ticket",
        "title": "Login broken",
        "source": "zendesk",
        "external_id": "T-7",
        "priority": "high",
    }
    first = _ok(api.post("/v1/events", json=ticket), 201)
    assert first["created"] is True and first["event"]["status"] == "open"
    again = _ok(api.post("/v1/events", json={**ticket, "status": "solved"}), 200)
    assert again["created"] is False and again["updated"] is True
    assert again["event"]["id"] == first["event"]["id"]
    meeting = {"customer": "acme corp", "kind": "meeting", "title": "QBR", "at": "2026-11-26T10:00"}
    _ok(api.post("/v1/events", json=meeting), 201)
    timeline = json.loads(cli("timeline", "Acme Corp", "--json").stdout)
    assert {e["kind"] for e in timeline} >= {"ticket", "meeting"}
    assert len([e for e in timeline if e["kind"] == "ticket"]) == 1
    shown = _ok(api.get(f"/v1/customers/{made['id']}"))["customer"]
    assert shown["signals"]["days"] == 1  # the meeting reset days since contact
    bad = api.post("/v1/events", json={**meeting, "kind": "carrier pigeon"})
    assert bad.status_code == 422 and bad.json()["field"] == "kind"
    nobody = api.post("/v1/events", json={**meeting, "customer": "Nobody"})
    assert nobody.status_code == 404


def test_alerts(api: Api, cli: Any) -> None:
    made = _made(api, logins=0, adoption=2, nps=2)
    alerts = _ok(api.get("/v1/alerts"))["alerts"]
    assert alerts == json.loads(cli("alerts", "list", "--json").stdout)
    assert {a["category"] for a in alerts} >= {"health"}
    only = _ok(api.get("/v1/alerts", params={"category": "health", "customer_id": made["id"]}))
    assert [a["category"] for a in only["alerts"]] == ["health"]
    bad = api.get("/v1/alerts", params={"severity": "meh"})
    assert bad.status_code == 422 and bad.json()["field"] == "severity"


def test_an_idempotency_key_does_a_write_once(api: Api, cli: Any) -> None:
    body = {"action": "upsert_account", "data": {"name": "Once", "logins": 5}}
    headers = {"Idempotency-Key": "order-42"}
    first = api.post("/api-inbound", json=body, headers=headers)
    _ok(api.act("update_health", {"name": "Once", "field": "logins", "value": 9}))
    retried = api.post("/api-inbound", json=body, headers=headers)
    assert retried.status_code == first.status_code == 200
    assert retried.json() == first.json()  # the first answer, and nothing written again
    now = _ok(api.act("get_customer", {"name": "Once"}))["customer"]
    assert now["signals"]["logins"] == 9
    audit = json.loads(cli("audit", "--customer", "Once", "--json").stdout)
    writes = [e["action"] for e in audit if e["action"] in ("customer.create", "customer.api")]
    assert writes == ["customer.api", "customer.create"]
    other = api.post("/api-inbound", json={**body, "data": {"name": "Once", "logins": 6}},
                     headers=headers)  # fmt: skip
    assert other.status_code == 409 and "different request" in other.json()["error"]
    # keys are per API key, and on /v1 writes too
    assert api.post("/api-inbound", json=body, headers=headers, key="csm").status_code == 200
    path = f"/v1/customers/{now['id']}"
    one = api.request("PATCH", path, json={"tickets": 3}, headers={"Idempotency-Key": "p1"})
    two = api.request("PATCH", path, json={"tickets": 3}, headers={"Idempotency-Key": "p1"})
    assert one.json() == two.json()


def test_the_rate_limit_answers_429_with_retry_after(api: Api, cli: Any) -> None:
    assert cli("api", "limits", "--rate", "1", "--burst", "3").exit_code == 0
    limits = json.loads(cli("api", "limits", "--json").stdout)
    assert limits == {"rate_per_second": 1.0, "burst": 3}
    codes = [api.act("list_customers").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = api.act("list_customers")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert "too many requests" in refused.json()["error"]
    assert api.act("list_customers", key="viewer").status_code == 200  # per key


def test_openapi_describes_every_route_and_error(api: Api) -> None:
    document = _ok(api.get("/openapi.json", key=None))
    assert document["openapi"].startswith("3.1")
    paths = document["paths"]
    assert set(paths) == {
        "/api-inbound",
        "/v1/customers",
        "/v1/customers/{customer_id}",
        "/v1/customers/{customer_id}/score",
        "/v1/events",
        "/v1/alerts",
    }
    for route, operations in paths.items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "422"} <= codes, (method, route)
            assert operation["security"] == [{"APIKeyHeader": []}]
    assert document["components"]["securitySchemes"]["APIKeyHeader"]["name"] == "x-api-key"
    inbound = paths["/api-inbound"]["post"]["requestBody"]["content"]["application/json"]
    assert "discriminator" in json.dumps(inbound) or "oneOf" in json.dumps(inbound)
    docs = api.get("/docs", key=None)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
