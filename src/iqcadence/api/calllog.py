"""Writing the API call log without a write per request.

Calls are queued in memory and written in batches by a background thread
(every FLUSH_EVERY seconds, or at once past FLUSH_AT queued calls), with
the keys' last-used times; stopping the server writes what is left. A
request that only reads then never waits for the database's write lock.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from iqcadence.core.store import api_keys, api_log
from iqcadence.core.store.api_log import CallRecord
from iqcadence.core.store.db import Database, describe_failure

FLUSH_EVERY = 0.5  # seconds
FLUSH_AT = 500  # queued calls
USED_EVERY = 60.0  # seconds between two last-used updates of one key

log = logging.getLogger("iqcadence.api")


class CallLog:
    def __init__(self, database: Database, *, every: float = FLUSH_EVERY) -> None:
        self.database = database
        self.every = every
        self._calls: list[CallRecord] = []
        self._used: dict[int, datetime] = {}
        self._marked: dict[int, datetime] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, call: CallRecord, key_id: int | None = None) -> None:
        with self._lock:
            self._calls.append(call)
            if key_id is not None:
                marked = self._marked.get(key_id)
                if marked is None or (call.at - marked).total_seconds() >= USED_EVERY:
                    self._marked[key_id] = call.at
                    self._used[key_id] = call.at
            crowded = len(self._calls) >= FLUSH_AT
            if self._thread is None and not self._stopping.is_set():
                self._start()
        if crowded:
            self._wake.set()

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="iqcadence-api-log", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.wait(self.every)
            self._wake.clear()
            self.flush()

    def flush(self) -> int:
        """Write every queued call now; returns how many."""
        with self._lock:
            calls, self._calls = self._calls, []
            used, self._used = self._used, {}
        if not calls and not used:
            return 0
        try:
            with self.database.session(write=True) as session:
                api_log.record_calls(session, calls)
                api_keys.mark_used(session, used)
                session.commit()
        except Exception as exc:  # the log must never take the API down
            log.error("could not write %d API calls to the log: %s", len(calls), _why(exc))
            return 0
        return len(calls)

    def stop(self) -> None:
        """Stop the writer thread and write what is queued."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()


def _why(exc: BaseException) -> str:
    return describe_failure(exc)
