"""Real `iqcadence serve` processes on free loopback ports, for the tests
that talk to the API over HTTP, and the concurrent load they send."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM, then wait for the exit; whether the server stopped cleanly
        (a lone process ends by the signal it handled, a supervisor with 0)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        return code in (0, -signal.SIGTERM) and "Application shutdown complete" in self.output()


@contextmanager
def serving(db: str, log: Path, *, workers: int = 1) -> Iterator[Server]:
    """`iqcadence --db DB serve` on a free loopback port, ready to answer."""
    with serving_all(db, [log], workers=workers) as (server,):
        yield server


@contextmanager
def serving_all(db: str, logs: list[Path], *, workers: int = 1) -> Iterator[tuple[Server, ...]]:
    """One server per log, started together, each ready to answer."""
    servers = tuple(_start(db, log, workers) for log in logs)
    try:
        for server in servers:
            _wait_ready(server)
        yield servers
    finally:
        for server in servers:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait(timeout=30)


def _start(db: str, log: Path, workers: int) -> Server:
    port = free_port()
    with open(log, "wb") as sink:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "iqcadence",
                "--db",
                db,
                "serve",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],  # fmt: skip
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "200"},
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


def _wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"the server stopped:\n{server.output()}")
        try:
            if httpx.get(f"{server.url}/openapi.json", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the server did not answer in time:\n{server.output()}")


Job = Callable[[httpx.Client], httpx.Response]


def run_chains(chains: list[list[Job]]) -> list[httpx.Response]:
    """Each chain of requests in order, every chain in a thread of its own
    at the same time as the others."""

    def run(chain: list[Job]) -> list[httpx.Response]:
        with httpx.Client(timeout=60) as client:
            return [job(client) for job in chain]

    with ThreadPoolExecutor(max_workers=len(chains)) as pool:
        return [response for done in pool.map(run, chains) for response in done]


def upsert(url: str, key: str, data: dict[str, Any]) -> Job:
    def send(client: httpx.Client) -> httpx.Response:
        return client.post(
            f"{url}/api-inbound",
            json={"action": "upsert_account", "data": data},
            headers={"x-api-key": key},
        )

    return send
