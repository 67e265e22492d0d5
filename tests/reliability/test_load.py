"""A bounded load test of a real API server on loopback: 2,000 requests at concurrency 20, a mix
of cached queries, table listings, identity and health checks. No request may fail, and the
server's memory must end where it started; the figures are printed (pytest -s or -rP)."""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.api.conftest import server_process, wait_for_models
from tests.reliability.conftest import home_with_users, rss_mib

REQUESTS = 2_000
CONCURRENCY = 20
WARM_UP = 200
#: (method, path, JSON body) in the proportions a dashboard and its users send them.
MIX = [
    ("POST", "/api/v1/queries", {"sql": "SELECT sum(n) AS total FROM numbers"}),
    ("POST", "/api/v1/queries", {"sql": "SELECT n FROM numbers ORDER BY n"}),
    ("GET", "/health", None),
    ("GET", "/api/v1/tables", None),
    ("POST", "/api/v1/queries", {"sql": "SELECT count(*) AS rows FROM numbers"}),
    ("GET", "/api/v1/users/me", None),
    ("GET", "/health", None),
    ("GET", "/api/v1/queries/history?limit=5", None),
]


def run_load(base: str, key: str, count: int) -> tuple[list[float], Counter[str]]:
    """``count`` requests from ``CONCURRENCY`` threads; each one's seconds, and outcomes by kind."""
    local = threading.local()
    outcomes: Counter[str] = Counter()

    def one(i: int) -> float:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {key}"})
        method, path, body = MIX[i % len(MIX)]
        started = time.perf_counter()
        try:
            response = local.client.request(method, path, json=body)
            outcomes[str(response.status_code)] += 1
        except httpx.HTTPError as e:
            outcomes[e.__class__.__name__] += 1
        return time.perf_counter() - started

    with ThreadPoolExecutor(CONCURRENCY) as pool:
        seconds = list(pool.map(one, range(count)))
    return seconds, outcomes


def percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def test_two_thousand_requests_at_concurrency_20_all_succeed_with_memory_flat(tmp_path: Path) -> None:
    home = tmp_path / "home"
    keys = home_with_users(home)
    with server_process(home) as served:
        wait_for_models(served.base)  # the model's memory is not the requests'
        run_load(served.base, keys["analyst"], WARM_UP)  # first use builds the platform, caches the queries
        before = rss_mib(served.process.pid)
        started = time.perf_counter()
        seconds, outcomes = run_load(served.base, keys["analyst"], REQUESTS)
        wall = time.perf_counter() - started
        after = rss_mib(served.process.pid)

    ms = sorted(s * 1000 for s in seconds)
    print(
        f"\nload: {REQUESTS} requests at concurrency {CONCURRENCY} in {wall:.1f}s ({REQUESTS / wall:.0f}/s); "
        f"latency p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
        f"max {ms[-1]:.1f} ms; outcomes {dict(outcomes)}; server RSS before {before:.0f} MiB, after {after:.0f} MiB"
    )
    assert outcomes == Counter({"200": REQUESTS}), outcomes
    assert after - before < 50, f"server memory grew from {before:.0f} to {after:.0f} MiB"
