"""Client-side rate limits: a token bucket for requests and one for tokens, per provider.

Each bucket starts full (a burst of one minute's allowance) and refills continuously. A caller
that must wait sleeps outside the lock, then checks again; a wait longer than ``max_wait_s``
raises ``RateLimitError`` instead of blocking without bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from neurolake.errors import RateLimitError


class TokenBucket:
    """``capacity`` units, refilled at ``per_second``; may go negative to record a debt."""

    def __init__(self, capacity: float, per_second: float, *, now: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.level = capacity
        self._updated = now

    def refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self.level = min(self.capacity, self.level + elapsed * self.per_second)
        self._updated = now

    def wait_for(self, units: float, now: float) -> float:
        """Seconds until ``units`` are available (0 when they are now)."""
        self.refill(now)
        missing = units - self.level
        return 0.0 if missing <= 0 else missing / self.per_second

    def take(self, units: float) -> None:
        self.level -= units

    def give_back(self, units: float) -> None:
        self.level = min(self.capacity, self.level + units)


class RateLimiter:
    """Requests per minute and tokens per minute for one provider; safe across threads."""

    def __init__(
        self,
        requests_per_minute: int,
        tokens_per_minute: int,
        *,
        max_wait_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        now = clock()
        self.requests = TokenBucket(requests_per_minute, requests_per_minute / 60.0, now=now)
        self.tokens = TokenBucket(tokens_per_minute, tokens_per_minute / 60.0, now=now)
        self.max_wait_s = max_wait_s
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()

    def acquire(self, tokens: int) -> float:
        """Take one request and ``tokens`` tokens, waiting as needed; return seconds waited."""
        # A request larger than the whole bucket would never fit; it costs a full bucket instead.
        cost = min(float(tokens), self.tokens.capacity)
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                wait = max(self.requests.wait_for(1, now), self.tokens.wait_for(cost, now))
                if wait <= 0:
                    self.requests.take(1)
                    self.tokens.take(cost)
                    return waited
                if waited + wait > self.max_wait_s:
                    raise RateLimitError(
                        f"Client-side LLM rate limit: the next request would wait {waited + wait:.1f}s, "
                        f"more than the {self.max_wait_s:.0f}s allowed.",
                        hint="Raise NEUROLAKE_LLM__REQUESTS_PER_MINUTE or "
                        "NEUROLAKE_LLM__TOKENS_PER_MINUTE, or send fewer requests.",
                    )
            self._sleep(wait)
            waited += wait

    def settle(self, estimated: int, actual: int) -> None:
        """Correct the token bucket once the provider reports what a call really used."""
        with self._lock:
            if actual < estimated:
                self.tokens.give_back(estimated - actual)
            else:
                self.tokens.take(actual - estimated)
