"""The REST API under concurrent clients, against a bare endpoint.

A 100k-customer portfolio (cached under bench/.work/) is served by
`iqcadence serve`; beside it, uvicorn serves a FastAPI app with one route
returning a constant JSON object (`_bare_api.py`), with the same number of
worker processes. Concurrent async httpx clients then run, for a fixed time
each:

* `bare`     — GET /ping on the reference;
* `get`      — `get_customer` by a random id;
* `list`     — `list_customers`, a page of 50: half Zapier polls (changed
  since today began, newest first), half first pages by score, MRR or name;
* `upsert`   — `upsert_account` creating a customer;
* `mix`      — 70 % get, 20 % list, 10 % upsert, as fast as it answers;
* `half`     — the same mix sent at half the rate `mix` reached (requests
  leave on a schedule; latency counts from the scheduled time).

Throughput (requests/s), p50/p99 latency and the servers' CPU per request
(read from /proc, the figure a busy machine changes least) per phase; then
every customer
an upsert was told it created is counted in the database (lost writes).
Targets: get ≥ 0.4× bare throughput, p99 ≤ 50 ms in `half`, 0 errors,
0 lost writes.

    python bench/api.py                        # 100k customers, 6 s a phase
    python bench/api.py --seconds 3 --clients 16 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _portfolio  # noqa: E402

GET_RATIO_TARGET = 0.4
P99_TARGET_MS = 50.0
SORTS = ("score", "mrr", "name")


@dataclass
class Phase:
    name: str
    seconds: float = 0.0
    server_cpu: float = 0.0  # seconds of CPU the serving processes used
    latencies: list[float] = field(default_factory=list)  # ms
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    @property
    def cpu_ms(self) -> float:
        """Server CPU per request: what a busy machine changes least."""
        return self.server_cpu * 1000 / len(self.latencies) if self.latencies else float("nan")

    def line(self) -> str:
        median = statistics.median(self.latencies) if self.latencies else float("nan")
        return (
            f"  {self.name:<7} {self.rate:8.0f} req/s   p50 {median:6.1f} ms   "
            f"p99 {self.percentile(0.99):6.1f} ms   server CPU {self.cpu_ms:5.2f} ms/req   "
            f"errors {len(self.errors)}"
        )


def _cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children, from /proc."""
    total = 0.0
    pending = [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return total


def _measured(pid: int, run: Callable[[], Phase]) -> Phase:
    before = _cpu_seconds(pid)
    phase = run()
    phase.server_cpu = _cpu_seconds(pid) - before
    return phase


# --- the servers -------------------------------------------------------------------------


def _port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as sink:
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=os.environ)


def _ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server stopped:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"a server did not start:\n{log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def _prepare(db: Path) -> str:
    """A key with limits the load stays under."""
    from iqcadence.core.store import api_keys
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.users import resolve_actor

    database = open_database(resolve_location(db))
    try:
        with database.session() as session:
            actor = resolve_actor(session)
            api_keys.save_limits(session, actor, rate=100_000, burst=100_000)
            _row, key = api_keys.create_key(session, actor, "bench", "admin")
    finally:
        database.dispose()
    return key


# --- the load ----------------------------------------------------------------------------

Request = Callable[[random.Random, int], tuple[str, str, dict[str, Any] | None]]


def _get(rng: random.Random, _n: int) -> tuple[str, str, dict[str, Any] | None]:
    return "GET", f"/api-inbound?action=get_customer&id={rng.randrange(1, 100_001)}", None


def _list(rng: random.Random, _n: int) -> tuple[str, str, dict[str, Any] | None]:
    if rng.random() < 0.5:  # a Zapier poll: what changed today, newest first
        query = f"updated_since={_portfolio.TODAY.isoformat()}T00:00:00Z&sort=updated_at&order=desc"
    else:  # a first page in some order
        query = f"sort={rng.choice(SORTS)}&order=desc"
    return "GET", f"/api-inbound?action=list_customers&{query}&limit=50", None


def _upsert(rng: random.Random, n: int) -> tuple[str, str, dict[str, Any] | None]:
    data = {"name": f"Bench Write {n:08d}", "logins": rng.randrange(0, 31), "nps": n % 11}
    return "POST", "/api-inbound", {"action": "upsert_account", "data": data}


def _mix(rng: random.Random, n: int) -> tuple[str, str, dict[str, Any] | None]:
    roll = rng.random()
    return _get(rng, n) if roll < 0.7 else _list(rng, n) if roll < 0.9 else _upsert(rng, n)


def _bare(_rng: random.Random, _n: int) -> tuple[str, str, dict[str, Any] | None]:
    return "GET", "/ping", None


class Load:
    def __init__(self, key: str, clients: int) -> None:
        self.key = key
        self.clients = clients
        self.counter = 0
        self.created: set[str] = set()

    async def _send(self, client: Any, base: str, make: Request, rng: random.Random,
                    phase: Phase, started: float) -> None:  # fmt: skip
        self.counter += 1
        method, path, body = make(rng, self.counter)
        try:
            response = await client.request(method, base + path, json=body)
            ok = response.status_code == 200
            if ok and body is not None and response.json().get("created"):
                self.created.add(body["data"]["name"])
            if not ok:
                phase.errors.append(f"{response.status_code} {response.text[:120]}")
        except Exception as exc:  # a refused connection is an error too
            phase.errors.append(repr(exc))
        phase.latencies.append((time.perf_counter() - started) * 1000)

    async def closed(self, name: str, base: str, make: Request, seconds: float) -> Phase:
        """`clients` clients, each sending its next request on the last answer."""
        import httpx

        phase = Phase(name)
        limits = httpx.Limits(max_connections=self.clients)
        headers = {"x-api-key": self.key}
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=60) as client:
            await client.get(base + "/openapi.json" if name != "bare" else base + "/ping")
            end = time.perf_counter() + seconds

            async def one(seed: int) -> None:
                rng = random.Random(seed)
                while time.perf_counter() < end:
                    await self._send(client, base, make, rng, phase, time.perf_counter())

            began = time.perf_counter()
            await asyncio.gather(*(one(seed) for seed in range(self.clients)))
            phase.seconds = time.perf_counter() - began
        return phase

    async def paced(
        self, name: str, base: str, make: Request, rate: float, seconds: float
    ) -> Phase:
        """Requests leave on a fixed schedule (`rate` a second), whatever the
        answers do; latency counts from the scheduled time."""
        import httpx

        phase = Phase(name)
        limits = httpx.Limits(max_connections=self.clients * 4)
        headers = {"x-api-key": self.key}
        rng = random.Random(99)
        async with httpx.AsyncClient(limits=limits, headers=headers, timeout=60) as client:
            began = time.perf_counter()
            tasks = []
            count = int(rate * seconds)
            for index in range(count):
                due = began + index / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(self._send(client, base, make, rng, phase, due)))
            await asyncio.gather(*tasks)
            phase.seconds = seconds
        return phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    _portfolio.env()
    source = _portfolio.cached(args.size)
    db = _portfolio.fresh_copy(source, f"api-{args.size}.db")
    key = _prepare(db)
    ours, bare = _port(), _port()
    our_url, bare_url = f"http://127.0.0.1:{ours}", f"http://127.0.0.1:{bare}"
    our_log, bare_log = _portfolio.WORK / "api-serve.log", _portfolio.WORK / "api-bare.log"
    server = _start(
        [sys.executable, "-m", "iqcadence", "--db", str(db), "serve", "--port", str(ours),
         "--workers", str(args.workers)],
        our_log,
    )  # fmt: skip
    reference = _start(
        [sys.executable, "-m", "uvicorn", "_bare_api:app", "--app-dir", str(HERE), "--port",
         str(bare), "--workers", str(args.workers), "--no-access-log", "--log-level", "warning"],
        bare_log,
    )  # fmt: skip
    try:
        _ready(f"{our_url}/openapi.json", server, our_log)
        _ready(f"{bare_url}/ping", reference, bare_log)
        load = Load(key, args.clients)
        print(
            f"API benchmark: {args.size:,} customers, {args.workers} worker(s) each, "
            f"{args.clients} clients, {args.seconds:g} s a phase"
        )
        seconds = args.seconds

        def closed(name: str, url: str, make: Request, pid: int) -> Phase:
            return _measured(pid, lambda: asyncio.run(load.closed(name, url, make, seconds)))

        phases = {
            "bare": closed("bare", bare_url, _bare, reference.pid),
            "get": closed("get", our_url, _get, server.pid),
            "list": closed("list", our_url, _list, server.pid),
            "upsert": closed("upsert", our_url, _upsert, server.pid),
            "mix": closed("mix", our_url, _mix, server.pid),
        }
        half_rate = phases["mix"].rate / 2
        phases["half"] = _measured(
            server.pid, lambda: asyncio.run(load.paced("half", our_url, _mix, half_rate, seconds))
        )
    finally:
        _stop(server)
        _stop(reference)
    for phase in phases.values():
        print(phase.line())
    conn = sqlite3.connect(db)
    try:
        stored = {
            row[0]
            for row in conn.execute("SELECT name FROM customer WHERE name LIKE 'Bench Write %'")
        }
    finally:
        conn.close()
    lost = len(load.created - stored)
    errors = sum(len(p.errors) for p in phases.values())
    ratio = phases["get"].rate / phases["bare"].rate
    p99 = phases["half"].percentile(0.99)
    print(f"  get_customer / bare endpoint: {ratio:.2f}x (target >= {GET_RATIO_TARGET}x); "
          f"server CPU per request {phases['get'].cpu_ms / phases['bare'].cpu_ms:.1f}x the bare "
          "endpoint's")  # fmt: skip
    print(f"  p99 at half the mix's peak ({half_rate:.0f} req/s): {p99:.1f} ms "
          f"(target <= {P99_TARGET_MS:.0f} ms)")  # fmt: skip
    print(f"  errors {errors}, writes told created {len(load.created)}, lost {lost}")
    for phase in phases.values():
        for error in phase.errors[:3]:
            print(f"    {phase.name}: {error}")
    checks = {
        "get ratio": ratio >= GET_RATIO_TARGET,
        "p99": p99 <= P99_TARGET_MS,
        "errors": errors == 0,
        "lost writes": lost == 0,
    }
    print("  " + ", ".join(f"{k} {'ok' if v else 'MISSED'}" for k, v in checks.items()))
    from iqcadence.core.store.db import remove_database_files

    remove_database_files(db)
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
