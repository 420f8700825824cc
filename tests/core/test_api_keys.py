"""API keys: shown once, kept as a hash, checked in constant time, revoked at
once; in backups as hashes only. The API call log and idempotent replays."""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pytest

from iqcadence.core.base.actor import Actor
from iqcadence.core.base.errors import Conflict, InvalidValue, NotFound, PermissionDenied
from iqcadence.core.store import api_keys, api_log, api_replay


def test_a_key_is_shown_once_and_kept_as_a_hash(session: Any, actor: Any) -> None:
    row, raw = api_keys.create_key(session, actor, "zapier", "csm")
    assert raw.startswith("iqc_") and len(raw) >= 40
    assert row.key_hash == api_keys.hash_key(raw) and raw not in row.key_hash
    assert row.prefix == raw[:12]
    shown = api_keys.key_to_dict(api_keys.list_keys(session, actor)[0])
    assert shown["name"] == "zapier" and shown["role"] == "csm"
    assert raw not in json.dumps(shown) and "key_hash" not in shown

    holder = api_keys.authenticate(session, raw)
    assert holder is not None and holder.name == "zapier" and holder.client_id == actor.client_id
    assert holder.actor().email == "api-key:zapier" and holder.actor().role == "csm"
    for wrong in (None, "", raw[:-1] + ("A" if raw[-1] != "A" else "B"), "x" + raw, raw + "x"):
        assert api_keys.authenticate(session, wrong) is None
    with pytest.raises(Conflict):
        api_keys.create_key(session, actor, "Zapier", "viewer")
    with pytest.raises(InvalidValue, match="role"):
        api_keys.create_key(session, actor, "other", "owner")

    api_keys.revoke_key(session, actor, "ZAPIER")
    assert api_keys.authenticate(session, raw) is None
    with pytest.raises(NotFound, match="no API key named"):
        api_keys.revoke_key(session, actor, "zapier")


def test_only_admins_manage_keys(session: Any, actor: Any) -> None:
    csm = Actor(email="c@example.com", role="csm", client_id=actor.client_id)
    with pytest.raises(PermissionDenied):
        api_keys.create_key(session, csm, "mine", "admin")


def test_keys_are_in_backups_as_hashes_only(database: Any, session: Any, actor: Any) -> None:
    from iqcadence.core.io.backup import write_backup

    _row, raw = api_keys.create_key(session, actor, "crm", "admin")
    sink = io.BytesIO()
    with database.engine.connect() as conn:
        write_backup(conn, sink)
    document = sink.getvalue().decode()
    assert raw not in document and raw[12:] not in document
    table = json.loads(document)["tables"]["api_key"]
    stored = dict(zip(table["columns"], table["rows"][0], strict=True))
    assert stored["key_hash"] == api_keys.hash_key(raw) and stored["name"] == "crm"


def test_last_used_moves_forward_only(session: Any, actor: Any) -> None:
    row, raw = api_keys.create_key(session, actor, "k", "viewer")
    later, earlier = datetime(2026, 11, 27, 10), datetime(2026, 11, 27, 9)
    api_keys.mark_used(session, {row.id: later})
    api_keys.mark_used(session, {row.id: earlier})
    session.commit()
    holder = api_keys.authenticate(session, raw)
    assert holder is not None and holder.last_used_at == later


def test_limits_have_defaults_and_are_checked(session: Any, actor: Any) -> None:
    assert api_keys.load_limits(session, actor.client_id).to_dict() == {
        "rate_per_second": 20.0,
        "burst": 40,
    }
    api_keys.save_limits(session, actor, rate=5, burst=10)
    assert api_keys.load_limits(session, actor.client_id).burst == 10
    with pytest.raises(InvalidValue, match="rate"):
        api_keys.save_limits(session, actor, rate=0)


def test_the_call_log_is_per_client_newest_first(session: Any, actor: Any) -> None:
    from iqcadence.core.store.clients import add_client

    other_id = add_client(session, actor, "Other").id
    other = Actor(email="x@example.com", role="csm", client_id=other_id)
    at = datetime(2026, 11, 27, 9, 0, 0)
    calls = [
        api_log.CallRecord(at, "GET", "list_customers", 200, 3.2, actor.client_id, "zap"),
        api_log.CallRecord(
            at.replace(second=1),
            "POST",
            "upsert_account",
            200,
            9.0,
            actor.client_id,
            "crm",
            7,
            "Acme",
        ),  # fmt: skip
        api_log.CallRecord(at, "GET", "get_customer", 401, 0.4),
        api_log.CallRecord(at, "GET", "list_customers", 200, 1.0, other_id, "theirs"),
    ]
    api_log.record_calls(session, calls)
    session.commit()
    mine = [api_log.call_to_dict(c) for c in api_log.list_calls(session, actor)]
    assert [(c["key"], c["action"]) for c in mine] == [
        ("crm", "upsert_account"),
        (None, "get_customer"),  # admins see calls without a valid key
        ("zap", "list_customers"),
    ]
    assert mine[0]["customer"] == "Acme" and mine[0]["duration_ms"] == 9.0
    assert [c.key_name for c in api_log.list_calls(session, actor, key="zap")] == ["zap"]
    assert [c.key_name for c in api_log.list_calls(session, other)] == ["theirs"]


def test_a_replay_answers_the_same_request_only(session: Any, actor: Any) -> None:
    row, _raw = api_keys.create_key(session, actor, "k", "csm")
    first = api_replay.request_hash("POST", "/api-inbound", b'{"a": 1}')
    assert api_replay.find_replay(session, row.id, "abc", first) is None
    api_replay.store_replay(session, row.id, "abc", first, 200, {"ok": True})
    session.commit()
    assert api_replay.find_replay(session, row.id, "abc", first) == api_replay.Replay(
        200, {"ok": True}
    )
    other = api_replay.request_hash("POST", "/api-inbound", b'{"a": 2}')
    with pytest.raises(Conflict, match="different request"):
        api_replay.find_replay(session, row.id, "abc", other)
    with pytest.raises(InvalidValue):
        api_replay.check_key("")
