"""The engine's ResultCache hook served by QueryCache: QueryResult in, the same QueryResult out."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pyarrow as pa

from neurolake.cache import EngineResultCache
from neurolake.config import Settings
from neurolake.engine import NeuroLakeEngine
from neurolake.engine.result import QueryMetrics, QueryResult
from neurolake.platform import NeuroLake
from tests.cache.conftest import MakeCache


def engine_result() -> QueryResult:
    table = pa.table(
        {
            "day": pa.array([date(2024, 1, 1), None], pa.date32()),
            "total": pa.array([Decimal("10.50"), Decimal("-1.25")], pa.decimal128(12, 2)),
        }
    )
    metrics = QueryMetrics("q-1", "duckdb", 2, table.nbytes, 12.5, {"orders": [3]})
    return QueryResult(
        table=table, sql="SELECT day, total FROM orders", metrics=metrics, truncated=True, page=2, page_size=50
    )


def test_a_stored_engine_result_comes_back_equal_and_is_filed_under_its_tables(make_cache: MakeCache) -> None:
    hook = EngineResultCache(make_cache())
    result = engine_result()

    hook.put("k1", result)
    got = hook.get("k1")

    assert got is not None
    assert got.table.equals(result.table)
    assert (got.sql, got.truncated, got.page, got.page_size) == (result.sql, True, 2, 50)
    assert got.metrics == result.metrics
    assert hook.cache.invalidate("orders") == 1
    assert hook.get("k1") is None


def test_get_or_compute_runs_an_engine_query_once_for_concurrent_callers(make_cache: MakeCache) -> None:
    hook = EngineResultCache(make_cache())
    calls = []
    start = threading.Barrier(4)

    def compute() -> QueryResult:
        calls.append(1)
        time.sleep(0.3)
        return engine_result()

    def caller(_: int) -> tuple[QueryResult, bool]:
        start.wait()
        return hook.get_or_compute("k2", compute)

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(caller, range(4)))

    assert len(calls) == 1
    assert [hit for _, hit in outcomes].count(False) == 1
    assert all(r.metrics == engine_result().metrics for r, _ in outcomes)
    assert hook.cache.invalidate("orders") == 1


def test_the_engine_answers_a_repeated_query_from_the_cache_until_a_write(
    settings: Settings, platform: NeuroLake, make_cache: MakeCache
) -> None:
    cache = make_cache()
    engine = NeuroLakeEngine.from_settings(
        settings, catalog=platform.catalog, storage=platform.storage, cache=EngineResultCache(cache)
    )
    amounts = pa.array([Decimal("1.50"), Decimal("2.25")], pa.decimal128(10, 2))
    platform.storage.write_table(pa.table({"region": ["eu", "us"], "amount": amounts}), "orders")
    sql = "SELECT region, sum(amount) AS total FROM orders GROUP BY region ORDER BY region"
    try:
        first, second = engine.execute_sql(sql), engine.execute_sql(sql)
        platform.storage.write_table(pa.table({"region": ["eu"], "amount": amounts[:1]}), "orders")
        after_write = engine.execute_sql(sql)
    finally:
        engine.close()

    assert (first.metrics.cache_hit, second.metrics.cache_hit, after_write.metrics.cache_hit) == (False, True, False)
    assert second.table.equals(first.table)
    assert after_write.rows == [("eu", Decimal("3.00")), ("us", Decimal("2.25"))]
    assert cache.stats().hits == 1
