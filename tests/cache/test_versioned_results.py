"""End to end with real Delta tables: a write through the storage manager is never served stale."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from neurolake.cache import CachedResult, CacheKey, QueryCache
from neurolake.platform import NeuroLake
from tests.cache.conftest import MakeCache

SQL = "SELECT region, SUM(amount) AS total FROM orders GROUP BY region ORDER BY region"


def answer(platform: NeuroLake, cache: QueryCache, sql: str = SQL) -> tuple[list[dict[str, object]], bool]:
    """What the engine does: pin the version, build the key, then hit or run on DuckDB."""
    version = platform.storage.current_version("orders")
    key = CacheKey.build(sql, None, 100, None, "analyst", {"orders": version})

    def run() -> CachedResult:
        snapshot = platform.storage.read_table("orders", version=version)
        con = duckdb.connect()
        con.register("orders", snapshot)
        return CachedResult(con.sql(sql).to_arrow_table(), {"versions": {"orders": version}})

    result, hit = cache.get_or_compute(key, run)
    return result.table.to_pylist(), hit


def test_repeated_queries_hit_until_a_write_changes_the_version(platform: NeuroLake, make_cache: MakeCache) -> None:
    cache = make_cache()
    platform.storage.write_table(pa.table({"region": ["eu", "us"], "amount": [10, 20]}), "orders")

    first, first_hit = answer(platform, cache)
    again, again_hit = answer(platform, cache)
    platform.storage.write_table(pa.table({"region": ["eu"], "amount": [5]}), "orders")
    after_write, after_write_hit = answer(platform, cache)

    assert (first_hit, again_hit, after_write_hit) == (False, True, False)
    assert first == again == [{"region": "eu", "total": 10}, {"region": "us", "total": 20}]
    assert after_write == [{"region": "eu", "total": 15}, {"region": "us", "total": 20}]
    assert cache.invalidate("orders") == 2
    assert answer(platform, cache)[1] is False
