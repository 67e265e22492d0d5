"""The QueryCache contract, run on both backends: in-process LRU and the real Redis."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from neurolake.cache import CachedResult, CacheKey, QueryCache, serialize_result
from neurolake.errors import QueryCancelledError, QueryExecutionError
from tests.cache.conftest import MakeCache

SQL = "SELECT region, SUM(amount) FROM orders GROUP BY region"


def key(version: int = 1, *, sql: str = SQL, tables: tuple[str, ...] = ("orders",)) -> CacheKey:
    return CacheKey.build(sql, None, 100, None, "analyst", dict.fromkeys(tables, version))


def typed_table() -> pa.Table:
    """Types that a lossy encoding would change: each must come back exactly."""
    dst_night = datetime(2024, 3, 31, 0, 30, tzinfo=UTC)
    point = pa.struct([("k", pa.int32()), ("v", pa.list_(pa.float64()))])
    return pa.table(
        {
            "id": pa.array([1, 2**62 + 1, None], pa.int64()),
            "big": pa.array([2**64 - 1, 0, None], pa.uint64()),
            "price": pa.array(
                [Decimal("12345678901234567890.1234567890"), Decimal("-0.0000000001"), None], pa.decimal128(38, 10)
            ),
            "day": pa.array([date(2024, 2, 29), date(1, 1, 1), None], pa.date32()),
            "at": pa.array(
                [dst_night, datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), None],
                pa.timestamp("us", "Europe/Paris"),
            ),
            "tags": pa.array([["a", "b"], [], None], pa.list_(pa.string())),
            "points": pa.array([[{"k": 1, "v": [1.5, None]}], None, []], pa.list_(point)),
            "raw": pa.array([b"\x00\xff", b"", None], pa.binary()),
            "flag": pa.array([True, None, False]),
            "ratio": pa.array([float("inf"), -0.0, None], pa.float64()),
        },
        metadata={"source": "test"},
    )


def noise_result(rows: int, seed: int = 0) -> CachedResult:
    """Incompressible rows, so entry sizes are predictable."""
    rng = random.Random(seed)
    return CachedResult(pa.table({"noise": [rng.randbytes(32).hex() for _ in range(rows)]}))


def test_round_trip_keeps_every_type_and_the_metadata(make_cache: MakeCache) -> None:
    cache = make_cache()
    table = typed_table()
    metadata = {"truncated": True, "columns": table.column_names, "versions": {"orders": 7}}
    assert cache.put(key(), CachedResult(table, metadata)) is True

    got = cache.get(key())

    assert got is not None
    assert got.table.schema.equals(table.schema, check_metadata=True)
    assert got.table.equals(table)
    assert got.table.to_pylist() == table.to_pylist()
    assert got.metadata == metadata


def test_a_new_table_version_is_a_miss(make_cache: MakeCache) -> None:
    cache = make_cache()
    cache.put(key(version=3), noise_result(5))

    assert cache.get(key(version=3)) is not None
    assert cache.get(key(version=4)) is None


def test_invalidate_deletes_every_entry_that_read_the_table(make_cache: MakeCache) -> None:
    cache = make_cache()
    cache.put(key(sql="SELECT 1 FROM orders"), noise_result(3, 1))
    cache.put(key(sql="SELECT * FROM orders JOIN customers", tables=("orders", "customers")), noise_result(3, 2))
    cache.put(key(sql="SELECT 1 FROM customers", tables=("customers",)), noise_result(3, 3))

    assert cache.invalidate("Orders") == 2

    assert cache.get(key(sql="SELECT 1 FROM orders")) is None
    assert cache.get(key(sql="SELECT * FROM orders JOIN customers", tables=("orders", "customers"))) is None
    assert cache.get(key(sql="SELECT 1 FROM customers", tables=("customers",))) is not None
    assert cache.invalidate("orders") == 0
    assert cache.stats().entries == 1


def test_clear_drops_entries_and_keeps_counters(make_cache: MakeCache) -> None:
    cache = make_cache()
    for version in (1, 2, 3):
        cache.put(key(version), noise_result(3, version))
    assert cache.get(key(1)) is not None

    assert cache.clear() == 3

    assert cache.get(key(2)) is None
    stats = cache.stats()
    assert (stats.entries, stats.bytes) == (0, 0)
    assert (stats.hits, stats.puts) == (1, 3)


def test_entries_expire_after_the_ttl(make_cache: MakeCache, let_expire: Callable[[float], None]) -> None:
    cache = make_cache(ttl_s=1)
    cache.put(key(), noise_result(3))
    assert cache.get(key()) is not None

    let_expire(1.2)

    assert cache.get(key()) is None
    assert cache.stats().entries == 0


def test_least_recently_used_entries_are_evicted_to_stay_within_max_bytes(make_cache: MakeCache) -> None:
    entry_bytes = len(serialize_result(noise_result(50)))
    cache = make_cache(max_bytes=int(entry_bytes * 3.5), max_entry_bytes=entry_bytes * 2)
    for version in (1, 2, 3):
        assert cache.put(key(version), noise_result(50, version))
    assert cache.get(key(1)) is not None  # 1 is now the most recently used

    assert cache.put(key(4), noise_result(50, 4))

    assert cache.get(key(2)) is None
    assert all(cache.get(key(v)) is not None for v in (1, 3, 4))
    stats = cache.stats()
    assert stats.evictions == 1
    assert stats.entries == 3
    assert stats.bytes is not None and stats.bytes <= int(entry_bytes * 3.5)


def test_a_result_over_the_entry_cap_is_not_cached(make_cache: MakeCache) -> None:
    small = noise_result(5)
    cache = make_cache(max_entry_bytes=len(serialize_result(small)) + 10)
    assert cache.put(key(1), small) is True

    assert cache.put(key(2), noise_result(500)) is False

    assert cache.get(key(2)) is None
    stats = cache.stats()
    assert stats.rejected_too_large == 1
    assert stats.entries == 1


def test_admission_stores_a_result_from_its_nth_offer(make_cache: MakeCache) -> None:
    cache = make_cache(admit_after=3)
    result = noise_result(3)

    assert [cache.put(key(), result) for _ in range(3)] == [False, False, True]

    assert cache.get(key()) is not None
    assert cache.stats().not_admitted == 2


def test_admission_counts_runs_through_get_or_compute(make_cache: MakeCache) -> None:
    cache = make_cache(admit_after=2)
    runs = []

    def compute() -> CachedResult:
        runs.append(1)
        return noise_result(3)

    hits = [cache.get_or_compute(key(), compute)[1] for _ in range(3)]

    assert hits == [False, False, True]
    assert len(runs) == 2


def test_concurrent_identical_queries_compute_once(make_cache: MakeCache) -> None:
    cache = make_cache()
    calls = []
    start = threading.Barrier(8)

    def compute() -> CachedResult:
        calls.append(threading.get_ident())
        time.sleep(0.3)  # long enough for every caller to arrive while it runs
        return noise_result(10)

    def caller(_: int) -> tuple[CachedResult, bool]:
        start.wait()
        return cache.get_or_compute(key(), compute)

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(caller, range(8)))

    assert len(calls) == 1
    assert [hit for _, hit in outcomes].count(False) == 1
    assert all(result.table.equals(outcomes[0][0].table) for result, _ in outcomes)
    stats = cache.stats()
    assert stats.puts == 1
    assert stats.misses == 1
    assert stats.coalesced + stats.hits == 7


def test_concurrent_callers_share_the_leaders_error(make_cache: MakeCache) -> None:
    cache = make_cache()
    calls = []
    start = threading.Barrier(4)

    def compute() -> CachedResult:
        calls.append(1)
        time.sleep(0.5)  # every caller arrives while it runs, even on a busy machine
        raise QueryExecutionError("division by zero")

    def caller(_: int) -> str:
        start.wait()
        try:
            cache.get_or_compute(key(), compute)
        except QueryExecutionError as e:
            return str(e)
        return "no error"

    with ThreadPoolExecutor(4) as pool:
        messages = list(pool.map(caller, range(4)))

    assert messages == ["division by zero"] * 4
    assert len(calls) == 1
    assert cache.get(key()) is None


def test_a_cancelled_leader_lets_a_waiter_compute(make_cache: MakeCache) -> None:
    cache = make_cache()
    calls = []
    start = threading.Barrier(3)

    def compute() -> CachedResult:
        calls.append(1)
        time.sleep(0.3)
        if len(calls) == 1:
            raise QueryCancelledError("cancelled by its caller")
        return noise_result(3)

    def caller(_: int) -> str:
        start.wait()
        try:
            cache.get_or_compute(key(), compute)
        except QueryCancelledError:
            return "cancelled"
        return "answered"

    with ThreadPoolExecutor(3) as pool:
        outcomes = sorted(pool.map(caller, range(3)))

    assert outcomes == ["answered", "answered", "cancelled"]
    assert len(calls) == 2


def test_get_or_compute_serves_a_hit_without_computing(make_cache: MakeCache) -> None:
    cache = make_cache()
    cache.put(key(), noise_result(3))

    def compute() -> CachedResult:
        raise AssertionError("a hit must not compute")

    result, hit = cache.get_or_compute(key(), compute)

    assert hit is True
    assert result.table.num_rows == 3


def test_stats_count_hits_misses_puts_and_size(make_cache: MakeCache) -> None:
    cache = make_cache()
    result = noise_result(20)
    cache.put(key(1), result)
    cache.get(key(1))
    cache.get(key(1))
    cache.get(key(2))

    stats = cache.stats()

    assert (stats.hits, stats.misses, stats.puts, stats.errors) == (2, 1, 1, 0)
    assert stats.entries == 1
    assert stats.bytes == len(serialize_result(result))
    assert stats.hit_rate == pytest.approx(2 / 3)
    assert stats.available is True
    assert stats.to_dict()["hit_rate"] == 0.6667


def test_a_disabled_cache_stores_nothing_and_always_computes(make_cache: MakeCache) -> None:
    cache: QueryCache = make_cache(enabled=False)
    runs = []

    def compute() -> CachedResult:
        runs.append(1)
        return noise_result(3)

    assert cache.put(key(), noise_result(3)) is False
    assert [cache.get_or_compute(key(), compute)[1] for _ in range(2)] == [False, False]
    assert cache.get(key()) is None
    assert len(runs) == 2
