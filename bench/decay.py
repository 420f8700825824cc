"""What the daily decay refresh costs the program that opens the database.

For each size, a scored portfolio is built (cached under bench/.work/) and
each measurement runs in its own process on its own copy:

* `check`     — the day is refreshed already: `ensure_scores_current` on a
  newly opened database (what every command pays as it opens it);
* `refresh`   — the first open of the next day: the refresh itself (the
  customers decay can move, their snapshots and the change hooks);
* `full`      — the same day's rescore of everyone (`rescore_all`, what the
  refresh did before it was limited to those customers), for comparison;
* `busy`      — the first open of the next day while another program holds
  the write lock: how long the read is held up before it goes on.

Each refresh's time is split into its own work and the change hooks it
publishes to (timeline, playbooks, current alerts, alert rules), timed one
by one. Targets: check ≤ 5 ms, busy ≤ 1 s, and the refresh's own work at
most RATIO_TARGET × that of the full rescore (it looks at fewer customers;
when nearly all have a days signal, about as many).

    python bench/decay.py                  # 100k
    python bench/decay.py --sizes 20000    # quick
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _portfolio  # noqa: E402

CHECK_TARGET_MS = 5.0
BUSY_TARGET_S = 1.0
RATIO_TARGET = 1.1
NEXT_DAY = (_portfolio.TODAY + timedelta(days=1)).isoformat()


def measure(kind: str, path: Path) -> dict[str, object]:
    """Runs inside the child process."""
    import os

    _portfolio.env()
    from iqcadence.core.accounts import rescore
    from iqcadence.core.runtime import freshness, wiring
    from iqcadence.core.store.db import open_database, resolve_location
    from iqcadence.core.store.users import resolve_actor

    wiring.install()
    location = resolve_location(path)
    out: dict[str, object] = {"kind": kind}
    if kind == "check":
        warm = open_database(location)
        freshness.ensure_scores_current(warm, patience=None)  # today's, done once
        warm.dispose()
        database = open_database(location)
        started = time.perf_counter()
        freshness.ensure_scores_current(database)
        out["seconds"] = time.perf_counter() - started
        database.dispose()
        return out
    # the day is refreshed, then the next one comes
    first = open_database(location)
    freshness.ensure_scores_current(first, patience=None)
    first.dispose()
    os.environ["IQCADENCE_TODAY"] = NEXT_DAY
    database = open_database(location)
    out["hooks"] = _time_hooks()
    if kind == "full":
        with database.session() as session:
            actor = resolve_actor(session)
            started = time.perf_counter()
            summary = rescore.rescore_all(session, actor, cause="decay")
            out["seconds"] = time.perf_counter() - started
            out["scored"], out["changed"] = summary.scored, summary.changed
    elif kind == "refresh":
        started = time.perf_counter()
        outcome = freshness.ensure_scores_current(database)
        out["seconds"] = time.perf_counter() - started
        summary = outcome.refreshed[1]
        out["scored"], out["changed"] = summary.scored, summary.changed
    else:
        other = sqlite3.connect(str(path), isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        started = time.perf_counter()
        outcome = freshness.ensure_scores_current(database)
        out["seconds"] = time.perf_counter() - started
        out["skipped"] = list(outcome.skipped)
        other.rollback()
        other.close()
    database.dispose()
    return out


def _time_hooks() -> dict[str, float]:
    """Seconds spent in each subscriber's bulk handler (filled as they run)."""
    from iqcadence.core.accounts import changes

    spent: dict[str, float] = {}

    def timed(name: str, handler: Any) -> Any:
        def run(*args: Any) -> None:
            started = time.perf_counter()
            handler(*args)
            spent[name] = spent.get(name, 0.0) + time.perf_counter() - started

        return run

    changes._subscribers[:] = [
        changes.Subscriber(s.name, s.one, timed(s.name, s.bulk), s.touched)
        for s in changes._subscribers
    ]
    return spent


def _own(result: dict[str, object]) -> float:
    hooks = result["hooks"]
    assert isinstance(hooks, dict)
    return float(result["seconds"]) - sum(hooks.values())  # type: ignore[arg-type]


def _hooks_text(result: dict[str, object]) -> str:
    hooks = result["hooks"]
    assert isinstance(hooks, dict)
    return ", ".join(f"{name} {seconds:.2f} s" for name, seconds in hooks.items())


def run_child(kind: str, path: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, __file__, "--measure", kind, "--db", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise SystemExit(f"{kind} measurement failed:\n{result.stderr}")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--measure", choices=("check", "refresh", "full", "busy"))
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure, Path(args.db))))
        return

    from iqcadence.core.store.db import remove_database_files

    failed = False
    for size in (int(s) for s in args.sizes.split(",")):
        print(f"decay refresh benchmark at {size:,} customers")
        source = _portfolio.cached(size, args.seed)
        got: dict[str, dict[str, object]] = {}
        for kind in ("check", "refresh", "full", "busy"):
            name = f"decay-{kind}-{size}.db"
            got[kind] = run_child(kind, _portfolio.fresh_copy(source, name))
            remove_database_files(_portfolio.WORK / name)
        check_ms = float(got["check"]["seconds"]) * 1000  # type: ignore[arg-type]
        refresh, full = got["refresh"], got["full"]
        busy = float(got["busy"]["seconds"])  # type: ignore[arg-type]
        print(f"  open, day already refreshed : {check_ms:8.2f} ms")
        for label, result in (("first open of a new day", refresh), ("rescore of everyone", full)):
            print(
                f"  {label:<28}: {result['seconds']:8.2f} s   "
                f"({result['scored']:,} looked at, {result['changed']:,} moved); "
                f"own work {_own(result):.2f} s, hooks: {_hooks_text(result)}"
            )
        print(f"  first open, database busy   : {busy:8.2f} s   (left for later)")
        ratio = _own(refresh) / _own(full)
        ok = check_ms <= CHECK_TARGET_MS and ratio <= RATIO_TARGET and busy <= BUSY_TARGET_S
        print(
            f"  targets: check <= {CHECK_TARGET_MS:.0f} ms, own work <= {RATIO_TARGET}x the "
            f"full rescore's ({ratio:.2f}x), busy <= {BUSY_TARGET_S:.0f} s: "
            f"{'ok' if ok else 'MISSED'}"
        )
        failed = failed or not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
