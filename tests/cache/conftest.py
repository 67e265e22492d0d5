"""Cache fixtures: one factory that builds a QueryCache over either backend.

Redis is the real server (``redis_url`` fixture) with a unique key prefix per test, removed
afterwards. The memory backend gets a hand-driven clock so TTL tests need no sleeping.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from neurolake.cache import MemoryCacheBackend, QueryCache, RedisCacheBackend

BACKENDS = ["memory", pytest.param("redis", marks=pytest.mark.redis)]


class ManualClock:
    """A clock that moves only when told (seconds, like ``time.monotonic``)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def delete_namespace(client: redis.Redis, prefix: str) -> None:
    """Remove every key a test created under ``prefix``."""
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture
def redis_prefix() -> str:
    """A key prefix no other test (or process) uses."""
    return f"neurolake:test:{uuid.uuid4().hex[:12]}"


MakeCache = Callable[..., QueryCache]


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_cache(
    backend_name: str, request: pytest.FixtureRequest, clock: ManualClock, redis_prefix: str
) -> Iterator[MakeCache]:
    """``make_cache(ttl_s=60, max_bytes=..., max_entry_bytes=..., **QueryCache options)``."""
    caches: list[QueryCache] = []
    url = request.getfixturevalue("redis_url") if backend_name == "redis" else None

    def make(
        *, ttl_s: float = 60, max_bytes: int = 10_000_000, max_entry_bytes: int = 1_000_000, **options: Any
    ) -> QueryCache:
        if url is not None:
            backend: Any = RedisCacheBackend.from_url(url, prefix=redis_prefix, ttl_s=ttl_s, max_bytes=max_bytes)
        else:
            backend = MemoryCacheBackend(max_bytes=max_bytes, ttl_s=ttl_s, clock=clock)
        cache = QueryCache(backend, max_entry_bytes=max_entry_bytes, **options)
        caches.append(cache)
        return cache

    yield make
    if url is not None:
        client = redis.Redis.from_url(url)
        delete_namespace(client, redis_prefix)
        client.close()
    for cache in caches:
        cache.close()


@pytest.fixture
def let_expire(backend_name: str, clock: ManualClock) -> Callable[[float], None]:
    """Let ``seconds`` pass: the manual clock for memory, real time for Redis."""

    def wait(seconds: float) -> None:
        if backend_name == "memory":
            clock.advance(seconds)
        else:
            time.sleep(seconds)

    return wait
