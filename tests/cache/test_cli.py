"""`neurolake cache ...` through the real CLI, on the memory backend and the real Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest
import redis
from typer.testing import CliRunner

from neurolake.cache import DEFAULT_PREFIX, CachedResult, CacheKey, QueryCache
from neurolake.catalog.repositories import history
from neurolake.cli import app
from neurolake.cli.context import state
from neurolake.config import get_settings
from tests.cache.conftest import delete_namespace

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path) -> Path:
    return cli_home


@pytest.fixture
def redis_home(home: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Settings with backend=redis (the test database, default prefix), emptied afterwards."""
    monkeypatch.setenv("NEUROLAKE_CACHE__BACKEND", "redis")
    monkeypatch.setenv("NEUROLAKE_CACHE__URL", redis_url)
    get_settings.cache_clear()
    client = redis.Redis.from_url(redis_url)
    delete_namespace(client, DEFAULT_PREFIX)
    yield home
    delete_namespace(client, DEFAULT_PREFIX)
    client.close()


def cache_one_result(table: str = "orders") -> None:
    cache = QueryCache.from_settings(get_settings())
    key = CacheKey.build(f"SELECT * FROM {table}", table_versions={table: 1})
    assert cache.put(key, CachedResult(pa.table({"id": [1]})))
    cache.close()


def record_history(*pairs: tuple[str, str]) -> None:
    with state.platform.catalog.session() as s:
        for sql, status in pairs:
            history.record_query(s, sql=sql, status=status)


def test_cache_commands_have_help() -> None:
    result = runner.invoke(app, ["cache", "--help"])
    assert result.exit_code == 0
    for command in ("stats", "clear", "invalidate", "warm"):
        assert command in result.output
        assert runner.invoke(app, ["cache", command, "--help"]).exit_code == 0


def test_stats_on_the_memory_backend_say_they_cover_this_process_only(home: Path) -> None:
    text = runner.invoke(app, ["cache", "stats"])
    as_json = runner.invoke(app, ["cache", "stats", "--json"])

    assert text.exit_code == 0 and as_json.exit_code == 0
    assert "hit_rate" in text.output
    assert "this command's process only" in " ".join(text.output.split())
    figures = json.loads(as_json.output)
    assert (figures["backend"], figures["scope"], figures["hits"]) == ("memory", "process", 0)
    assert "in-process" in figures["note"]


@pytest.mark.redis
def test_stats_invalidate_and_clear_on_redis(redis_home: Path) -> None:
    cache_one_result("orders")
    cache_one_result("customers")

    stats = json.loads(runner.invoke(app, ["cache", "stats", "--json"]).output)
    invalidated = runner.invoke(app, ["cache", "invalidate", "orders"])
    cleared = runner.invoke(app, ["cache", "clear"])
    after = json.loads(runner.invoke(app, ["cache", "stats", "--json"]).output)

    assert (stats["scope"], stats["entries"], stats["puts"], stats["note"]) == ("shared", 2, 2, None)
    assert invalidated.exit_code == 0 and "Removed 1 cached results that read orders" in invalidated.output
    assert cleared.exit_code == 0 and "Removed 1 entries from the redis cache" in cleared.output
    assert after["entries"] == 0


def test_warm_refuses_the_memory_backend_with_a_reason(home: Path) -> None:
    result = runner.invoke(app, ["cache", "warm"])
    assert result.exit_code == 1
    assert "NEUROLAKE_CACHE__BACKEND=redis" in result.output


@pytest.mark.redis
def test_warm_with_an_empty_history_has_nothing_to_do(redis_home: Path) -> None:
    result = runner.invoke(app, ["cache", "warm", "--top", "3"])
    assert result.exit_code == 0
    assert "nothing to warm" in result.output


@pytest.mark.redis
def test_warm_runs_history_through_the_engine(redis_home: Path) -> None:
    record_history(("SELECT 42 AS answer", "succeeded"), ("INSERT INTO t VALUES (1)", "succeeded"))
    result = runner.invoke(app, ["cache", "warm"])
    assert result.exit_code == 0, result.output
    assert "Warmed 1 queries; 0 failed; 1 skipped." in result.output
