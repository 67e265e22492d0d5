"""Backend health: count failures, warn once per outage, back off, notice recovery."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)


class BackendHealth:
    """After a failure, skip the backend for ``retry_after_s`` so an outage costs one timeout
    per interval rather than one per query; the next call after that probes it again."""

    def __init__(self, backend_name: str, *, retry_after_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.backend_name = backend_name
        self.retry_after_s = retry_after_s
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self.errors = 0

    @property
    def available(self) -> bool:
        """False while the backend is known to be down and not yet due for a probe."""
        with self._lock:
            return self._down_since is None or self._clock() >= self._retry_at

    @property
    def down(self) -> bool:
        """True from a failure until the next successful call."""
        return self._down_since is not None

    def failed(self, error: Exception) -> None:
        """Record one failed call; the first of an outage logs a warning."""
        with self._lock:
            self.errors += 1
            now = self._clock()
            self._retry_at = now + self.retry_after_s
            if self._down_since is not None:
                return
            self._down_since = now
        log.warning("%s cache unavailable, queries run uncached until it returns: %s", self.backend_name, error)

    def succeeded(self) -> None:
        """Record a successful call; the first after an outage logs the recovery."""
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            outage = self._clock() - self._down_since
            self._down_since = None
        log.info("%s cache is back after %.1f s", self.backend_name, outage)
