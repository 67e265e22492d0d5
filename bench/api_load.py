"""The REST API under concurrent clients: percentiles per route, against ``/health`` in the same run.

Starts ``neurolake serve`` (a real uvicorn process) on a loopback port over a NEUROLAKE_HOME
with the demo (built in a temporary folder unless ``--home`` names one), creates an analyst's
API key, and for each route runs ``--clients`` concurrent clients for ``--requests`` requests
each; every request is bounded by a timeout and the loop ends by itself. Prints p50, p90, p99
and requests per second per route, and each p50 as a multiple of ``/health``'s. Nothing is
asserted.

    .venv/bin/python bench/api_load.py [--clients 20] [--requests 25] [--home DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

NEUROLAKE = Path(sys.executable).with_name("neurolake")
CACHED_SQL = "SELECT country, count(*) AS customers FROM customers GROUP BY country ORDER BY 2 DESC"


@dataclass(frozen=True)
class Route:
    label: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    authorized: bool = True


ROUTES = (
    Route("GET /health", "GET", "/health", authorized=False),
    Route("POST /queries cached", "POST", "/api/v1/queries", {"sql": CACHED_SQL}),
    Route("POST /queries uncached", "POST", "/api/v1/queries", {"sql": CACHED_SQL, "use_cache": False}),
    Route("GET /tables", "GET", "/api/v1/tables"),
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def load(base: str, key: str, route: Route, clients: int, requests: int) -> tuple[list[float], float]:
    headers = {"Authorization": f"Bearer {key}"} if route.authorized else {}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits, headers=headers) as client:

        async def one() -> float:
            started = time.perf_counter()
            response = await client.request(route.method, route.path, json=route.body)
            if response.status_code != 200:
                raise SystemExit(f"{route.label}: {response.status_code} {response.text[:300]}")
            return time.perf_counter() - started

        async def worker() -> list[float]:
            return [await one() for _ in range(requests)]

        await one()  # warm: the first answer fills the cache and the server's own caches
        started = time.perf_counter()
        results = await asyncio.gather(*(worker() for _ in range(clients)))
        return [s for batch in results for s in batch], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="Requests per client per route.")
    parser.add_argument("--home", type=Path, help="A NEUROLAKE_HOME holding the demo (default: build one).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="neurolake-load-") as scratch:
        home = args.home or Path(scratch) / "home"
        port = free_port()
        env = {**os.environ, "NEUROLAKE_HOME": str(home), "NEUROLAKE_LOG__LEVEL": "WARNING"}
        if args.home is None:
            subprocess.run([str(NEUROLAKE), "demo", "--orders", "2000"], env=env, check=True, capture_output=True)
        user = f"load-{os.getpid()}"
        created = subprocess.run(
            [str(NEUROLAKE), "users", "create", user, "--role", "analyst"], env=env, check=True, capture_output=True
        )
        key = created.stdout.decode().strip().splitlines()[-1]
        command = [str(NEUROLAKE), "serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)]
        with tempfile.TemporaryFile() as log:
            server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_until_up(base, server)
                report(base, key, args.clients, args.requests)
            finally:
                server.terminate()
                server.wait(30)


def wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def report(base: str, key: str, clients: int, requests: int) -> None:
    print(f"{clients} concurrent clients x {requests} requests per route, loopback")
    print(f"{'route':<24} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'req/s':>7} {'p50 x health':>13}")
    health_p50 = None
    for route in ROUTES:
        samples, seconds = asyncio.run(load(base, key, route, clients, requests))
        p50 = statistics.median(samples) * 1000
        health_p50 = health_p50 or p50
        print(
            f"{route.label:<24} {p50:>8.1f} {percentile(samples, 0.9) * 1000:>8.1f} "
            f"{percentile(samples, 0.99) * 1000:>8.1f} {len(samples) / seconds:>7.0f} {p50 / health_p50:>13.1f}"
        )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
