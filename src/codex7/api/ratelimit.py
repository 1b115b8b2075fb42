"""Per-caller limits: a token bucket (requests a minute, with a burst) and a cap on requests in
flight. Callers are told apart by key (its digest, in memory only) or, without one, by address.

Everything runs on the event loop between awaits, so no lock is needed; the clock is a
parameter, so tests move time instead of sleeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED = 10_000  # callers remembered; full buckets are forgotten first


@dataclass
class _Bucket:
    tokens: float
    at: float


@dataclass(frozen=True)
class Verdict:
    """A refusal: seconds until the next request is allowed, and the limit's numbers."""

    retry_after: float
    limit: int
    remaining: int
    reset: float  # seconds until the bucket is full again

    def headers(self) -> dict[str, str]:
        """Context7's 429 headers (Retry-After in whole seconds, at least 1)."""
        return {
            "Retry-After": str(max(1, math.ceil(self.retry_after))),
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(max(1, math.ceil(self.reset))),
        }


class RateLimiter:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        max_concurrent: int,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.per_minute, self.burst, self.max_concurrent = per_minute, burst, max_concurrent
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        self._in_flight: dict[str, int] = {}

    @property
    def _rate(self) -> float:  # tokens a second
        return self.per_minute / 60.0

    def _bucket(self, who: str) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(who)
        if bucket is None:
            if len(self._buckets) >= MAX_TRACKED:
                self._forget()
            bucket = self._buckets[who] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self._rate)
            bucket.at = now
        return bucket

    def _forget(self) -> None:
        now = self.clock()
        full = [
            k
            for k, b in self._buckets.items()
            if b.tokens + (now - b.at) * self._rate >= self.burst
        ]
        for k in full or list(self._buckets)[: MAX_TRACKED // 2]:
            del self._buckets[k]

    def _verdict(self, bucket: _Bucket) -> Verdict:
        wait = (1.0 - bucket.tokens) / self._rate
        reset = (self.burst - bucket.tokens) / self._rate
        return Verdict(wait, self.burst, max(0, math.floor(bucket.tokens)), reset)

    def take(self, who: str) -> Verdict | None:
        """Spend one of WHO's tokens: None when it had one, else the refusal."""
        if self.per_minute <= 0:
            return None
        bucket = self._bucket(who)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return self._verdict(bucket)

    def check(self, who: str) -> Verdict | None:
        """Whether WHO has a token, without spending it."""
        if self.per_minute <= 0:
            return None
        bucket = self._bucket(who)
        return None if bucket.tokens >= 1.0 else self._verdict(bucket)

    def enter(self, who: str) -> bool:
        """Start one of WHO's requests; False when it has max_concurrent in flight already."""
        if self.max_concurrent <= 0:
            return True
        count = self._in_flight.get(who, 0)
        if count >= self.max_concurrent:
            return False
        self._in_flight[who] = count + 1
        return True

    def in_flight(self) -> int:
        """Requests in flight, over every caller."""
        return sum(self._in_flight.values())

    def leave(self, who: str) -> None:
        if self.max_concurrent <= 0:
            return
        count = self._in_flight.get(who, 0) - 1
        if count > 0:
            self._in_flight[who] = count
        else:
            self._in_flight.pop(who, None)
