"""The concurrent write load the server tests send: upserts of one customer
(each signal written by its own writer, in order) and of many different
customers, then the checks that nothing was lost or left inconsistent."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.api.servers import Job, run_chains, upsert

ROUNDS = 12
NEW_CUSTOMERS = 48
# One writer per signal, each sending its values in order to the same customer.
SERIES: dict[str, list[Any]] = {
    "logins": [(7 * r) % 31 for r in range(ROUNDS)],
    "adoption": [(13 * r) % 101 for r in range(ROUNDS)],
    "tickets": [r % 6 for r in range(ROUNDS)],
    "nps": [(3 * r) % 11 for r in range(ROUNDS)],
    "days": [(17 * r) % 90 for r in range(ROUNDS)],
}


def send_load(urls: list[str], key: str) -> list[httpx.Response]:
    chains: list[list[Job]] = []
    for index, (signal, values) in enumerate(SERIES.items()):
        chains.append(
            [
                upsert(urls[(index + r) % len(urls)], key, {"name": "Hot Co", signal: value})
                for r, value in enumerate(values)
            ]  # fmt: skip
        )
    writers = 4
    for writer in range(writers):
        chains.append(
            [
                upsert(urls[n % len(urls)], key, {"name": f"Cold {n:03d}", "logins": n % 31})
                for n in range(writer, NEW_CUSTOMERS, writers)
            ]
        )
    return run_chains(chains)


def check_nothing_lost(responses: list[httpx.Response], cli: Any, log: str) -> None:
    """`cli` runs iqcadence on the served database."""
    problems = [(r.status_code, r.text[:200]) for r in responses if r.status_code != 200]
    assert problems == [], problems
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    hot = json.loads(cli("customers", "show", "Hot Co", "--json").stdout)
    assert {name: hot["signals"][name] for name in SERIES} == {
        name: values[-1] for name, values in SERIES.items()
    }  # every writer's last value, none overwritten by another's
    listed = json.loads(cli("customers", "list", "--json").stdout)
    cold = sorted(c["name"] for c in listed if c["name"].startswith("Cold "))
    assert cold == [f"Cold {n:03d}" for n in range(NEW_CUSTOMERS)]
    # every stored score is the score of the stored signals: a rescore moves none
    rescored = cli("rescore", "--json")
    assert rescored.exit_code == 0, rescored.stderr
    assert json.loads(rescored.stdout)["changed"] == 0
