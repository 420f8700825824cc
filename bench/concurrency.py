"""Several programs writing one SQLite database at once, as on a busy day.

On a copy of a scored portfolio (5,000 customers, cached under bench/.work/),
these loops run side by side for `--seconds` (60 by default), each starting
`iqcadence` commands one after another, as cron and three people would:

* cron: `automations run`, then `rescore`, again and again;
* `log CUSTOMER --kind note`, `tasks add CUSTOMER ...` and
  `customers edit CUSTOMER --set manager=...`;
* the nightly `import csv` of a 5,000-row file (the same customers every
  time, with changing signals, so each run writes them all).

Printed: how many commands failed (target 0) and why; per command the
latency p50/p99 (wall time of the whole command, start-up included) with its
ratio to the same command run alone, measured first in the same run, and its
CPU time; and the write lock: how long commands waited for it (p50/p99/max,
against the 10 s busy timeout) and held it (p99). The commands run through
`_lock_timing.py`, which only adds listeners to note those two times.
Nothing is asserted.

    python bench/concurrency.py            # the 60 s run
    python bench/concurrency.py --quick    # a 10 s sanity run, 1,000 customers
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _portfolio  # noqa: E402

FAILURE_TARGET = 0
BUSY_TIMEOUT_S = 10.0  # core.store.dialect.BUSY_TIMEOUT_MS
SOLO_RUNS = 3  # each command alone, for the reference latency (1 with --quick)


@dataclass
class Outcome:
    kind: str
    seconds: float  # wall time of the whole command
    cpu: float  # its user + system time
    code: int
    error: str
    pid: int
    lock_wait: float = 0.0  # its longest wait for the write lock
    lock_hold: float = 0.0  # how long it held the lock in all


@dataclass
class Workload:
    database: Path
    customer: str
    import_files: list[Path]  # used in turn, so that each import changes every row
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, kind: str, *args: str) -> Outcome:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(HERE / "_lock_timing.py"), "--db", str(self.database), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert process.stderr is not None
        stderr = process.stderr.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        error = stderr.strip().splitlines()[-1] if process.returncode and stderr.strip() else ""
        cpu = usage.ru_utime + usage.ru_stime
        return Outcome(kind, seconds, cpu, process.returncode, error, process.pid)

    def record(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


LOCK_LOG = _portfolio.WORK / "concurrency-locks.jsonl"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["BENCH_LOCK_LOG"] = str(LOCK_LOG)
    # no background runner after a change: cron's loop sends, and nothing
    # outlives the benchmark
    env["IQCADENCE_SEND_ON_CHANGE"] = "0"
    return env


def write_import_file(path: Path, rows: int, round_no: int) -> None:
    """The nightly file: the same customers, signals changing each round."""
    rng = random.Random(round_no)
    lines = ["Company,CSM,MRR,Logins,Adoption %,Tickets,NPS,Days Since Contact,Tier"]
    for i in range(rows):
        lines.append(
            f"Nightly {i:05d},{rng.choice(_portfolio.MANAGERS)},{rng.randrange(100, 9000)},"
            f"{rng.randrange(0, 40)},{rng.randrange(0, 100)}%,{rng.randrange(0, 6)},"
            f"{rng.randrange(0, 11)},{rng.randrange(0, 90)},{rng.choice(_portfolio.TIERS)}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def commands(work: Workload) -> dict[str, Callable[[int], list[tuple[str, tuple[str, ...]]]]]:
    """Each loop's commands for its i-th round: (kind, argv) pairs."""
    name = work.customer
    return {
        "cron": lambda i: [("automations run", ("automations", "run")), ("rescore", ("rescore",))],
        "log": lambda i: [("log", ("log", name, "--kind", "note", "--title", f"note {i}"))],
        "tasks": lambda i: [("tasks add", ("tasks", "add", name, f"Follow up {i}"))],
        "edit": lambda i: [
            ("customers edit", ("customers", "edit", name, "--set", f"manager=M{i % 7}"))
        ],
        "import": lambda i: [
            ("import csv", ("import", "csv", str(work.import_files[i % len(work.import_files)])))
        ],
    }


def loop(work: Workload, round_commands: Callable[[int], list], deadline: float) -> None:
    i = 0
    while time.perf_counter() < deadline:
        for kind, argv in round_commands(i):
            work.record(work.run(kind, *argv))
        i += 1


def solo_latencies(work: Workload, runs: int) -> dict[str, float]:
    """Median wall time of each command run alone (the reference)."""
    samples: dict[str, list[float]] = {}
    for round_commands in commands(work).values():
        for i in range(runs):
            for kind, argv in round_commands(i):
                outcome = work.run(kind, *argv)
                samples.setdefault(kind, []).append(outcome.seconds)
    return {kind: statistics.median(values) for kind, values in samples.items()}


def attach_lock_times(outcomes: list[Outcome]) -> None:
    """Each command's lock wait and hold, from the lines its process wrote."""
    import json

    by_pid = {}
    for line in LOCK_LOG.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        by_pid[entry["pid"]] = entry
    for outcome in outcomes:
        entry = by_pid.get(outcome.pid, {})
        outcome.lock_wait = float(entry.get("wait", 0.0))
        outcome.lock_hold = float(entry.get("hold", 0.0))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def report(work: Workload, solo: dict[str, float], seconds: float) -> None:
    outcomes = work.outcomes
    failed = [o for o in outcomes if o.code != 0]
    verdict = "ok" if len(failed) <= FAILURE_TARGET else "MISSED"
    print(
        f"\n{len(outcomes)} commands in {seconds:.0f} s; failures: {len(failed)} "
        f"(target {FAILURE_TARGET}) {verdict}"
    )
    reasons: dict[str, int] = {}
    for outcome in failed:
        key = f"{outcome.kind}: {outcome.error}"
        reasons[key] = reasons.get(key, 0) + 1
    for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"  {count:>4} × {reason}")
    print(
        f"\n  {'command':<16} {'runs':>5} {'p50 s':>7} {'p99 s':>7} {'alone s':>8} "
        f"{'p50 ×':>6} {'cpu p50 s':>10}"
    )
    for kind in sorted({o.kind for o in outcomes}):
        mine = [o for o in outcomes if o.kind == kind]
        times = [o.seconds for o in mine]
        p50, p99 = percentile(times, 0.5), percentile(times, 0.99)
        cpu = percentile([o.cpu for o in mine], 0.5)
        print(
            f"  {kind:<16} {len(times):>5} {p50:>7.2f} {p99:>7.2f} {solo[kind]:>8.2f} "
            f"{p50 / solo[kind]:>6.1f} {cpu:>10.2f}"
        )
    every = [o.seconds for o in outcomes]
    print(
        f"  {'all writes':<16} {len(every):>5} {percentile(every, 0.5):>7.2f} "
        f"{percentile(every, 0.99):>7.2f}"
    )
    waits = [o.lock_wait for o in outcomes]
    holds = [o.lock_hold for o in outcomes]
    print(
        f"\n  write lock: waited p50 {percentile(waits, 0.5):.2f} s, "
        f"p99 {percentile(waits, 0.99):.2f} s, max {max(waits):.2f} s "
        f"(busy timeout {BUSY_TIMEOUT_S:.0f} s); held p99 {percentile(holds, 0.99):.2f} s, "
        f"max {max(holds):.2f} s ({max(outcomes, key=lambda o: o.lock_hold).kind})"
    )
    print(
        "\n  (wall time well above CPU time is waiting: for the write lock, or for a\n"
        "  processor on a machine with fewer cores than loops)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the loops run.")
    parser.add_argument("--customers", type=int, default=5000, help="Portfolio size.")
    parser.add_argument("--import-rows", type=int, default=5000, help="Rows of the import.")
    parser.add_argument(
        "--quick", action="store_true", help="A short sanity run (10 s, 1,000 customers)."
    )
    args = parser.parse_args()
    solo_runs = SOLO_RUNS
    if args.quick:
        args.seconds, args.customers, solo_runs = 10.0, 1000, 1
    _portfolio.env()
    os.environ["IQCADENCE_SEND_ON_CHANGE"] = "0"
    database = _portfolio.fresh_copy(_portfolio.cached(args.customers), "concurrency.db")
    import_files = [_portfolio.WORK / f"concurrency-import-{n}.csv" for n in (1, 2)]
    for round_no, import_file in enumerate(import_files, start=1):
        write_import_file(import_file, args.import_rows, round_no)

    with closing(sqlite3.connect(database)) as conn:
        (customer,) = conn.execute("SELECT name FROM customer ORDER BY id LIMIT 1").fetchone()
    work = Workload(database, customer, import_files)
    print(f"{args.customers:,} customers, a {args.import_rows:,}-row import, {database}")
    print("measuring each command alone…")
    solo = solo_latencies(work, solo_runs)
    work.outcomes.clear()
    LOCK_LOG.unlink(missing_ok=True)
    print(f"running the loops side by side for {args.seconds:.0f} s…")
    started = time.perf_counter()
    deadline = started + args.seconds
    threads = [
        threading.Thread(target=loop, args=(work, round_commands, deadline))
        for round_commands in commands(work).values()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    attach_lock_times(work.outcomes)
    report(work, solo, time.perf_counter() - started)


if __name__ == "__main__":
    main()
