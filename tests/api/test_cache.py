"""/api/v1/cache: stats, clear, invalidate, warm."""

from __future__ import annotations

from tests.api.conftest import Api


def test_stats_report_the_backend_and_counters(api: Api) -> None:
    stats = api.client.get("/api/v1/cache/stats", headers=api.headers("analyst")).json()
    assert stats["backend"] == "memory" and stats["scope"] == "process" and stats["available"] is True


def test_clear_and_invalidate_remove_entries(api: Api) -> None:
    from neurolake.cache import CachedResult

    cache = api.client.app.state.api.cache(api.platform.settings)  # type: ignore[attr-defined]
    import pyarrow as pa

    cache.put("k1", CachedResult(pa.table({"x": [1]}), {}), tables=["orders"])
    cache.put("k2", CachedResult(pa.table({"x": [2]}), {}), tables=["customers"])

    invalidated = api.client.post("/api/v1/cache/invalidate", json={"table": "orders"}, headers=api.headers("admin"))
    assert invalidated.json() == {"removed": 1}
    cleared = api.client.post("/api/v1/cache/clear", headers=api.headers("admin"))
    assert cleared.json() == {"removed": 1}
    assert cache.get("k2") is None


def test_warm_reruns_frequent_read_only_queries(api: Api) -> None:
    for _ in range(2):
        api.client.post("/api/v1/queries", json={"sql": "SELECT count(*) FROM orders"}, headers=api.headers("admin"))
    api.client.post(
        "/api/v1/queries",
        json={"sql": "INSERT INTO orders VALUES (8, 'EU', 1)", "allow_write": True},
        headers=api.headers("admin"),
    )

    report = api.client.post("/api/v1/cache/warm", json={"top": 5}, headers=api.headers("admin")).json()

    assert report["ran"] == ["SELECT count(*) FROM orders"]
    assert report["skipped"] == ["INSERT INTO orders VALUES (8, 'EU', 1)"]
