"""In-process stampede protection: concurrent callers of one key share one computation."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Flight(Generic[T]):
    """One computation in progress; waiters block on ``done`` then read the outcome."""

    done: threading.Event = field(default_factory=threading.Event)
    result: T | None = None
    #: True when the leader found the value in the cache rather than computing it.
    from_cache: bool = False
    error: BaseException | None = None


class SingleFlight(Generic[T]):
    """Hands out one ``Flight`` per key; the first caller leads, later ones wait on it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flights: dict[str, Flight[T]] = {}

    def join(self, key: str) -> tuple[Flight[T], bool]:
        """The flight for ``key`` and whether the caller leads it (must then call ``land``)."""
        with self._lock:
            flight = self._flights.get(key)
            if flight is not None:
                return flight, False
            flight = self._flights[key] = Flight()
            return flight, True

    def land(self, key: str, flight: Flight[T]) -> None:
        """Publish the leader's outcome and let the next caller of ``key`` start afresh."""
        with self._lock:
            self._flights.pop(key, None)
        flight.done.set()
