"""TPC-H through NeuroLakeEngine against raw DuckDB over the same Parquet files, in one process.

    .venv/bin/python bench/tpch.py --scale 1            # the reference run (SF1)
    .venv/bin/python bench/tpch.py --scale 0.1 --runs 2 # a quick check
    .venv/bin/python bench/tpch.py --queries 9,18 --profile

1. ``tpchgen-cli`` writes the TPC-H tables as Parquet under ``.bench-data/tpch/sf<scale>/``
   (generated once, then reused; the folder is git-ignored).
2. They are loaded into Delta tables through ``DeltaStorageManager`` (also once).
3. Each of the 22 queries runs, alternately, on raw DuckDB (``read_parquet`` over the same
   files as the Delta snapshot, plain options) and through ``execute_sql`` with the result
   cache off: "cold" re-parses the SQL each run (as a new question would), "warm" reuses
   the prepared statement (as a repeated or parameterized query does).
4. Results must be equal; the best of ``--runs`` timings is kept; per-query and total
   ratios (engine / raw) are printed. The goal is a total of at most 1.10x.

``--backend spark`` instead runs each query through the engine on Spark (local mode by default,
``--spark-master``) and on DuckDB, interleaved in the same run, and prints Spark / DuckDB
ratios; numbers are compared to within a millionth (Spark rounds decimal averages to 6
places where DuckDB returns doubles):

    .venv/bin/python bench/tpch.py --backend spark --scale 0.1 --runs 2
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

from neurolake.catalog import Catalog
from neurolake.config import load_settings
from neurolake.engine import NeuroLakeEngine
from neurolake.engine.snapshots import SnapshotResolver
from neurolake.storage import DeltaStorageManager

ROOT = Path(__file__).resolve().parents[1]
QUERIES = Path(__file__).resolve().parent / "tpch_queries"
TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
ROW_CAP = 10_000_000  # every TPC-H answer fits; the window is still pushed down as in production


def generate(scale: float, folder: Path) -> Path:
    """The TPC-H Parquet files for ``scale``, generated with tpchgen-cli when missing."""
    parquet = folder / "parquet"
    done = parquet / ".complete"
    if done.exists():
        return parquet
    parquet.mkdir(parents=True, exist_ok=True)
    tool = Path(sys.executable).with_name("tpchgen-cli")
    print(f"generating TPC-H SF{scale:g} with {tool.name} ...", flush=True)
    subprocess.run([str(tool), "parquet", "-s", f"{scale:g}", "-o", str(parquet), "--overwrite"], check=True)
    done.touch()
    return parquet


def _plain_strings(schema: pa.Schema) -> pa.Schema:
    # Delta has no string_view type; tpchgen writes it.
    return pa.schema(
        [f.with_type(pa.string()) if pa.types.is_string_view(f.type) else f for f in schema], metadata=None
    )


def load(parquet: Path, lake: Path) -> tuple[Catalog, DeltaStorageManager]:
    """Delta tables for every TPC-H table (loaded once, through the storage manager)."""
    catalog = Catalog(f"sqlite:///{lake / 'catalog.db'}")
    storage = DeltaStorageManager(str(lake / "lakehouse"), catalog)
    for name in TABLES:
        if storage.exists(name):
            continue
        source = ds.dataset(parquet / f"{name}.parquet")
        schema = _plain_strings(source.schema)

        def batches(source: ds.Dataset = source, schema: pa.Schema = schema) -> Iterator[pa.RecordBatch]:
            for batch in source.to_batches(batch_size=1 << 20):
                yield pa.Table.from_batches([batch]).cast(schema).to_batches()[0]

        started = time.perf_counter()
        storage.write_table(pa.RecordBatchReader.from_batches(schema, batches()), name)
        print(f"loaded {name} into Delta in {time.perf_counter() - started:.1f} s", flush=True)
    return catalog, storage


def raw_duckdb(storage: DeltaStorageManager, memory_limit: str) -> duckdb.DuckDBPyConnection:
    """A plain DuckDB with one view per table over the current snapshot's Parquet files."""
    con = duckdb.connect(config={"memory_limit": memory_limit})
    con.execute("SET enable_progress_bar = false")
    resolver = SnapshotResolver(storage)
    for name in TABLES:
        files = ", ".join(f"'{f}'" for f in resolver.pin(name).file_uris)
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet([{files}])")
    return con


def _normal(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.10g}") if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _number(value: Any) -> bool:
    return isinstance(value, float | Decimal)


def _close(a: Any, b: Any, tolerance: float) -> bool:
    if _number(a) and _number(b):
        return math.isclose(float(a), float(b), rel_tol=tolerance, abs_tol=tolerance)
    return bool(a == b)


def same_rows(a: pa.Table, b: pa.Table, *, tolerance: float | None = None) -> bool:
    """Equal results, ignoring the order of tied rows and float noise past 10 digits.

    ``tolerance`` compares floats and decimals as numbers equal within that relative (or
    absolute) difference: for results of different engines, where an average may be a
    rounded decimal on one side and a double on the other.
    """
    if a.num_columns != b.num_columns or a.num_rows != b.num_rows:
        return False
    if tolerance is None:
        rows_a = sorted((tuple(_normal(v) for v in r.values()) for r in a.to_pylist()), key=repr)
        rows_b = sorted((tuple(_normal(v) for v in r.values()) for r in b.to_pylist()), key=repr)
        return rows_a == rows_b

    def rough(row: dict[str, Any]) -> str:  # sort key that both sides' numbers agree on
        return repr(tuple(f"{float(v):.3g}" if _number(v) else v for v in row.values()))

    rows_a, rows_b = (sorted(t.to_pylist(), key=rough) for t in (a, b))
    return all(
        _close(x, y, tolerance)
        for row_a, row_b in zip(rows_a, rows_b, strict=True)
        for x, y in zip(row_a.values(), row_b.values(), strict=True)
    )


class Timings:
    """Best-of timings per side, runs interleaved so load from elsewhere hits every side alike."""

    def __init__(self) -> None:
        self.best: dict[str, float] = {}
        self.results: dict[str, pa.Table] = {}

    def run(self, side: str, action: Callable[[], pa.Table]) -> None:
        started = time.perf_counter()
        self.results[side] = action()
        elapsed = (time.perf_counter() - started) * 1000
        self.best[side] = min(self.best.get(side, math.inf), elapsed)


class BackendClock:
    """Time spent inside the backend, so the engine's own overhead can be told apart from noise."""

    def __init__(self, engine: NeuroLakeEngine) -> None:
        self.spent_ms = 0.0
        execute = engine.backend.execute

        def timed(job: Any) -> pa.Table:
            started = time.perf_counter()
            try:
                return execute(job)
            finally:
                self.spent_ms += (time.perf_counter() - started) * 1000

        engine.backend.execute = timed  # type: ignore[method-assign]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="TPC-H scale factor (default 1)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per query and side; the best counts")
    parser.add_argument("--queries", default="", help="comma-separated query numbers (default all 22)")
    parser.add_argument("--data", type=Path, default=ROOT / ".bench-data", help="cache folder (git-ignored)")
    parser.add_argument("--memory-limit", default="4g", help="DuckDB memory limit on both sides")
    parser.add_argument("--profile", action="store_true", help="profile the engine runs with pyinstrument")
    parser.add_argument(
        "--backend",
        choices=["duckdb", "spark"],
        default="duckdb",
        help="duckdb: the engine against raw DuckDB (default); spark: the engine on Spark against it on DuckDB",
    )
    parser.add_argument("--spark-master", default="local[2]", help="Spark master for --backend spark")
    parser.add_argument("--spark-driver-memory", default="4g", help="Spark driver memory for --backend spark")
    args = parser.parse_args(argv)

    folder = args.data / "tpch" / f"sf{args.scale:g}"
    catalog, storage = load(generate(args.scale, folder), folder)
    if args.backend == "spark":
        return spark_against_duckdb(args, catalog, storage, folder)
    settings = load_settings(home=folder / "home", engine={"memory_limit": args.memory_limit})
    engine = NeuroLakeEngine(catalog, storage, settings=settings)
    raw = raw_duckdb(storage, engine.backend.memory_limit)  # type: ignore[attr-defined]
    numbers = [int(q) for q in args.queries.split(",") if q] or list(range(1, 23))

    def through_engine(sql: str, cold: bool) -> pa.Table:
        if cold:
            engine._preparer.clear()  # a new question: parse, check and generate again
        return engine.execute_sql(sql, limit=ROW_CAP, use_cache=False).table

    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    clock = BackendClock(engine)
    print(f"\nTPC-H SF{args.scale:g}, best of {args.runs} interleaved runs, times in ms")
    print("overhead = engine time outside the backend (parse, checks, snapshots, SQL generation, result)")
    header = f"{'query':>5} {'raw':>9} {'cold':>9} {'warm':>9} {'cold/raw':>9} {'warm/raw':>9} {'overhead':>9}  rows"
    print(header)
    totals = {"raw": 0.0, "cold": 0.0, "warm": 0.0, "overhead": 0.0}
    failures = []
    for number in numbers:
        sql = (QUERIES / f"q{number:02d}.sql").read_text()
        raw.sql(sql).fetchall()  # warm the OS cache and DuckDB's metadata once per side
        through_engine(sql, cold=False)
        timings = Timings()
        overheads = []
        if profiler is not None:
            profiler.start()
        for _ in range(args.runs):
            timings.run("raw", lambda sql=sql: raw.sql(sql).to_arrow_table())
            clock.spent_ms = 0.0
            started = time.perf_counter()
            timings.run("cold", lambda sql=sql: through_engine(sql, cold=True))
            overheads.append((time.perf_counter() - started) * 1000 - clock.spent_ms)
            timings.run("warm", lambda sql=sql: through_engine(sql, cold=False))
        if profiler is not None:
            profiler.stop()
        expected = timings.results["raw"]
        ok = same_rows(expected, timings.results["cold"]) and same_rows(expected, timings.results["warm"])
        if not ok:
            failures.append(number)
        raw_ms, cold_ms, warm_ms, overhead = (*(timings.best[s] for s in ("raw", "cold", "warm")), min(overheads))
        for side, value in zip(totals, (raw_ms, cold_ms, warm_ms, overhead), strict=True):
            totals[side] += value
        print(
            f"Q{number:02d}  {raw_ms:9.1f} {cold_ms:9.1f} {warm_ms:9.1f} {cold_ms / raw_ms:8.3f}x "
            f"{warm_ms / raw_ms:8.3f}x {overhead:9.1f}  {expected.num_rows}{'' if ok else '  RESULTS DIFFER'}",
            flush=True,
        )
    print(
        f"total {totals['raw']:9.1f} {totals['cold']:9.1f} {totals['warm']:9.1f} "
        f"{totals['cold'] / totals['raw']:8.3f}x {totals['warm'] / totals['raw']:8.3f}x {totals['overhead']:9.1f}"
    )
    print(
        f"engine overhead outside DuckDB: {totals['overhead']:.1f} ms over {len(numbers)} queries "
        f"= {totals['overhead'] / totals['raw']:.2%} of raw DuckDB time"
    )
    print("results equal on every query" if not failures else f"RESULTS DIFFER on {failures}")
    if profiler is not None:
        print(profiler.output_text(unicode=True, color=False))
    engine.close()
    raw.close()
    catalog.dispose()
    return 1 if failures else 0


def _spark_engine(args: argparse.Namespace, catalog: Catalog, storage: DeltaStorageManager, folder: Path) -> Any:
    settings = load_settings(
        home=folder / "home",
        engine={"backend": "spark", "memory_limit": args.memory_limit},
        spark={"master": args.spark_master, "driver_memory": args.spark_driver_memory},
    )
    return NeuroLakeEngine.from_settings(settings, catalog=catalog, storage=storage)


def spark_against_duckdb(args: argparse.Namespace, catalog: Catalog, storage: DeltaStorageManager, folder: Path) -> int:
    """Each query through the engine on Spark and on DuckDB, interleaved; prints Spark / DuckDB."""
    settings = load_settings(home=folder / "home", engine={"memory_limit": args.memory_limit})
    duck = NeuroLakeEngine(catalog, storage, settings=settings)
    spark = _spark_engine(args, catalog, storage, folder)
    numbers = [int(q) for q in args.queries.split(",") if q] or list(range(1, 23))
    started = time.perf_counter()
    spark.execute_sql("SELECT 1", use_cache=False)
    print(f"Spark ({args.spark_master}) started in {time.perf_counter() - started:.1f} s")
    print(f"\nTPC-H SF{args.scale:g}, best of {args.runs} interleaved runs, times in ms, both through execute_sql")
    print(f"{'query':>5} {'duckdb':>9} {'spark':>9} {'spark/duckdb':>12}  rows")
    totals = {"duckdb": 0.0, "spark": 0.0}
    failures: list[int] = []
    for number in numbers:
        sql = (QUERIES / f"q{number:02d}.sql").read_text()
        timings = Timings()
        try:
            for engine in (duck, spark):  # warm both once
                engine.execute_sql(sql, limit=ROW_CAP, use_cache=False)
            for _ in range(args.runs):
                for side, engine in (("duckdb", duck), ("spark", spark)):
                    timings.run(side, lambda e=engine, q=sql: e.execute_sql(q, limit=ROW_CAP, use_cache=False).table)
        except Exception as e:  # a query Spark cannot run is reported, the others still run
            failures.append(number)
            print(f"Q{number:02d}  FAILED: {str(e).splitlines()[0][:150]}", flush=True)
            continue
        expected = timings.results["duckdb"]
        ok = same_rows(expected, timings.results["spark"], tolerance=1e-6)
        if not ok:
            failures.append(number)
        duck_ms, spark_ms = timings.best["duckdb"], timings.best["spark"]
        totals["duckdb"] += duck_ms
        totals["spark"] += spark_ms
        print(
            f"Q{number:02d}  {duck_ms:9.1f} {spark_ms:9.1f} {spark_ms / duck_ms:11.1f}x  "
            f"{expected.num_rows}{'' if ok else '  RESULTS DIFFER'}",
            flush=True,
        )
    if totals["duckdb"]:
        print(f"total {totals['duckdb']:9.1f} {totals['spark']:9.1f} {totals['spark'] / totals['duckdb']:11.1f}x")
    print("results equal on every query" if not failures else f"FAILED or DIFFERENT on {failures}")
    duck.close()
    spark.close()
    catalog.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
