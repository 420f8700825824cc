"""Per-key request limits: a token bucket per API key, in each server process.

A key may send `burst` requests at once and `rate` a second on average;
beyond that it is told how long to wait (429 with Retry-After). The limits
are settings of the key's client (`iqcadence api limits`), read again every
few seconds; each server process (`--workers`) keeps its own buckets.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from iqcadence.core.store.api_keys import ApiLimits


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._buckets: dict[int, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int, limits: ApiLimits) -> float:
        """Take one request from the key's bucket: 0 when allowed, else the
        seconds to wait before the next one would be."""
        now = self._clock()
        rate, burst = limits.rate_per_second, float(limits.burst)
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(burst, now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.at) * rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / rate


def retry_after(wait: float) -> str:
    """Whole seconds, rounded up (at least 1), for the Retry-After header."""
    return str(max(1, math.ceil(wait)))
