"""Cache hit against running the query: p50 latencies and ratios, memory and Redis backends.

A hit is ``QueryCache.get`` (fetch + decompress + Arrow IPC decode); the uncached run is the
same SQL on raw DuckDB in this process, over TPC-H ``lineitem`` Parquet made by tpchgen-cli
(or a synthetic table of the same shape when tpchgen-cli is missing). Nothing is asserted:
this prints figures.

    .venv/bin/python bench/cache.py [--scale 0.1] [--repeat 30] [--redis redis://127.0.0.1:6379/15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa
import redis

from neurolake.cache import CachedResult, CacheKey, MemoryCacheBackend, QueryCache, RedisCacheBackend, serialize_result

TPCH_Q1 = """
SELECT l_returnflag, l_linestatus, sum(l_quantity) AS sum_qty, sum(l_extendedprice) AS sum_base_price,
       sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
       sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
       avg(l_quantity) AS avg_qty, avg(l_extendedprice) AS avg_price, avg(l_discount) AS avg_disc,
       count(*) AS count_order
FROM lineitem WHERE l_shipdate <= DATE '1998-12-01' - INTERVAL 90 DAY
GROUP BY l_returnflag, l_linestatus ORDER BY l_returnflag, l_linestatus
"""
ROWS_SQL = """
SELECT l_orderkey, l_linenumber, l_partkey, l_quantity, l_extendedprice, l_discount, l_shipdate,
       l_shipmode, l_comment
FROM lineitem ORDER BY l_orderkey, l_linenumber LIMIT {rows}
"""
MiB = 1024 * 1024


def p50_ms(action: Callable[[], object], repeat: int) -> float:
    action()  # warm-up: first-call costs are not what a hit path pays
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000


def arrow_of(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The uncached run: raw DuckDB, Arrow out."""
    relation = con.sql(sql)
    assert relation is not None
    return relation.to_arrow_table()


def lineitem(con: duckdb.DuckDBPyConnection, scale: float, folder: Path) -> str:
    """Make ``lineitem`` a view over TPC-H Parquet; returns where the data came from."""
    binary = shutil.which("tpchgen-cli") or str(Path(sys.executable).with_name("tpchgen-cli"))
    if Path(binary).exists():
        subprocess.run(
            [binary, "parquet", "-s", str(scale), "--tables", "lineitem", "--output-dir", str(folder)],
            check=True,
            capture_output=True,
        )
        con.execute(f"CREATE VIEW lineitem AS SELECT * FROM read_parquet('{folder / 'lineitem.parquet'}')")
        return f"TPC-H lineitem SF {scale} (tpchgen-cli Parquet)"
    rows = int(6_000_000 * scale)
    con.execute(
        f"""CREATE TABLE lineitem AS SELECT i // 4 AS l_orderkey, i % 4 + 1 AS l_linenumber,
        (i * 7919) % 200000 AS l_partkey, (i % 50 + 1)::DECIMAL(15,2) AS l_quantity,
        (i % 100000 / 3.0)::DECIMAL(15,2) AS l_extendedprice, (i % 11 / 100)::DECIMAL(15,2) AS l_discount,
        (i % 10 / 100)::DECIMAL(15,2) AS l_tax, ['A','N','R'][i % 3 + 1] AS l_returnflag,
        ['F','O'][i % 2 + 1] AS l_linestatus, DATE '1992-01-01' + (i % 2500)::INT AS l_shipdate,
        ['AIR','MAIL','SHIP','TRUCK'][i % 4 + 1] AS l_shipmode, md5(i::VARCHAR) AS l_comment
        FROM range({rows}) r(i)"""
    )
    return f"synthetic lineitem, {rows} rows (tpchgen-cli not found)"


def caches(redis_url: str | None) -> list[QueryCache]:
    """The memory cache, and the Redis one when a server answers at ``redis_url``."""
    found = [QueryCache(MemoryCacheBackend(max_bytes=1024 * MiB, ttl_s=3600), max_entry_bytes=256 * MiB)]
    if redis_url:
        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=0.5).ping()
        except redis.RedisError as e:
            print(f"Redis at {redis_url} is not reachable ({e}); memory backend only.")
        else:
            prefix = f"neurolake:bench:{uuid.uuid4().hex[:8]}"
            backend = RedisCacheBackend.from_url(redis_url, prefix=prefix, ttl_s=600, max_bytes=1024 * MiB, timeout_s=5)
            found.append(QueryCache(backend, max_entry_bytes=256 * MiB))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1, help="TPC-H scale factor (0.1 = 600k lineitem rows)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per measurement")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15", help="Redis URL, or '' to skip Redis")
    args = parser.parse_args()

    con = duckdb.connect()
    with tempfile.TemporaryDirectory() as folder:
        source = lineitem(con, args.scale, Path(folder))
        workloads = [("TPC-H Q1", TPCH_Q1)] + [
            (f"{n:,} rows", ROWS_SQL.format(rows=n)) for n in (1_000, 10_000, 100_000)
        ]
        targets = caches(args.redis)
        print(f"data: {source}; p50 of {args.repeat} runs; ratio = uncached / hit (higher is better)\n")
        header = f"{'query':<14}{'rows':>8}{'entry KiB':>11}{'duckdb ms':>11}"
        for cache in targets:
            header += f"{cache.backend.name + ' hit ms':>17}{'ratio':>9}"
        print(header)
        for name, sql in workloads:
            run = partial(arrow_of, con, sql)
            table = run()
            uncached = p50_ms(run, args.repeat)
            key = CacheKey.build(sql, table_versions={"lineitem": 0})
            entry = len(serialize_result(CachedResult(table)))
            line = f"{name:<14}{table.num_rows:>8,}{entry / 1024:>11,.1f}{uncached:>11.3f}"
            for cache in targets:
                cache.put(key, CachedResult(table))
                hit = p50_ms(partial(cache.get, key), args.repeat)
                line += f"{hit:>17.3f}{uncached / hit:>8.1f}x"
            print(line)
        for cache in targets:
            cache.clear()
            if isinstance(cache.backend, RedisCacheBackend):
                cache.backend.client.delete(f"{cache.backend.prefix}:stats")
            cache.close()


if __name__ == "__main__":
    main()
