"""Redis only: namespacing, locks across processes, and a Redis that fails or goes away."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pytest
import redis

from neurolake.cache import CachedResult, CacheKey, QueryCache, RedisCacheBackend
from neurolake.errors import CacheUnavailableError
from tests.cache.conftest import delete_namespace

KEY = CacheKey.build("SELECT count(*) FROM orders", None, 100, None, "analyst", {"orders": 1})
RESULT = CachedResult(pa.table({"count": [42]}), {"truncated": False})


def redis_cache(url: str, prefix: str, **options: float) -> QueryCache:
    backend = RedisCacheBackend.from_url(url, prefix=prefix, ttl_s=60, max_bytes=1_000_000)
    return QueryCache(backend, max_entry_bytes=100_000, **options)  # type: ignore[arg-type]


@pytest.fixture
def shared_redis(redis_url: str, redis_prefix: str) -> Iterator[tuple[str, str]]:
    yield redis_url, redis_prefix
    client = redis.Redis.from_url(redis_url)
    delete_namespace(client, redis_prefix)
    client.close()


class RecordingHandler(logging.Handler):
    """Keeps what the cache logs, whatever the ``neurolake`` logger's own set-up is."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_redis(port: int, folder: Path) -> subprocess.Popen[bytes]:
    """A throwaway redis-server on ``port``, without persistence; waits until it answers."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    args = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        str(folder),
    ]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port, socket_connect_timeout=0.2)
    for _ in range(100):
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


def stop_redis(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=10)


@pytest.mark.redis
def test_every_key_lives_under_the_prefix_with_a_set_per_table(shared_redis: tuple[str, str]) -> None:
    url, prefix = shared_redis
    cache = redis_cache(url, prefix)
    cache.put(KEY, RESULT)
    client = redis.Redis.from_url(url)

    keys = {k.decode() for k in client.scan_iter(match=f"{prefix}:*")}

    assert f"{prefix}:entry:{KEY.digest}" in keys
    assert client.smembers(f"{prefix}:table:orders") == {f"{prefix}:entry:{KEY.digest}".encode()}
    assert 0 < client.pttl(f"{prefix}:entry:{KEY.digest}") <= 60_000
    client.close()


@pytest.mark.redis
def test_identical_queries_in_two_processes_compute_once(shared_redis: tuple[str, str]) -> None:
    url, prefix = shared_redis
    # Two caches share nothing in-process, as two server processes would: only the Redis lock.
    caches = [redis_cache(url, prefix), redis_cache(url, prefix)]
    calls = []
    start = threading.Barrier(8)

    def compute() -> CachedResult:
        calls.append(1)
        time.sleep(0.3)
        return RESULT

    def caller(i: int) -> CachedResult:
        start.wait()
        return caches[i % 2].get_or_compute(KEY, compute)[0]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(caller, range(8)))

    assert len(calls) == 1
    assert all(r.table.equals(RESULT.table) for r in results)


@pytest.mark.redis
def test_a_lock_left_by_a_dead_process_expires_and_the_waiter_computes(shared_redis: tuple[str, str]) -> None:
    url, prefix = shared_redis
    client = redis.Redis.from_url(url)
    client.set(f"{prefix}:lock:{KEY.digest}", "crashed-worker", px=300)
    cache = redis_cache(url, prefix)

    result, hit = cache.get_or_compute(KEY, lambda: RESULT)

    assert hit is False
    assert result.table.equals(RESULT.table)
    assert cache.get(KEY) is not None
    client.close()


@pytest.mark.redis
def test_a_waiter_stops_waiting_after_the_lock_ttl(shared_redis: tuple[str, str]) -> None:
    url, prefix = shared_redis
    client = redis.Redis.from_url(url)
    client.set(f"{prefix}:lock:{KEY.digest}", "slow-worker", px=60_000)
    cache = redis_cache(url, prefix, lock_ttl_s=0.2)

    result, hit = cache.get_or_compute(KEY, lambda: RESULT)

    assert hit is False
    assert result.table.equals(RESULT.table)
    client.close()


def test_an_unreachable_redis_counts_errors_and_never_raises_on_the_query_path() -> None:
    cache = redis_cache(f"redis://127.0.0.1:{free_port()}/0", "neurolake:test:closed", retry_after_s=0)

    assert cache.get(KEY) is None
    assert cache.put(KEY, RESULT) is False
    assert cache.invalidate("orders") == 0
    result, hit = cache.get_or_compute(KEY, lambda: RESULT)
    assert (result, hit) == (RESULT, False)

    stats = cache.stats()
    assert stats.available is False
    assert stats.entries is None
    assert stats.errors >= 4
    with pytest.raises(CacheUnavailableError, match="unavailable"):
        cache.clear()


def test_redis_going_away_and_coming_back(tmp_path: Path) -> None:
    port = free_port()
    server = start_redis(port, tmp_path)
    cache = redis_cache(f"redis://127.0.0.1:{port}/0", "neurolake:test:outage", retry_after_s=0.5)
    handler = RecordingHandler()
    records = handler.records
    health_log = logging.getLogger("neurolake.cache.health")
    health_log.addHandler(handler)
    previous_level = health_log.level
    health_log.setLevel(logging.INFO)
    try:
        assert cache.put(KEY, RESULT) is True
        assert cache.get(KEY) is not None

        stop_redis(server)
        assert cache.get(KEY) is None  # fails: counted, one warning
        assert cache.get_or_compute(KEY, lambda: RESULT) == (RESULT, False)  # skipped: backing off
        time.sleep(0.6)
        assert cache.get(KEY) is None  # probes again, fails again: no second warning
        assert cache.stats().errors == 2

        server = start_redis(port, tmp_path)
        time.sleep(0.6)
        assert cache.put(KEY, RESULT) is True
        assert cache.get(KEY) is not None
        assert cache.stats().available is True
    finally:
        health_log.removeHandler(handler)
        health_log.setLevel(previous_level)
        stop_redis(server)

    assert [r.levelno for r in records] == [logging.WARNING, logging.INFO]
    assert "queries run uncached" in records[0].getMessage()
    assert "back" in records[1].getMessage()
