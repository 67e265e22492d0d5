"""All 22 TPC-H queries give the same result with the optimizer on and off (scale factor 0.01)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest
from sqlglot import parse_one

from neurolake.optimizer import OptimizationResult, QueryOptimizer
from tests.optimizer.cases import assert_same_results, load_queries, table_schema

QUERIES = load_queries("tpch")
TABLES = ("customer", "lineitem", "nation", "orders", "part", "partsupp", "region", "supplier")
pytestmark = pytest.mark.slow


def _generator() -> str | None:
    beside_python = Path(sys.executable).with_name("tpchgen-cli")
    return str(beside_python) if beside_python.exists() else shutil.which("tpchgen-cli")


@pytest.fixture(scope="module")
def tpch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    generator = _generator()
    if generator is None:
        pytest.skip("tpchgen-cli is not installed (it comes with the dev extras)")
    folder = tmp_path_factory.mktemp("tpch")
    subprocess.run([generator, "parquet", "--scale-factor", "0.01", "--output-dir", str(folder)], check=True)
    con = duckdb.connect()
    for table in TABLES:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{folder / table}.parquet')")
    yield con
    con.close()


@pytest.fixture(scope="module")
def optimize(tpch: duckdb.DuckDBPyConnection) -> Callable[[str], OptimizationResult]:
    """Optimize with the schema and row counts the engine would pass."""
    schema = table_schema(tpch)
    counts = {table: int(tpch.execute(f"SELECT count(*) FROM {table}").fetchone()[0]) for table in TABLES}  # type: ignore[index]
    optimizer = QueryOptimizer()
    return lambda sql: optimizer.optimize(parse_one(sql, read="duckdb"), schema=schema, row_counts=counts)


def test_there_are_22_queries() -> None:
    assert [name for name, _ in QUERIES] == [f"q{n:02}" for n in range(1, 23)]


@pytest.mark.parametrize(("name", "sql"), QUERIES, ids=[name for name, _ in QUERIES])
def test_same_result_with_the_optimizer_on(
    name: str, sql: str, tpch: duckdb.DuckDBPyConnection, optimize: Callable[[str], OptimizationResult]
) -> None:
    result = optimize(sql)

    assert result.errors == {}
    assert_same_results(tpch, sql, result.sql)
