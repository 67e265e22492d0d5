"""The dashboard's figures from the real query history: totals, buckets, scopes, failures."""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.catalog import User
from neurolake.catalog.repositories import users as users_repo
from neurolake.errors import NeuroLakeError
from neurolake.observability.summary import Scope, SummaryWindowError, bucket_seconds, build_summary, percentile
from neurolake.platform import NeuroLake


def make_user(platform: NeuroLake, name: str) -> User:
    with platform.catalog.session() as session:
        users_repo.create_user(session, name, role="analyst")
        user = users_repo.get_user(session, name)
        assert user is not None
        session.expunge(user)
        return user


@pytest.fixture
def lake(platform: NeuroLake) -> NeuroLake:
    platform.storage.write_table(pa.table({"n": pa.array(range(100), pa.int64())}), "numbers")
    return platform


def test_totals_count_every_query_and_the_cache_hit_rate_covers_succeeded_ones(lake: NeuroLake) -> None:
    ada = make_user(lake, "ada")
    for _ in range(3):
        lake.engine.execute_sql("SELECT sum(n) AS s FROM numbers", user=ada)  # 1 run, 2 cache hits
    with pytest.raises(NeuroLakeError):
        lake.engine.execute_sql("SELECT nope FROM numbers", user=ada)

    summary = build_summary(lake)

    t = summary.totals
    assert (t.queries, t.succeeded, t.failed, t.cache_hits) == (4, 3, 1, 2)
    assert t.cache_hit_rate == pytest.approx(2 / 3, abs=1e-4)
    assert t.rows == 3 and t.p50_ms is not None and t.p50_ms <= (t.p99_ms or 0)
    assert sum(b.queries for b in summary.over_time) == 4
    assert sum(b.failed for b in summary.over_time) == 1
    assert summary.failures[0].status == "invalid" and "nope" in (summary.failures[0].error or "")
    durations = [e.duration_ms for e in summary.slowest]
    assert durations == sorted(durations, reverse=True)
    assert [(t.name, t.version, t.rows) for t in summary.tables] == [("numbers", 0, 100)]
    assert summary.live is not None and set(summary.live.questions) == {"answered", "clarified", "failed"}


def test_a_scope_sees_only_its_own_queries(lake: NeuroLake) -> None:
    ada, bo = make_user(lake, "ada"), make_user(lake, "bo")
    lake.engine.execute_sql("SELECT 1 AS one", user=ada)
    lake.engine.execute_sql("SELECT 2 AS two", user=bo)
    lake.engine.execute_sql("SELECT 3 AS three", user=bo)
    lake.engine.execute_sql("SELECT 4 AS four")  # no user: the open chat, the CLI

    def sqls(scope: Scope) -> set[str]:
        summary = build_summary(lake, scope=scope)
        assert summary.totals.queries == len(summary.slowest)
        return {e.sql for e in summary.slowest}

    assert sqls(Scope.of(ada)) == {"SELECT 1 AS one"}
    assert sqls(Scope.of(bo)) == {"SELECT 2 AS two", "SELECT 3 AS three"}
    assert sqls(Scope.of(None)) == {"SELECT 4 AS four"}
    assert len(sqls(Scope.all())) == 4
    assert build_summary(lake, scope=Scope.of(ada)).live is None  # process counters are not per user


def test_the_window_must_be_a_positive_number_of_hours(lake: NeuroLake) -> None:
    for hours in (0, -1, 10_000):
        with pytest.raises(SummaryWindowError, match="window"):
            build_summary(lake, hours=hours)


def test_buckets_stay_few_enough_to_draw() -> None:
    assert bucket_seconds(1) == 300
    assert bucket_seconds(24) == 3600
    assert bucket_seconds(168) == 6 * 3600
    assert bucket_seconds(24 * 90) == 86400


def test_percentiles_use_the_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50, 95, 99)
    assert percentile([7.0], 99) == 7 and percentile([], 50) is None


def test_live_figures_list_llm_calls_by_provider_and_prompt_version(lake: NeuroLake) -> None:
    from neurolake.llm.prompts import RenderedPrompt
    from neurolake.llm.providers.offline import OfflineProvider

    prompt = RenderedPrompt(name="summary_probe", version=7, user="q")
    OfflineProvider({"summary_probe": lambda _request: "ok"}).complete(prompt.messages(), prompt=prompt)

    live = build_summary(lake).live

    assert live is not None
    calls = [c for c in live.llm_calls if c.prompt == "summary_probe"]
    assert [(c.provider, c.model, c.version, c.errors) for c in calls] == [("offline", "offline", "7", 0)]
    assert calls[0].calls >= 1
