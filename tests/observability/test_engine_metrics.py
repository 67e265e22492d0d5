"""Queries run by the engine land in the process metrics, whatever their outcome."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from neurolake.config import load_settings
from neurolake.errors import QueryValidationError, TableNotFoundError
from neurolake.observability import METRICS, Metrics
from neurolake.observability.collector import PlatformCollector
from neurolake.platform import NeuroLake


def queries(status: str, cache: str) -> float:
    return METRICS.total("neurolake_queries", backend="duckdb", status=status, cache=cache)


def latency_count() -> float:
    return METRICS.registry.get_sample_value("neurolake_query_duration_seconds_count", {"backend": "duckdb"}) or 0.0


@pytest.fixture
def lake(platform: NeuroLake) -> NeuroLake:
    platform.storage.write_table(pa.table({"n": pa.array(range(10), pa.int64())}), "numbers")
    return platform


def test_succeeded_cached_and_failed_queries_are_counted_by_status(lake: NeuroLake) -> None:
    before = {(s, c): queries(s, c) for s in ("succeeded", "invalid") for c in ("hit", "miss")}
    rows, seen = METRICS.total("neurolake_query_rows", backend="duckdb"), latency_count()

    lake.engine.execute_sql("SELECT n FROM numbers WHERE n < 4")
    lake.engine.execute_sql("SELECT n FROM numbers WHERE n < 4")  # from the cache
    with pytest.raises(TableNotFoundError):
        lake.engine.execute_sql("SELECT * FROM missing")
    with pytest.raises(QueryValidationError):
        lake.engine.execute_sql("SELEC 1")

    assert queries("succeeded", "miss") == before["succeeded", "miss"] + 1
    assert queries("succeeded", "hit") == before["succeeded", "hit"] + 1
    assert queries("invalid", "miss") == before["invalid", "miss"] + 2
    assert METRICS.total("neurolake_query_rows", backend="duckdb") == rows + 8
    assert latency_count() == seen + 4


def test_optimizer_rules_that_rewrote_a_query_are_counted(lake: NeuroLake) -> None:
    result = lake.engine.execute_sql("SELECT n FROM (SELECT n FROM numbers) AS t WHERE 1 = 1 AND n > 2", optimize=True)
    assert result.metrics.rules_applied, "the optimizer should rewrite this query"
    fired = METRICS.by_label("neurolake_optimizer_rules_fired", "rule")

    assert all(fired.get(rule, 0) >= 1 for rule in result.metrics.rules_applied)


def test_a_private_registry_starts_empty_and_counts_only_what_it_is_told() -> None:
    metrics = Metrics()
    metrics.query(backend="spark", status="failed", seconds=0.5, rows=None, nbytes=None, cache_hit=False)
    metrics.question("clarified")
    metrics.question("something odd")  # unknown outcomes are failures, not new label values

    assert metrics.total("neurolake_queries", backend="spark") == 1
    assert metrics.by_label("neurolake_questions", "outcome") == {"answered": 0, "clarified": 1, "failed": 1}


def test_the_scrape_collector_reports_cache_counters_and_table_sizes(lake: NeuroLake) -> None:
    lake.engine.execute_sql("SELECT count(*) FROM numbers")
    lake.engine.execute_sql("SELECT count(*) FROM numbers")
    registry = CollectorRegistry()
    registry.register(PlatformCollector(lake))

    families = {f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())}

    hits = families["neurolake_cache_hits"].samples[0]
    assert hits.labels == {"backend": "memory", "scope": "process"} and hits.value >= 1
    tables = {s.labels["table"]: s.value for s in families["neurolake_table_rows"].samples}
    assert tables["numbers"] == 10
    assert {s.labels["table"]: s.value for s in families["neurolake_table_version"].samples}["numbers"] == 0


def test_the_scrape_collector_reports_misses_and_evictions_of_a_full_cache(tmp_path: Path) -> None:
    tiny = load_settings(home=tmp_path / "home", environment="test", cache={"max_bytes": 4096})
    lake = NeuroLake.from_settings(tiny)
    try:
        lake.storage.write_table(pa.table({"n": pa.array(range(100), pa.int64())}), "numbers")
        for bound in range(1, 40):  # distinct results, more than 4 KB of them
            lake.engine.execute_sql(f"SELECT n FROM numbers WHERE n < {bound}")
        registry = CollectorRegistry()
        registry.register(PlatformCollector(lake))

        families = {f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())}
    finally:
        lake.close()

    assert families["neurolake_cache_misses"].samples[0].value == 39
    assert families["neurolake_cache_evictions"].samples[0].value >= 1
    assert families["neurolake_cache_errors"].samples[0].value == 0
    assert families["neurolake_cache_up"].samples[0].value == 1
