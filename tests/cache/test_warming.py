"""Warming: rank history, re-run only read-only queries, land their answers in the cache."""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pytest

from neurolake.cache import CachedResult, CacheKey, HistoryEntry, QueryCache, is_read_only, rank_queries, warm
from neurolake.catalog.repositories import history
from neurolake.platform import NeuroLake
from tests.cache.conftest import MakeCache


def rows(*pairs: tuple[str, str]) -> list[HistoryEntry]:
    return [HistoryEntry(sql, status) for sql, status in pairs]


def test_rank_counts_successful_runs_and_breaks_ties_by_recency() -> None:
    newest_first = rows(
        ("SELECT 2", "succeeded"),
        ("SELECT 1", "succeeded"),
        ("SELECT  1", "succeeded"),  # same query, other spacing
        ("SELECT 3", "error"),
        ("SELECT 3", "error"),
        ("SELECT 4", "succeeded"),
    )
    assert rank_queries(newest_first) == ["SELECT 1", "SELECT 2", "SELECT 4"]


@pytest.mark.parametrize(
    ("sql", "read_only"),
    [
        ("SELECT * FROM orders", True),
        ("WITH t AS (SELECT 1 AS x) SELECT x FROM t", True),
        ("SELECT 1 UNION ALL SELECT 2", True),
        ("SELECT * FROM orders VERSION AS OF 3", True),
        ("INSERT INTO orders VALUES (1)", False),
        ("DELETE FROM orders", False),
        ("SELECT 1; DROP TABLE orders", False),
        ("SELEC oops", False),
    ],
)
def test_only_single_query_statements_count_as_read_only(sql: str, read_only: bool) -> None:
    assert is_read_only(sql) is read_only


def test_warm_runs_the_top_queries_and_reports_failures_and_skips() -> None:
    history_rows = rows(
        ("DELETE FROM orders", "succeeded"),
        ("DELETE FROM orders", "succeeded"),
        ("DELETE FROM orders", "succeeded"),
        ("SELECT broken", "succeeded"),
        ("SELECT broken", "succeeded"),
        ("SELECT 1", "succeeded"),
        ("SELECT 2", "succeeded"),
    )
    ran: list[str] = []

    def run(sql: str) -> None:
        if "broken" in sql:
            raise ValueError("no such column: broken")
        ran.append(sql)

    report = warm(run, history_rows, top=2)

    assert report.skipped == ["DELETE FROM orders"]
    assert report.failed == [("SELECT broken", "no such column: broken")]
    assert report.ran == ran == ["SELECT 1"]


def test_warming_from_the_catalog_history_fills_the_cache(platform: NeuroLake, make_cache: MakeCache) -> None:
    cache: QueryCache = make_cache()
    with platform.catalog.session() as s:
        for sql in ["SELECT 42 AS answer", "SELECT 42 AS answer", "SELECT 'x' AS letter"]:
            history.record_query(s, sql=sql, status="succeeded")
        history.record_query(s, sql="SELECT 'never'", status="error")
    with platform.catalog.session() as s:
        recent = [HistoryEntry(q.sql, q.status) for q in history.list_queries(s, limit=100)]

    def run(sql: str) -> tuple[CachedResult, bool]:
        def compute() -> CachedResult:
            relation = duckdb.connect().sql(sql)
            assert relation is not None
            return CachedResult(relation.to_arrow_table())

        return cache.get_or_compute(CacheKey.build(sql), compute)

    report = warm(run, recent, top=5)

    assert sorted(report.ran) == ["SELECT 'x' AS letter", "SELECT 42 AS answer"]
    hit = cache.get(CacheKey.build("SELECT 42 AS answer"))
    assert hit is not None and hit.table.equals(pa.table({"answer": pa.array([42], pa.int32())}))
    assert cache.stats().entries == 2
