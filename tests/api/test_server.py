"""The real `iqcadence serve`: HTTP on a free loopback port, two worker
processes writing one SQLite file at once, one log line per request without
the key, and a SIGTERM that lets the request in flight finish."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx

from tests.api.load import check_nothing_lost, send_load
from tests.api.servers import serving, serving_all


def _key(cli: Any, role: str = "admin") -> str:
    made = cli("api-keys", "create", f"{role}-key", "--role", role, "--json")
    assert made.exit_code == 0, made.stderr
    key: str = json.loads(made.stdout)["key"]
    return key


def _raw_request_in_two_parts(url: str, key: str, body: bytes) -> tuple[socket.socket, bytes]:
    """Open a request and send all of it but its last byte."""
    host, port = url.removeprefix("http://").split(":")
    conn = socket.create_connection((host, int(port)), timeout=30)
    head = (
        f"POST /api-inbound HTTP/1.1\r\nHost: {host}\r\nx-api-key: {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    conn.sendall(head + body[:-1])
    return conn, body[-1:]


def _response(conn: socket.socket) -> str:
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks).decode()


def test_serve_over_http_with_two_workers_then_stop(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    key = _key(cli)
    assert cli("api", "limits", "--rate", "100000", "--burst", "100000").exit_code == 0
    log = tmp_path / "serve.log"
    with serving(str(db_path), log, workers=2) as server:
        assert f"at {server.url}" in server.output()
        made = httpx.post(
            f"{server.url}/api-inbound",
            json={"action": "upsert_account", "data": {"name": "Acme Corp", "logins": 22}},
            headers={"x-api-key": key},
        )
        assert made.status_code == 200 and made.json()["created"] is True
        assert made.json()["customer"] == json.loads(cli("customers", "list", "--json").stdout)[0]
        refused = httpx.get(f"{server.url}/v1/customers", headers={"x-api-key": "iqc_wrong"})
        assert refused.status_code == 401

        check_nothing_lost(send_load([server.url], key), cli, server.output())

        # a revoked key is refused at once by every worker (a connection each)
        temporary = {"x-api-key": _key(cli, "viewer")}

        def statuses() -> set[int]:
            return {httpx.get(f"{server.url}/v1/customers", headers=temporary).status_code
                    for _ in range(8)}  # fmt: skip

        assert statuses() == {200}
        assert cli("api-keys", "revoke", "viewer-key").exit_code == 0
        assert statuses() == {401}

        # a request in flight when SIGTERM comes is answered before the server stops
        body = json.dumps(
            {"action": "update_health", "data": {"name": "Acme Corp", "field": "nps", "value": 9}}
        ).encode()
        conn, last = _raw_request_in_two_parts(server.url, key, body)
        time.sleep(0.2)
        server.process.send_signal(15)
        time.sleep(0.5)
        conn.sendall(last)
        answer = _response(conn)
        assert answer.startswith("HTTP/1.1 200"), answer
        assert '"nps":9' in answer
        assert server.stop()
    output = log.read_text()
    assert key not in output and key[4:] not in output
    lines = [line for line in output.splitlines() if " /api-inbound " in line]
    assert any("admin-key POST /api-inbound update_health 200" in line for line in lines)
    assert any("- GET /v1/customers - 401" in line for line in output.splitlines())
    calls = json.loads(cli("api", "log", "--limit", "1000", "--json").stdout)
    assert sum(c["action"] == "upsert_account" for c in calls) == 1 + 5 * 12 + 48
    assert calls[0]["action"] == "update_health"  # written when the server stopped


def test_two_servers_on_one_postgresql_database(
    cli: Any, postgres_database_url: str, tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setenv("IQCADENCE_DATABASE_URL", postgres_database_url)

    def on_postgres(*args: str) -> Any:
        return cli(*args, db=False)

    key = _key(on_postgres)
    assert on_postgres("api", "limits", "--rate", "100000", "--burst", "100000").exit_code == 0
    logs = [tmp_path / "one.log", tmp_path / "two.log"]
    with serving_all(postgres_database_url, logs) as (one, two):
        responses = send_load([one.url, two.url], key)
        logs = one.output() + two.output()
        check_nothing_lost(responses, on_postgres, logs)
        assert " 200 " in one.output() and " 200 " in two.output()  # both served writes
        assert one.stop() and two.stop()
