"""`iqcadence ARGS...`, noting how long it waited for the write lock and held it.

Runs the real command (`iqcadence.cli.main.main`) with three SQLAlchemy
event listeners added: a transaction's `begin`, its `BEGIN IMMEDIATE`
finishing (the write lock is then held) and its end. At exit it appends one
JSON line to the file named by BENCH_LOCK_LOG: {"pid", "wait", "hold"},
the longest wait for the lock and the total time it was held, in seconds.

    BENCH_LOCK_LOG=locks.jsonl python bench/_lock_timing.py --db x.db log Acme ...
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

_began: dict[int, float] = {}
_locked: dict[int, float] = {}
_totals = {"wait": 0.0, "hold": 0.0}


def _key(conn: Any) -> int:
    return id(conn.connection.dbapi_connection)


@event.listens_for(Engine, "begin", insert=True)
def _begin(conn: Any) -> None:
    _began[_key(conn)] = time.perf_counter()


@event.listens_for(Engine, "after_cursor_execute")
def _after(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    key = _key(conn)
    if statement.startswith("BEGIN IMMEDIATE") and key in _began:
        now = time.perf_counter()
        _totals["wait"] = max(_totals["wait"], now - _began.pop(key))
        _locked[key] = now


def _end(conn: Any) -> None:
    started = _locked.pop(_key(conn), None)
    _began.pop(_key(conn), None)
    if started is not None:
        _totals["hold"] += time.perf_counter() - started


event.listen(Engine, "commit", _end)
event.listen(Engine, "rollback", _end)


def _write() -> None:
    target = os.environ.get("BENCH_LOCK_LOG")
    if target:
        with open(target, "a", encoding="utf-8") as log:
            log.write(json.dumps({"pid": os.getpid(), **_totals}) + "\n")


if __name__ == "__main__":
    atexit.register(_write)
    from iqcadence.cli.main import main

    sys.argv = ["iqcadence", *sys.argv[1:]]
    main()
