"""A catalog database that is down: every CLI command and API route says so in one line (503 for
the API), never with a traceback; queries still answer from the lake, and their history rows
are spooled locally and written once the catalog is back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.api.conftest import NEUROLAKE, server_process
from tests.reliability.conftest import TcpGate, home_with_users

#: Where history rows wait while the catalog is down (under NEUROLAKE_HOME).
SPOOL_FILE = Path("state") / "query_history.spool.jsonl"

#: Commands that need the catalog: each must fail with the one line.
NEEDS_CATALOG = [
    ["tables"],
    ["describe", "numbers"],
    ["history"],
    ["ask", "how many rows are in numbers"],
    ["stats"],
    ["users", "list"],
    ["users", "create", "bob"],
    ["users", "revoke", "bob"],
    ["users", "rotate", "bob"],
    ["db", "current"],
    ["db", "upgrade"],
    ["pipelines", "list"],
    ["pipelines", "run", "nightly"],
    ["pipelines", "run-due"],
    ["pipelines", "delete", "nightly"],
    ["prompts", "stats"],
    ["demo", "--orders", "100"],
    ["chat", "--headless", "--port", "1"],
]
#: Commands that answer from the lake (or need no catalog): each must still work, without a trace.
WORK_WITHOUT_CATALOG = [
    ["sql", "SELECT sum(n) AS total FROM numbers"],
    ["explain", "SELECT n FROM numbers"],
    ["history", "numbers"],
    ["cache", "stats"],
    ["config", "show"],
]


def cli(home: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``neurolake`` in a process, on ``home`` with the catalog at ``database_url``."""
    env = {**os.environ, "NEUROLAKE_HOME": str(home), "NEUROLAKE_DATABASE__URL": database_url}
    return subprocess.run([str(NEUROLAKE), *args], env=env, capture_output=True, text=True, timeout=120)


def closed_url(port: int) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/neurolake"


def assert_one_line_outage(result: subprocess.CompletedProcess[str], port: int, command: list[str]) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    shown = f"{command}: rc={result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode != 0, shown
    assert len(lines) == 1, shown
    assert lines[0].startswith(f"Error: the catalog database at 127.0.0.1:{port} is unreachable: "), shown
    assert "Connection refused" in lines[0], shown


def test_every_cli_command_names_a_down_catalog_in_one_line(tmp_path: Path, closed_port: int) -> None:
    home = tmp_path / "home"
    home_with_users(home)
    (tmp_path / "more.csv").write_text("n\n4\n")
    commands = NEEDS_CATALOG + WORK_WITHOUT_CATALOG + [["ingest", str(tmp_path / "more.csv"), "--table", "numbers"]]
    with ThreadPoolExecutor(4) as pool:
        outcomes = pool.map(lambda c: cli(home, closed_url(closed_port), *c), commands)
        results = dict(zip(map(tuple, commands), outcomes, strict=True))

    for command, result in results.items():
        assert "Traceback" not in result.stdout + result.stderr, (command, result.stderr)
    for command in NEEDS_CATALOG:
        assert_one_line_outage(results[tuple(command)], closed_port, command)
    for command in WORK_WITHOUT_CATALOG:
        assert results[tuple(command)].returncode == 0, (command, results[tuple(command)].stderr)
    assert "6" in results[("sql", "SELECT sum(n) AS total FROM numbers")].stdout
    # The write lands in the lake; only the catalog's copy of the table waits (one warning line).
    ingest = results[("ingest", str(tmp_path / "more.csv"), "--table", "numbers")]
    assert ingest.returncode == 0 and "now at version 1" in ingest.stdout
    assert len(ingest.stderr.strip().splitlines()) == 1 and "unreachable" in ingest.stderr


#: Routes that need no catalog: they answer while it is down.
OPEN_ROUTES = {"/health", "/ready", "/metrics"}


def test_every_api_route_answers_503_naming_the_down_catalog(tmp_path: Path, closed_port: int) -> None:
    home = tmp_path / "home"
    keys = home_with_users(home)
    with (
        server_process(home, {"NEUROLAKE_DATABASE__URL": closed_url(closed_port)}) as served,
        httpx.Client(base_url=served.base, timeout=60, headers={"X-API-Key": keys["admin"]}) as client,
    ):
        health = client.get("/health")
        ready = client.get("/ready")
        paths = client.get("/openapi.json").json()["paths"]
        routes = [
            (method.upper(), re.sub(r"\{[^}]+\}", "x", path))
            for path, operations in paths.items()
            if path not in OPEN_ROUTES
            for method in operations
        ] + [("GET", "/dashboard")]
        answers = {
            route: client.request(*route, json={} if route[0] in {"POST", "PATCH", "PUT"} else None) for route in routes
        }
        log = served.log()

    assert health.status_code == 200
    assert ready.status_code == 503 and ready.json()["status"] == "not ready"
    catalog = ready.json()["components"]["catalog"]
    assert catalog["status"] == "error"
    assert catalog["detail"].startswith(f"the catalog database at 127.0.0.1:{closed_port} is unreachable: ")
    assert len(answers) > 30
    for route, response in answers.items():
        assert response.status_code == 503, (route, response.text)
        body = response.json()
        assert body["error"] == "CatalogUnavailableError", (route, body)
        assert body["message"].startswith(f"the catalog database at 127.0.0.1:{closed_port} is unreachable: ")
        assert "Traceback" not in response.text and "sqlalchemy" not in response.text.lower()
    assert "Traceback" not in log and "unreachable" in log


@dataclass
class GatedHome:
    """A home whose catalog is a real PostgreSQL database behind ``gate`` (open at first)."""

    home: Path
    url: str
    keys: dict[str, str]
    gate: TcpGate


@pytest.fixture
def gated(tmp_path: Path, postgres_url: str) -> Iterator[GatedHome]:
    parsed = make_url(postgres_url)
    gate = TcpGate((parsed.host or "127.0.0.1", parsed.port or 5432))
    url = parsed.set(port=gate.port).render_as_string(hide_password=False)
    gate.open()
    try:
        yield GatedHome(tmp_path / "home", url, home_with_users(tmp_path / "home", url), gate)
    finally:
        gate.close()


def test_history_written_while_the_catalog_is_down_is_spooled_and_kept(gated: GatedHome) -> None:
    home, url, gate = gated.home, gated.url, gated.gate
    gate.close()

    answered = cli(home, url, "sql", "SELECT sum(n) AS total FROM numbers")
    while_down = cli(home, url, "history")
    spooled = (home / SPOOL_FILE).read_text().splitlines()
    gate.open()
    back = cli(home, url, "history", "--format", "json")

    assert answered.returncode == 0 and "6" in answered.stdout, answered.stderr
    assert "Traceback" not in answered.stderr
    warning = answered.stderr.strip().splitlines()
    assert len(warning) == 1 and "1 query history row(s) kept in" in warning[0] and "until it is back" in warning[0]
    assert_one_line_outage(while_down, gate.port, ["history"])
    assert [json.loads(line)["sql"] for line in spooled] == ["SELECT sum(n) AS total FROM numbers"]
    assert back.returncode == 0, back.stderr
    rows = json.loads(back.stdout)
    assert [(r["sql"], r["status"]) for r in rows] == [("SELECT sum(n) AS total FROM numbers", "succeeded")]
    assert (home / SPOOL_FILE).read_text() == ""


def test_a_server_rides_out_a_catalog_outage_and_recovers_without_a_restart(gated: GatedHome) -> None:
    gate = gated.gate
    auth = {"Authorization": f"Bearer {gated.keys['analyst']}"}
    query = {"sql": "SELECT sum(n) AS total FROM numbers"}
    env = {"NEUROLAKE_DATABASE__URL": gated.url}
    with (
        server_process(gated.home, env, ("--scheduler", "--scheduler-interval", "1")) as served,
        httpx.Client(base_url=served.base, timeout=60, headers=auth) as client,
    ):
        up = client.post("/api/v1/queries", json=query)
        gate.close()  # the database goes away under the server's pooled connections
        down = client.post("/api/v1/queries", json=query)
        ready_down = client.get("/ready")
        time.sleep(2)  # two scheduler ticks against the down catalog
        gate.open()
        back = client.post("/api/v1/queries", json=query)
        ready_back = client.get("/ready")
        history = client.get("/api/v1/queries/history")
        log = served.log()

    assert up.status_code == 200 and back.status_code == 200, (up.text, back.text)
    assert down.status_code == 503 and down.json()["error"] == "CatalogUnavailableError", down.text
    assert (ready_down.status_code, ready_back.status_code) == (503, 200)
    assert [h["status"] for h in history.json()] == ["succeeded", "succeeded"]
    assert "Traceback" not in log, log
    assert "pipeline scheduler tick skipped: the catalog database at" in log
