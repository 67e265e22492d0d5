"""QueryCache: the one object the engine talks to, over the memory or Redis backend.

It serializes results, applies the size cap and admission rule, protects against
stampedes, and turns every backend failure into a counted miss so a query never fails
because its cache did.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

import pyarrow as pa

from neurolake.cache.backend import DEFAULT_PREFIX, CacheBackend
from neurolake.cache.health import BackendHealth
from neurolake.cache.key import CacheKey
from neurolake.cache.memory_backend import MemoryCacheBackend
from neurolake.cache.result import CachedResult, Compression, deserialize_result, serialize_result
from neurolake.cache.single_flight import SingleFlight
from neurolake.cache.stats import CacheStats
from neurolake.errors import CacheUnavailableError, QueryCancelledError

if TYPE_CHECKING:
    from neurolake.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")


class QueryCache:
    """A result cache keyed by :class:`CacheKey` (or its digest), bounded and version-aware.

    ``admit_after=N`` stores a result from the Nth time it is offered within the TTL.
    ``lock_ttl_s`` bounds how long callers in other processes wait for one computing the
    same key (Redis only); ``retry_after_s`` is how long a failed backend is left alone.
    A disabled cache stores nothing and ``get_or_compute`` simply computes.
    """

    def __init__(
        self,
        backend: CacheBackend,
        *,
        max_entry_bytes: int,
        admit_after: int = 1,
        enabled: bool = True,
        compression: Compression = "lz4",
        lock_ttl_s: float = 30.0,
        poll_interval_s: float = 0.02,
        retry_after_s: float = 1.0,
    ) -> None:
        if admit_after < 1:
            raise ValueError("admit_after must be 1 or more")
        self.backend = backend
        self.enabled = enabled
        self.admit_after = admit_after
        # An entry larger than the whole budget would only evict everything and then itself.
        self.max_entry_bytes = min(max_entry_bytes, backend.max_bytes)
        self.compression = compression
        self.lock_ttl_s = lock_ttl_s
        self.poll_interval_s = poll_interval_s
        self.health = BackendHealth(backend.name, retry_after_s=retry_after_s)
        self._flights: SingleFlight[CachedResult] = SingleFlight()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        prefix: str = DEFAULT_PREFIX,
        clock: Callable[[], float] | None = None,
    ) -> QueryCache:
        """The cache ``settings.cache`` describes: in-process LRU or Redis."""
        cfg = settings.cache
        backend: CacheBackend
        if cfg.backend == "redis":
            from neurolake.cache.redis_backend import RedisCacheBackend  # the Redis client only with Redis

            backend = RedisCacheBackend.from_url(cfg.url, prefix=prefix, ttl_s=cfg.ttl_s, max_bytes=cfg.max_bytes)
        else:
            backend = MemoryCacheBackend(max_bytes=cfg.max_bytes, ttl_s=cfg.ttl_s, clock=clock or time.monotonic)
        return cls(backend, max_entry_bytes=cfg.max_entry_bytes, admit_after=cfg.admit_after, enabled=cfg.enabled)

    def get(self, key: CacheKey | str) -> CachedResult | None:
        """The cached result for ``key``, or None on a miss (or when the backend is down)."""
        if not self.enabled:
            return None
        return self._lookup(_digest(key), record=True)

    def put(self, key: CacheKey | str, result: CachedResult, tables: Iterable[str] | None = None) -> bool:
        """Store ``result``; False when it is not admitted yet, too large, or the backend is down.

        ``tables`` default to ``key.tables`` for a :class:`CacheKey`; they let
        :meth:`invalidate` find the entry.
        """
        if not self.enabled:
            return False
        digest = _digest(key)
        if self.admit_after > 1:
            seen = self._guarded(lambda: self.backend.offer(digest), None)
            if seen is None:
                return False
            if seen < self.admit_after:
                self._count("not_admitted")
                return False
        try:
            payload = serialize_result(result, compression=self.compression)
        except pa.ArrowException as e:
            log.warning("result not cached, Arrow could not serialize it: %s", e)
            return False
        if len(payload) > self.max_entry_bytes:
            self._count("rejected_too_large")
            return False
        names = _table_names(key, tables)
        return self._guarded(lambda: self.backend.put(digest, payload, names), None) is not None

    def get_or_compute(
        self,
        key: CacheKey | str,
        compute: Callable[[], CachedResult],
        tables: Iterable[str] | None = None,
    ) -> tuple[CachedResult, bool]:
        """The cached result, or ``compute()``'s, stored for next time.

        Returns ``(result, served_without_computing)``. Concurrent calls with one key run
        ``compute`` once: the others wait and share its result (or its error; a cancelled
        leader lets the next caller compute instead). With Redis this holds across processes.
        """
        if not self.enabled:
            return compute(), False
        digest = _digest(key)
        # Kept lazy: put() reads them after compute, so they may depend on its result.
        names: Iterable[str] = tables if tables is not None else _table_names(key, None)
        while True:
            flight, leader = self._flights.join(digest)
            if leader:
                try:
                    flight.result, flight.from_cache = self._lead(digest, compute, names)
                    return flight.result, flight.from_cache
                except BaseException as e:
                    flight.error = e
                    raise
                finally:
                    self._flights.land(digest, flight)
            flight.done.wait()
            if flight.error is None and flight.result is not None:
                self._count("hits" if flight.from_cache else "coalesced")
                return flight.result, True
            if not isinstance(flight.error, QueryCancelledError):
                raise flight.error or RuntimeError("cache leader finished without a result")

    def invalidate(self, table: str) -> int:
        """Delete every entry that read ``table``; returns how many (0 if the backend is down)."""
        return int(self._guarded(lambda: self.backend.invalidate(table.casefold()), 0))

    def clear(self) -> int:
        """Delete every entry (counters stay); raises ``CacheUnavailableError`` if unreachable."""
        try:
            dropped = self.backend.clear()
        except CacheUnavailableError as e:
            self.health.failed(e)
            raise
        self.health.succeeded()
        return dropped

    def stats(self) -> CacheStats:
        """Counters and size; never raises (an unreachable backend shows ``available=False``)."""
        counters = self._guarded(self.backend.counters, None)
        usage = self._guarded(self.backend.usage, None) if counters is not None else None
        c = counters or {}
        return CacheStats(
            backend=self.backend.name,
            scope="shared" if self.backend.shared else "process",
            hits=c.get("hits", 0),
            misses=c.get("misses", 0),
            puts=c.get("puts", 0),
            evictions=c.get("evictions", 0),
            rejected_too_large=c.get("rejected_too_large", 0),
            not_admitted=c.get("not_admitted", 0),
            coalesced=c.get("coalesced", 0),
            errors=self.health.errors,
            entries=usage[0] if usage else None,
            bytes=usage[1] if usage else None,
            max_bytes=self.backend.max_bytes,
            available=counters is not None,
        )

    def close(self) -> None:
        """Release the backend's connections."""
        self.backend.close()

    def _lead(
        self, digest: str, compute: Callable[[], CachedResult], tables: Iterable[str]
    ) -> tuple[CachedResult, bool]:
        cached = self._lookup(digest, record=True)
        if cached is not None:
            return cached, True
        token = uuid.uuid4().hex
        deadline = time.monotonic() + self.lock_ttl_s
        while True:
            # A backend that is down grants the lock: compute locally rather than wait.
            locked = self._guarded(lambda: self.backend.try_lock(digest, token, self.lock_ttl_s), True)
            if locked or time.monotonic() >= deadline:
                try:
                    result = compute()
                    self.put(digest, result, tables)
                finally:
                    if locked:
                        self._guarded(lambda: self.backend.unlock(digest, token), None)
                return result, False
            time.sleep(self.poll_interval_s)
            cached = self._lookup(digest, record=False)
            if cached is not None:
                self._count("coalesced")
                return cached, True

    def _lookup(self, digest: str, *, record: bool) -> CachedResult | None:
        data = self._guarded(lambda: self.backend.get(digest, record=record), None)
        if data is None:
            return None
        try:
            return deserialize_result(data)
        except ValueError as e:
            log.warning("unreadable cache entry %s treated as a miss: %s", digest[:12], e)
            return None

    def _count(self, counter: str) -> None:
        self._guarded(lambda: self.backend.count(counter), None)

    def _guarded(self, operation: Callable[[], T], fallback: T) -> T:
        """Run a backend call; a failure is counted and answered with ``fallback``."""
        if not self.health.available:
            return fallback
        try:
            value = operation()
        except CacheUnavailableError as e:
            self.health.failed(e)
            return fallback
        self.health.succeeded()
        return value


def _digest(key: CacheKey | str) -> str:
    return key.digest if isinstance(key, CacheKey) else key


def _table_names(key: CacheKey | str, tables: Iterable[str] | None) -> tuple[str, ...]:
    """Tables for the invalidation index, case-folded so ``Orders`` and ``orders`` meet."""
    names = tables if tables is not None else (key.tables if isinstance(key, CacheKey) else ())
    return tuple(dict.fromkeys(name.casefold() for name in names))
