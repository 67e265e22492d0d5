"""The result cache inside the engine: version-aware hits, stampede protection, bypass, Redis.

Executions are counted by a real DuckDB backend that counts the jobs it runs (and can take
its time, so concurrent callers really overlap).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import redis
from typer.testing import CliRunner

from neurolake.cache import MemoryCacheBackend, QueryCache, RedisCacheBackend
from neurolake.catalog.repositories import users as users_repo
from neurolake.cli import app
from neurolake.cli.context import state
from neurolake.config import load_settings
from neurolake.engine import NeuroLakeEngine, QueryResult
from neurolake.engine.base import BackendJob
from neurolake.engine.duckdb import DuckDBBackend
from neurolake.engine.snapshots import root_spellings
from tests.cache.conftest import delete_namespace

from .conftest import Lake, build_lake

# Decimals, dates, timestamps, NULLs and 64-bit integers: types a cache must not bend.
TYPED = (
    "SELECT o.id, o.amount, o.ordered_at, c.signup, c.country, o.amount * 2 AS doubled "
    "FROM orders o LEFT JOIN customers c ON c.id = o.customer_id ORDER BY o.id"
)


class CountingBackend(DuckDBBackend):
    """DuckDB that counts the jobs it runs and can hold each one for ``delay_s``."""

    def __init__(self, *, delay_s: float = 0.0, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.delay_s = delay_s
        self.jobs: list[str] = []
        self._count_lock = threading.Lock()

    def execute(self, job: BackendJob) -> pa.Table:
        with self._count_lock:
            self.jobs.append(job.sql)
        time.sleep(self.delay_s)
        return super().execute(job)

    @property
    def executions(self) -> int:
        return len(self.jobs)


@dataclass
class CachedLake:
    lake: Lake
    engine: NeuroLakeEngine
    backend: CountingBackend
    cache: QueryCache


def cached_engine(lake: Lake, cache: QueryCache, *, delay_s: float = 0.0) -> tuple[NeuroLakeEngine, CountingBackend]:
    backend = CountingBackend(
        delay_s=delay_s, allowed_directories=root_spellings(lake.storage.root), memory_limit="512m", threads=2
    )
    return NeuroLakeEngine(lake.catalog, lake.storage, backend=backend, cache=cache), backend


def memory_cache(*, enabled: bool = True) -> QueryCache:
    return QueryCache(MemoryCacheBackend(max_bytes=10_000_000, ttl_s=600), max_entry_bytes=1_000_000, enabled=enabled)


@pytest.fixture
def cached(tmp_path: Path) -> Iterator[CachedLake]:
    """A fresh lake and an engine over it with an in-process cache (DuckDB only: the cache
    sits above the backend, and the executions are counted by a DuckDB subclass)."""
    lake = build_lake(tmp_path, "duckdb")
    cache = memory_cache()
    engine, backend = cached_engine(lake, cache)
    yield CachedLake(lake, engine, backend, cache)
    engine.close()
    lake.engine.close()
    cache.close()
    lake.catalog.dispose()


def test_a_repeated_query_is_a_hit_with_identical_rows_and_types(cached: CachedLake) -> None:
    engine = cached.engine

    first = engine.execute_sql(TYPED)
    second = engine.execute_sql(TYPED)
    respelled = engine.execute_sql(TYPED.replace(" FROM ", "\n  from ") + "  -- same query")

    assert (first.metrics.cache_hit, second.metrics.cache_hit, respelled.metrics.cache_hit) == (False, True, True)
    assert cached.backend.executions == 1
    assert second.table.equals(first.table) and second.table.schema.equals(first.table.schema)
    assert second.column_types == ["BIGINT", "DECIMAL(10,2)", "TIMESTAMP", "DATE", "VARCHAR", "DECIMAL(18,2)"]
    assert second.rows == first.rows and second.rows[5][1:3] == (Decimal("1.00"), first.rows[5][2])
    assert second.metrics.query_id != first.metrics.query_id and second.sql == TYPED
    assert second.metrics.tables_read == first.metrics.tables_read == {"orders": [2], "customers": [0]}
    assert second.metrics.rules_applied == first.metrics.rules_applied
    assert second.to_dict()["rows"] == first.to_dict()["rows"]
    assert [q.cache_hit for q in engine.history(limit=3)] == [True, True, False]
    assert cached.cache.stats().hits == 2


def test_the_case_of_a_result_column_is_part_of_the_key(cached: CachedLake) -> None:
    upper = cached.engine.execute_sql("SELECT count(*) AS Total FROM orders")
    lower = cached.engine.execute_sql("SELECT count(*) AS total FROM orders")

    assert (upper.columns, lower.columns) == (["Total"], ["total"])
    assert lower.metrics.cache_hit is False


def test_parameters_row_window_and_role_are_part_of_the_key(cached: CachedLake) -> None:
    engine = cached.engine
    sql = "SELECT id FROM orders WHERE amount > $min ORDER BY id"
    with cached.lake.catalog.session() as session:
        analyst, _ = users_repo.create_user(session, "ana", role="analyst")
        admin, _ = users_repo.create_user(session, "root", role="admin")

    runs = [
        engine.execute_sql(sql, {"min": 10}),
        engine.execute_sql(sql, {"min": 10}),
        engine.execute_sql(sql, {"min": Decimal("10")}),
        engine.execute_sql(sql, {"min": 100}),
        engine.execute_sql(sql, {"min": 10}, limit=2),
        engine.execute_sql(sql, {"min": 10}, page=2, page_size=2),
        engine.execute_sql(sql, {"min": 10}, page=2, page_size=2),
        engine.execute_sql(sql, {"min": 10}, user=analyst),
        engine.execute_sql(sql, {"min": 10}, user=admin),
        engine.execute_sql(sql, {"min": 10}, user=analyst),
    ]

    assert [r.metrics.cache_hit for r in runs] == [False, True, False, False, False, False, True, False, False, True]
    assert cached.backend.executions == 7
    assert [r[0] for r in runs[5].rows] == [4, 5] and runs[5].page == 2 and not runs[5].truncated
    assert [r[0] for r in runs[4].rows] == [1, 2] and runs[4].page is None and runs[4].truncated


def _new_order(order_id: int) -> pa.Table:
    return pa.table(
        {
            "id": pa.array([order_id], pa.int64()),
            "customer_id": pa.array([2], pa.int64()),
            "amount": pa.array([Decimal("9.99")], pa.decimal128(10, 2)),
            "status": ["open"],
            "ordered_at": pa.array([None], pa.timestamp("us")),
        }
    )


def test_a_write_makes_the_next_run_a_miss(cached: CachedLake) -> None:
    engine = cached.engine
    sql = "SELECT count(*) AS n, sum(amount) AS total FROM orders"

    before = engine.execute_sql(sql)
    again = engine.execute_sql(sql)
    cached.lake.storage.write_table(_new_order(7), "orders")
    after = engine.execute_sql(sql)

    assert (before.metrics.cache_hit, again.metrics.cache_hit, after.metrics.cache_hit) == (False, True, False)
    assert before.rows == [(6, Decimal("533.75"))] and after.rows == [(7, Decimal("543.74"))]
    assert after.metrics.tables_read == {"orders": [3]}
    assert cached.backend.executions == 2


def test_a_recreated_table_never_meets_its_predecessors_results(cached: CachedLake) -> None:
    storage, engine = cached.lake.storage, cached.engine
    sql = "SELECT sum(x) AS total FROM scratch"
    storage.write_table(pa.table({"x": pa.array([1, 2], pa.int64())}), "scratch")
    before = engine.execute_sql(sql)
    storage.drop_table("scratch")
    storage.write_table(pa.table({"x": pa.array([40, 2], pa.int64())}), "scratch")  # version 0 again

    after = engine.execute_sql(sql)

    assert before.metrics.tables_read == after.metrics.tables_read == {"scratch": [0]}
    assert before.rows == [(3,)] and after.rows == [(42,)] and after.metrics.cache_hit is False


def test_writes_through_the_engine_drop_the_table_entries_at_once(cached: CachedLake) -> None:
    engine = cached.engine
    engine.execute_sql("SELECT count(*) FROM orders")
    engine.execute_sql("SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id")
    engine.execute_sql("SELECT count(*) FROM customers")
    entries_before = cached.cache.stats().entries

    engine.execute_sql("INSERT INTO orders SELECT * FROM orders WHERE id = 1", allow_write=True)

    assert entries_before == 3
    assert cached.cache.stats().entries == 1  # only the customers-only result is left
    assert engine.execute_sql("SELECT count(*) FROM customers").metrics.cache_hit is True
    assert engine.execute_sql("SELECT count(*) FROM orders").rows == [(7,)]


def test_eight_concurrent_identical_queries_run_the_backend_once(tmp_path: Path) -> None:
    lake = build_lake(tmp_path, "duckdb")
    cache = memory_cache()
    engine, backend = cached_engine(lake, cache, delay_s=0.5)
    start = threading.Barrier(8)

    def ask(_: int) -> QueryResult:
        start.wait()
        return engine.execute_sql(TYPED)

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(ask, range(8)))
        history = engine.history(limit=8)
    finally:
        engine.close()
        lake.engine.close()
        cache.close()
        lake.catalog.dispose()

    assert backend.executions == 1
    assert [r.metrics.cache_hit for r in results].count(False) == 1
    assert all(r.table.equals(results[0].table) for r in results)
    assert len({r.metrics.query_id for r in results}) == 8
    assert sorted(q.cache_hit for q in history) == [False] + [True] * 7
    assert cache.stats().coalesced == 7


def test_use_cache_false_neither_reads_nor_stores(cached: CachedLake) -> None:
    engine = cached.engine
    engine.execute_sql(TYPED)

    bypassed = engine.execute_sql(TYPED, use_cache=False)
    uncached = engine.execute_sql("SELECT count(*) FROM products", use_cache=False)
    stats = cached.cache.stats()

    assert bypassed.metrics.cache_hit is False and uncached.metrics.cache_hit is False
    assert cached.backend.executions == 3
    assert (stats.hits, stats.entries) == (0, 1)
    assert engine.execute_sql("SELECT count(*) FROM products").metrics.cache_hit is False


def test_a_disabled_cache_runs_every_query(tmp_path: Path) -> None:
    lake = build_lake(tmp_path, "duckdb")
    settings = load_settings(home=tmp_path / "home", cache={"enabled": False})
    cache = QueryCache.from_settings(settings)
    engine, backend = cached_engine(lake, cache)
    try:
        results = [engine.execute_sql(TYPED) for _ in range(3)]
    finally:
        engine.close()
        lake.engine.close()
        cache.close()
        lake.catalog.dispose()

    assert backend.executions == 3 and not any(r.metrics.cache_hit for r in results)


def test_the_optimizer_rewrite_is_what_gets_cached(cached: CachedLake) -> None:
    engine = cached.engine
    sql = "SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id WHERE 1 = 1 ORDER BY o.id"

    optimized = engine.execute_sql(sql)
    hit = engine.execute_sql(sql)
    unoptimized = engine.execute_sql(sql, optimize=False)

    assert "join_reordering" in optimized.metrics.rules_applied
    assert hit.metrics.cache_hit and hit.metrics.rules_applied == optimized.metrics.rules_applied
    # The key is the SQL that runs: as written it is another query, stored apart (same rows).
    assert unoptimized.metrics.cache_hit is False and unoptimized.rows == optimized.rows
    assert "1 = 1" not in cached.backend.jobs[0] and "1 = 1" in cached.backend.jobs[1]


@pytest.mark.redis
def test_two_engines_share_results_through_redis(tmp_path: Path, redis_url: str) -> None:
    lake = build_lake(tmp_path, "duckdb")
    prefix = f"neurolake:test:{uuid.uuid4().hex[:12]}"
    # Two caches and two engines share nothing in-process, as two server processes would not.
    caches = [
        QueryCache(
            RedisCacheBackend.from_url(redis_url, prefix=prefix, ttl_s=60, max_bytes=10_000_000),
            max_entry_bytes=1_000_000,
        )
        for _ in range(2)
    ]
    (one, one_backend), (two, two_backend) = (cached_engine(lake, cache) for cache in caches)
    client = redis.Redis.from_url(redis_url)
    try:
        first = one.execute_sql(TYPED)
        from_other_process = two.execute_sql(TYPED)
        lake.storage.write_table(_new_order(7), "orders")
        after_write = two.execute_sql(TYPED)
        entry_keys = list(client.scan_iter(match=f"{prefix}:entry:*"))
        two.execute_sql("DELETE FROM orders WHERE id = 7", allow_write=True)
        left_after_delete = list(client.scan_iter(match=f"{prefix}:entry:*"))
    finally:
        for engine in (one, two, lake.engine):
            engine.close()
        for cache in caches:
            cache.close()
        delete_namespace(client, prefix)
        client.close()
        lake.catalog.dispose()

    assert (first.metrics.cache_hit, from_other_process.metrics.cache_hit, after_write.metrics.cache_hit) == (
        False,
        True,
        False,
    )
    assert from_other_process.table.equals(first.table)
    assert from_other_process.table.schema.equals(first.table.schema)
    assert (one_backend.executions, two_backend.executions) == (1, 1)
    assert len(after_write.rows) == 7
    assert len(entry_keys) == 2 and left_after_delete == []


@pytest.fixture
def numbers_home(cli_home: Path) -> Path:
    state.platform.storage.write_table(pa.table({"id": pa.array([1, 2, 3], pa.int64())}), "numbers")
    return cli_home


def test_the_sql_command_uses_the_platform_cache_unless_told_not_to(numbers_home: Path) -> None:
    runner = CliRunner()
    sql = "SELECT sum(id) AS total FROM numbers"

    def run(*flags: str) -> dict[str, object]:
        result = runner.invoke(app, ["sql", sql, "-f", "json", *flags])
        assert result.exit_code == 0, result.output
        metrics: dict[str, object] = json.loads(result.output)["metrics"]
        return metrics

    # One process (the CLI runner keeps the platform), so the in-process cache is shared.
    assert [run()["cache_hit"], run()["cache_hit"], run("--no-cache")["cache_hit"]] == [False, True, False]
    table = runner.invoke(app, ["sql", sql])
    stats = json.loads(runner.invoke(app, ["cache", "stats", "--json"]).output)

    assert "from the cache" in table.output
    assert (stats["hits"], stats["entries"]) == (2, 1)
