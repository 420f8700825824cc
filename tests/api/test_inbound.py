"""`/api-inbound`: the six actions, every list filter, the errors and the
roles, on SQLite and on PostgreSQL. Customer objects are the CLI's."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.usefixtures("engine_db")

ACME = {
    "name": "Acme Corp",
    "mrr": 5000,
    "logins": 22,
    "adoption": 75,
    "tickets": 1,
    "tier": "mid",
    "manager": "Sarah",
}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) <= {"error", "field"} and body["error"].endswith(".")
    return body


def test_upsert_creates_then_updates_and_rescores(api: Api) -> None:
    created = _ok(api.act("upsert_account", {**ACME, "tags": "vip, beta", "since": "2024-02-01"}))
    customer = created["customer"]
    assert created["created"] is True and created["rescored"] is True
    assert customer["score"] == 75.8 and customer["band"] == "healthy"
    assert customer["arr"] == 60000.0 and customer["tags"] == ["vip", "beta"]
    assert customer["customer_since"] == "2024-02-01"
    again = _ok(api.act("upsert_account", {"name": "ACME corp", "arr": 24000, "tags": ["x"]}))
    assert again["created"] is False and again["rescored"] is False
    assert again["customer"]["name"] == "Acme Corp"  # found by name in any case, not renamed
    assert (again["customer"]["mrr"], again["customer"]["tags"]) == (2000.0, ["x"])
    # signals rescore, and a fall into risk moves the lifecycle as the CLI does
    fallen = _ok(api.act("upsert_account", {"name": "Acme Corp", "logins": 0, "adoption": 5}))
    assert fallen["rescored"] is True and fallen["customer"]["band"] == "critical"
    assert fallen["customer"]["lifecycle"] == "atrisk"
    manual = _ok(api.act("upsert_account", {"name": "Acme Corp", "score": 90}))
    assert manual["customer"]["score_source"] == "manual" and manual["customer"]["score"] == 90.0


def test_upsert_by_id_renames_and_refuses_bad_values_with_the_cli_sentence(api: Api) -> None:
    first = _ok(api.act("upsert_account", ACME))["customer"]
    renamed = _ok(api.act("upsert_account", {"id": first["id"], "name": "Acme Inc"}))
    assert renamed["customer"]["name"] == "Acme Inc"
    bad = _error(api.act("upsert_account", {"name": "Acme Inc", "nps": 11}), 422)
    assert bad == {"error": "nps: must be between 0 and 10, got 11.", "field": "nps"}
    both = _error(api.act("upsert_account", {"name": "X", "mrr": 10, "arr": 10}), 422)
    assert "ARR must be 12 × MRR" in both["error"]
    unknown = _error(api.act("upsert_account", {"name": "X", "colour": "red"}), 422)
    assert unknown["field"] == "colour"
    nameless = _error(api.act("upsert_account", {"logins": 3}), 422)
    assert nameless["field"] == "name"
    missing = _error(api.act("upsert_account", {"id": 999_999, "logins": 3}), 404)
    assert "does not exist" in missing["error"]
    assert _ok(api.act("list_customers"))["total"] == 1  # nothing was written by the refusals


def test_update_health_one_field(api: Api) -> None:
    customer = _ok(api.act("upsert_account", ACME))["customer"]
    moved = _ok(api.act("update_health", {"name": "acme corp", "field": "logins", "value": 28}))
    assert moved["rescored"] is True and moved["customer"]["score"] > customer["score"]
    assert moved["customer"]["updated_at"] >= customer["updated_at"]
    by_id = _ok(
        api.act("update_health", {"id": customer["id"], "field": "manager", "value": "Ana"})
    )
    assert by_id["rescored"] is False and by_id["customer"]["manager"] == "Ana"
    since = _ok(api.act("update_health", {"id": customer["id"], "field": "since", "value": None}))
    assert since["customer"]["customer_since"] is None
    refused = _error(
        api.act("update_health", {"name": "Acme Corp", "field": "nps", "value": 11}), 422
    )
    assert refused["error"] == "nps: must be between 0 and 10, got 11."
    _error(api.act("update_health", {"name": "Nobody", "field": "nps", "value": 1}), 404)
    _error(api.act("update_health", {"name": "Acme Corp", "value": 1}), 422)


def test_get_customer_by_id_or_name(api: Api) -> None:
    made = _ok(api.act("upsert_account", ACME))["customer"]
    by_id = _ok(api.get("/api-inbound", params={"action": "get_customer", "id": made["id"]}))
    by_name = _ok(api.get("/api-inbound", params={"action": "get_customer", "name": "acme CORP"}))
    posted = _ok(api.act("get_customer", {"name": "Acme Corp"}))
    assert by_id == by_name == posted == {"customer": made}
    unknown = _error(api.get("/api-inbound", params={"action": "get_customer", "id": 424242}), 404)
    assert unknown["error"] == "customer #424242 does not exist (it may have been deleted)."
    _error(api.get("/api-inbound", params={"action": "get_customer"}), 422)


def _seed(api: Api) -> None:
    for values in (
        {"name": "Alpha", "logins": 30, "adoption": 90, "tier": "enterprise", "mrr": 900,
         "manager": "Sarah", "tags": "vip", "lifecycle": "active"},
        {"name": "Bravo", "logins": 2, "adoption": 5, "tier": "smb", "mrr": 100,
         "manager": "miguel", "tags": "beta"},
        {"name": "Charlie", "logins": 15, "adoption": 50, "tier": "smb", "mrr": 500,
         "manager": "Sarah", "tags": "vip,beta", "lifecycle": "onboarding"},
    ):  # fmt: skip
        _ok(api.act("upsert_account", values))


def _names(api: Api, **params: Any) -> list[str]:
    body = _ok(api.get("/api-inbound", params={"action": "list_customers", **params}))
    posted = _ok(api.act("list_customers", params))
    assert body == posted  # GET and POST give the same
    return [c["name"] for c in body["customers"]]


def test_list_filters_sorts_and_pages(api: Api) -> None:
    _seed(api)
    assert _names(api) == ["Alpha", "Bravo", "Charlie"]
    assert _names(api, status="critical") == ["Bravo"]
    assert _names(api, tier="smb") == ["Bravo", "Charlie"]
    assert _names(api, lifecycle="onboarding") == ["Charlie"]
    assert _names(api, manager="sarah") == ["Alpha", "Charlie"]
    assert _names(api, tag="beta") == ["Bravo", "Charlie"]
    assert _names(api, search="charl") == ["Charlie"]
    assert _names(api, sort="mrr", order="desc") == ["Alpha", "Charlie", "Bravo"]
    assert _names(api, sort="score") == ["Bravo", "Charlie", "Alpha"]
    assert _names(api, sort="arr", order="desc") == ["Alpha", "Charlie", "Bravo"]
    assert _names(api, sort="created_at", order="desc") == ["Charlie", "Bravo", "Alpha"]
    assert _names(api, sort="name", order="desc") == ["Charlie", "Bravo", "Alpha"]
    page = _ok(
        api.get("/api-inbound", params={"action": "list_customers", "limit": 1, "offset": 1})
    )
    assert (page["total"], page["limit"], page["offset"]) == (3, 1, 1)
    assert [c["name"] for c in page["customers"]] == ["Bravo"]


def test_list_refuses_what_it_cannot_do(api: Api) -> None:
    base = {"action": "list_customers"}
    too_many = _error(api.get("/api-inbound", params={**base, "limit": 501}), 422)
    assert too_many == {"error": "limit: must be at most 500, got 501.", "field": "limit"}
    assert _error(api.act("list_customers", {"limit": 501}), 422) == too_many
    sort = _error(api.get("/api-inbound", params={**base, "sort": "colour"}), 422)
    assert sort["field"] == "sort" and "'updated_at'" in sort["error"]
    band = _error(api.get("/api-inbound", params={**base, "status": "fine"}), 422)
    assert band["field"] == "status"
    when = _error(api.get("/api-inbound", params={**base, "updated_since": "yesterday"}), 422)
    assert "ISO 8601" in when["error"]
    _error(api.get("/api-inbound", params={**base, "offset": -1}), 422)
    extra = _error(api.act("list_customers", {"colour": "red"}), 422)
    assert extra["field"] == "colour"


def test_polling_never_misses_a_change_in_the_same_second(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, at in (("Early", "09:59:59"), ("Tick A", "10:00:00"), ("Tick B", "10:00:00")):
        monkeypatch.setenv("IQCADENCE_NOW", f"2026-11-27T{at}")
        _ok(api.act("upsert_account", {"name": name, "logins": 3}))
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T10:00:00")
    poll = {"updated_since": "2026-11-27T10:00:00Z", "sort": "updated_at", "order": "desc"}
    assert _names(api, **poll) == ["Tick B", "Tick A"]
    # a rescore that moves a score is a change too
    monkeypatch.setenv("IQCADENCE_NOW", "2026-11-27T11:00:00")
    _ok(api.act("update_health", {"name": "Early", "field": "logins", "value": 30}))
    poll["updated_since"] = "2026-11-27T11:00:00+00:00"
    assert _names(api, **poll) == ["Early"]


def test_delete_is_a_recoverable_trash(api: Api, cli: Any) -> None:
    made = _ok(api.act("upsert_account", ACME))["customer"]
    trashed = _ok(api.act("delete_customer", {"id": made["id"]}))
    assert trashed["customer"]["status"] == "trashed"
    assert _names(api) == []
    again = _error(api.act("delete_customer", {"name": "Acme Corp"}), 409)
    assert "already trashed" in again["error"]
    assert cli("customers", "restore", "Acme Corp").exit_code == 0
    assert _names(api) == ["Acme Corp"]


def test_score_customer_uses_the_saved_weights(api: Api, cli: Any) -> None:
    made = _ok(api.act("upsert_account", {"name": "Weighed", "logins": 30, "nps": 0}))["customer"]
    cli("config", "weights", "set", "logins=50", "adoption=10", "tickets=10", "nps=10",
        "days=10", "growth=10")  # fmt: skip
    rescored = _ok(api.act("score_customer", {"id": made["id"]}))["customer"]
    assert rescored["score"] == round(100 * 50 / 60, 1) != made["score"]
    _ok(api.act("upsert_account", {"name": "Weighed", "score": 12}))
    kept = _ok(api.act("score_customer", {"name": "Weighed"}))["customer"]
    assert (kept["score"], kept["score_source"]) == (12.0, "manual")
    data = {"name": "Weighed", "include_override": True}
    cleared = _ok(api.act("score_customer", data))["customer"]
    assert cleared["score_source"] == "computed"


def test_keys_and_roles(api: Api, cli: Any) -> None:
    assert _error(api.act("list_customers", key=None), 401)["field"] == "x-api-key"
    _error(api.act("list_customers", key="iqc_not-a-real-key"), 401)
    # without a key, a bad request is refused for the key first
    _error(
        api.get("/api-inbound", params={"action": "list_customers", "limit": 9999}, key=None), 401
    )
    _ok(api.act("upsert_account", ACME, key="csm"))
    _ok(api.act("list_customers", key="viewer"))
    refused = _error(api.act("upsert_account", {"name": "V", "logins": 1}, key="viewer"), 403)
    assert "viewer" in refused["error"]
    _error(api.act("delete_customer", {"name": "Acme Corp"}, key="viewer"), 403)
    revoked = api.key("csm", name="short-lived")
    _ok(api.act("list_customers", key=revoked))
    assert cli("api-keys", "revoke", "short-lived").exit_code == 0
    _error(api.act("list_customers", key=revoked), 401)


def test_malformed_requests(api: Api) -> None:
    not_json = _error(
        api.post("/api-inbound", content=b"{nope", headers={"content-type": "application/json"}),
        400,
    )
    assert not_json["error"].startswith("body: not valid JSON")
    unknown = _error(api.act("make_coffee", {}), 400)
    assert unknown["field"] == "action" and "'make_coffee' is not one of" in unknown["error"]
    _error(api.post("/api-inbound", json={"data": {}}), 400)
    _error(api.act("upsert_account", ["not", "an", "object"]), 422)  # type: ignore[arg-type]
    huge = api.post(
        "/api-inbound",
        content=b'{"action": "list_customers", "data": {"search": "' + b"x" * (1 << 20) + b'"}}',
        headers={"content-type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json()["field"] == "body"


def test_objects_are_the_cli_shapes(api: Api, cli: Any) -> None:
    _seed(api)
    listed = json.loads(cli("customers", "list", "--json").stdout)
    assert _ok(api.act("list_customers"))["customers"] == listed
    one = _ok(api.act("get_customer", {"name": "Bravo"}))["customer"]
    assert one == next(c for c in listed if c["name"] == "Bravo")
    record = _ok(api.get(f"/v1/customers/{one['id']}"))["customer"]
    assert record == json.loads(cli("customers", "show", "Bravo", "--json").stdout)


def test_writes_are_audited_under_the_key_and_every_call_is_logged(api: Api, cli: Any) -> None:
    key = api.key("csm")
    _ok(api.act("upsert_account", ACME, key=key))
    _error(api.act("get_customer", {"name": "Nobody"}, key=key), 404)
    _error(api.act("list_customers", key=None), 401)
    api.flush()
    audit = json.loads(cli("audit", "--json").stdout)
    assert audit[0]["user"] == "api-key:csm-None" and audit[0]["customer"] == "Acme Corp"
    calls = json.loads(cli("api", "log", "--json").stdout)
    assert [(c["key"], c["action"], c["status"]) for c in calls] == [
        (None, "list_customers", 401),
        ("csm-None", "get_customer", 404),
        ("csm-None", "upsert_account", 200),
    ]
    assert calls[2]["customer"] == "Acme Corp" and calls[2]["duration_ms"] > 0
    mine = json.loads(cli("api", "log", "--key", "csm-None", "--json").stdout)
    assert len(mine) == 2
    assert key not in json.dumps(calls) and key[4:] not in cli("api-keys", "list").stdout
