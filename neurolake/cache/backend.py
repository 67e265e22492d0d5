"""The interface both cache backends implement: bytes in, bytes out, by key digest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

#: The key prefix of a shared backend's entries.
DEFAULT_PREFIX = "neurolake:cache"


class CacheBackend(Protocol):
    """Storage for serialized results, bounded in bytes, with per-table invalidation.

    ``QueryCache`` does serialization, admission, size caps and stampede protection; a
    backend only stores. Shared backends raise ``CacheUnavailableError`` when unreachable.
    """

    #: "memory" or "redis".
    name: str
    #: True when other processes see the same entries (then locks and counters are shared).
    shared: bool
    #: Upper bound on the total size of the stored values.
    max_bytes: int

    def get(self, key: str, *, record: bool = True) -> bytes | None:
        """The value under ``key``, or None; counts a hit or miss when ``record``."""
        ...

    def put(self, key: str, value: bytes, tables: Sequence[str]) -> int:
        """Store ``value`` for the TTL, evicting least recently used entries to stay within
        ``max_bytes``; returns how many entries were evicted."""
        ...

    def invalidate(self, table: str) -> int:
        """Delete every entry stored with ``table``; returns how many were deleted."""
        ...

    def clear(self) -> int:
        """Delete every entry (counters stay); returns how many were deleted."""
        ...

    def usage(self) -> tuple[int, int]:
        """Live entries and their total bytes."""
        ...

    def offer(self, key: str) -> int:
        """Count one more attempt to store ``key`` within the TTL; returns the count so far."""
        ...

    def count(self, counter: str, n: int = 1) -> None:
        """Add ``n`` to a counter from ``stats.COUNTERS``."""
        ...

    def counters(self) -> dict[str, int]:
        """Every counter's current value."""
        ...

    def try_lock(self, key: str, token: str, ttl_s: float) -> bool:
        """Take the compute lock of ``key`` for ``ttl_s`` unless someone else holds it."""
        ...

    def unlock(self, key: str, token: str) -> None:
        """Release the compute lock of ``key`` if ``token`` still holds it."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
