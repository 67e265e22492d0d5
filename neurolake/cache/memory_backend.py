"""The in-process cache: an LRU bounded in bytes, thread-safe, with a TTL per entry."""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from neurolake.cache.stats import COUNTERS

#: How many keys' admission counts are remembered (oldest forgotten first).
MAX_TRACKED_OFFERS = 65_536


@dataclass(frozen=True)
class _Entry:
    value: bytes
    tables: tuple[str, ...]
    expires_at: float


class MemoryCacheBackend:
    """Entries in an ``OrderedDict`` (least recently used first), bounded by ``max_bytes``.

    ``clock`` returns seconds and can be replaced in tests to expire entries without sleeping.
    """

    name = "memory"
    shared = False

    def __init__(self, *, max_bytes: int, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes = max_bytes
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._by_table: dict[str, set[str]] = {}
        self._bytes = 0
        self._counters: Counter[str] = Counter()
        self._offers: OrderedDict[str, tuple[int, float]] = OrderedDict()

    def get(self, key: str, *, record: bool = True) -> bytes | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.expires_at <= self._clock():
                self._drop(key)
                entry = None
            if entry is not None:
                self._entries.move_to_end(key)
            if record:
                self._counters["hits" if entry is not None else "misses"] += 1
            return entry.value if entry is not None else None

    def put(self, key: str, value: bytes, tables: Sequence[str]) -> int:
        with self._lock:
            self._drop(key)
            self._entries[key] = _Entry(value, tuple(tables), self._clock() + self.ttl_s)
            self._bytes += len(value)
            for table in tables:
                self._by_table.setdefault(table, set()).add(key)
            evicted = self._evict_over_budget(keep=key)
            self._counters["puts"] += 1
            self._counters["evictions"] += evicted
            return evicted

    def invalidate(self, table: str) -> int:
        with self._lock:
            keys = self._by_table.pop(table, set())
            return sum(self._drop(key) for key in keys)

    def clear(self) -> int:
        with self._lock:
            dropped = len(self._entries)
            self._entries.clear()
            self._by_table.clear()
            self._offers.clear()
            self._bytes = 0
            return dropped

    def usage(self) -> tuple[int, int]:
        with self._lock:
            now = self._clock()
            for key in [k for k, e in self._entries.items() if e.expires_at <= now]:
                self._drop(key)
            return len(self._entries), self._bytes

    def offer(self, key: str) -> int:
        with self._lock:
            now = self._clock()
            count, window_ends = self._offers.pop(key, (0, now + self.ttl_s))
            if window_ends <= now:
                count, window_ends = 0, now + self.ttl_s
            self._offers[key] = (count + 1, window_ends)
            while len(self._offers) > MAX_TRACKED_OFFERS:
                self._offers.popitem(last=False)
            return count + 1

    def count(self, counter: str, n: int = 1) -> None:
        with self._lock:
            self._counters[counter] += n

    def counters(self) -> dict[str, int]:
        with self._lock:
            return {name: self._counters[name] for name in COUNTERS}

    def try_lock(self, key: str, token: str, ttl_s: float) -> bool:
        # One process only: QueryCache's in-process single flight already serializes callers.
        return True

    def unlock(self, key: str, token: str) -> None:
        return None

    def close(self) -> None:
        return None

    def _drop(self, key: str) -> int:
        """Remove one entry and its index rows; returns 1 if it was there. Caller holds the lock."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return 0
        self._bytes -= len(entry.value)
        for table in entry.tables:
            keys = self._by_table.get(table)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_table[table]
        return 1

    def _evict_over_budget(self, *, keep: str) -> int:
        evicted = 0
        now = self._clock()
        while self._bytes > self.max_bytes and self._entries:
            oldest, entry = next(iter(self._entries.items()))
            if oldest == keep:
                break
            self._drop(oldest)
            # An entry past its TTL was dead already: dropping it is not an eviction.
            evicted += entry.expires_at > now
        return evicted
