"""Cache figures: what `neurolake cache stats` prints and the API exposes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

#: Counters every backend keeps, by name.
COUNTERS = ("hits", "misses", "puts", "evictions", "rejected_too_large", "not_admitted", "coalesced")


@dataclass(frozen=True)
class CacheStats:
    """A snapshot of one cache's counters and size.

    ``scope`` says whose requests the counters cover: ``process`` (the in-process cache) or
    ``shared`` (Redis: every process using the same key prefix). ``errors`` always counts
    this process's failed backend calls. ``entries``/``bytes`` are None when the backend
    could not be asked.
    """

    backend: str
    scope: Literal["process", "shared"]
    hits: int = 0
    misses: int = 0
    puts: int = 0
    evictions: int = 0
    rejected_too_large: int = 0
    not_admitted: int = 0
    coalesced: int = 0
    errors: int = 0
    entries: int | None = None
    bytes: int | None = None
    max_bytes: int | None = None
    available: bool = True

    @property
    def hit_rate(self) -> float:
        """Hits over lookups (hits + misses); 0.0 before the first lookup."""
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Every figure, ``hit_rate`` included, as plain JSON-able values."""
        return {**asdict(self), "hit_rate": round(self.hit_rate, 4)}
