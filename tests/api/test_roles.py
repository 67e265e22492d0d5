"""The role matrix: every route, every role (and no key at all)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from neurolake.api import create_app
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import load_settings
from neurolake.pipelines.definition import PipelineSpec
from neurolake.pipelines.service import PipelineService
from tests.api.conftest import ORDERS, ROLES, use_light_conversations

RANK = {"anonymous": -1, "viewer": 0, "analyst": 1, "admin": 2}
QID = "abcdefgh12345678"

# (method, path template, concrete path, request options, least role allowed)
ROUTES: list[tuple[str, str, str, dict[str, Any], str]] = [
    ("GET", "/api/v1/tables", "/api/v1/tables", {}, "viewer"),
    ("GET", "/api/v1/tables/{name}", "/api/v1/tables/orders", {}, "viewer"),
    ("GET", "/api/v1/tables/{name}/history", "/api/v1/tables/orders/history", {}, "viewer"),
    ("GET", "/api/v1/tables/{name}/rows", "/api/v1/tables/orders/rows?version=0", {}, "analyst"),
    (
        "POST",
        "/api/v1/tables",
        "/api/v1/tables",
        {"files": {"file": ("new.csv", b"a,b\n1,2\n")}, "data": {"name": "uploaded"}},
        "admin",
    ),
    ("POST", "/api/v1/tables/{name}/optimize", "/api/v1/tables/orders/optimize", {"json": {}}, "admin"),
    ("POST", "/api/v1/tables/{name}/vacuum", "/api/v1/tables/orders/vacuum", {"json": {}}, "admin"),
    ("POST", "/api/v1/queries", "/api/v1/queries", {"json": {"sql": "SELECT count(*) FROM orders"}}, "analyst"),
    ("POST", "/api/v1/queries/explain", "/api/v1/queries/explain", {"json": {"sql": "SELECT 1 AS x"}}, "analyst"),
    ("GET", "/api/v1/queries/running", "/api/v1/queries/running", {}, "analyst"),
    ("POST", "/api/v1/queries/{query_id}/cancel", f"/api/v1/queries/{QID}/cancel", {}, "analyst"),
    ("GET", "/api/v1/queries/history", "/api/v1/queries/history", {}, "viewer"),
    ("POST", "/api/v1/ask", "/api/v1/ask", {"json": {"question": "how many orders"}}, "analyst"),
    ("POST", "/api/v1/ask/{conversation_id}/answer", "/api/v1/ask/c1/answer", {"json": {"choice": 1}}, "analyst"),
    ("GET", "/api/v1/users/me", "/api/v1/users/me", {}, "viewer"),
    ("POST", "/api/v1/users", "/api/v1/users", {"json": {"username": "newbie", "role": "viewer"}}, "admin"),
    ("GET", "/api/v1/users", "/api/v1/users", {}, "admin"),
    ("POST", "/api/v1/users/{username}/revoke", "/api/v1/users/spare/revoke", {}, "admin"),
    ("POST", "/api/v1/users/{username}/rotate", "/api/v1/users/spare2/rotate", {}, "admin"),
    ("GET", "/api/v1/cache/stats", "/api/v1/cache/stats", {}, "analyst"),
    ("GET", "/api/v1/metrics/summary", "/api/v1/metrics/summary", {}, "viewer"),
    ("POST", "/api/v1/cache/clear", "/api/v1/cache/clear", {}, "admin"),
    ("POST", "/api/v1/cache/invalidate", "/api/v1/cache/invalidate", {"json": {"table": "orders"}}, "admin"),
    ("POST", "/api/v1/cache/warm", "/api/v1/cache/warm", {"json": {"top": 1}}, "admin"),
    (
        "POST",
        "/api/v1/pipelines",
        "/api/v1/pipelines",
        {"json": {"name": "fresh", "sql": "SELECT * FROM orders", "target_table": "fresh_copy"}},
        "admin",
    ),
    ("GET", "/api/v1/pipelines", "/api/v1/pipelines", {}, "analyst"),
    ("GET", "/api/v1/pipelines/{name}", "/api/v1/pipelines/daily", {}, "analyst"),
    ("PATCH", "/api/v1/pipelines/{name}", "/api/v1/pipelines/daily", {"json": {"status": "paused"}}, "admin"),
    ("DELETE", "/api/v1/pipelines/{name}", "/api/v1/pipelines/doomed", {}, "admin"),
    ("POST", "/api/v1/pipelines/{name}/run", "/api/v1/pipelines/daily/run", {}, "admin"),
    ("GET", "/api/v1/pipelines/{name}/runs", "/api/v1/pipelines/daily/runs", {}, "analyst"),
    ("GET", "/api/v1/audit", "/api/v1/audit?action=query.run", {}, "admin"),
]


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """One app for the whole matrix (each allowed change is made once, by its first allowed role)."""
    home: Path = tmp_path_factory.mktemp("matrix") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("NEUROLAKE_") and not n.startswith("NEUROLAKE_TEST_")]:
            mp.delenv(name)
        settings = load_settings(home=home, environment="test")
    app = create_app(settings)
    with TestClient(app) as client:
        platform = app.state.api.platform(settings)
        keys = {}
        with platform.catalog.session() as session:
            for role in ROLES:
                keys[role] = users_repo.create_user(session, role, role=role)[1]
            users_repo.create_user(session, "spare", role="viewer")
            users_repo.create_user(session, "spare2", role="viewer")
        platform.storage.write_table(ORDERS, "orders")
        use_light_conversations(platform)
        pipelines = PipelineService(platform)
        for name in ("daily", "doomed"):
            pipelines.create(PipelineSpec(name=name, sql="SELECT * FROM orders", target_table=f"{name}_copy"))
        yield client, keys


@pytest.mark.parametrize("role", ["anonymous", *ROLES])
@pytest.mark.parametrize(("method", "template", "path", "options", "least"), ROUTES, ids=[r[0] + r[1] for r in ROUTES])
def test_each_route_admits_exactly_the_roles_it_should(
    matrix: tuple[TestClient, dict[str, str]],
    role: str,
    method: str,
    template: str,
    path: str,
    options: dict[str, Any],
    least: str,
) -> None:
    client, keys = matrix
    headers = {"X-API-Key": keys[role]} if role != "anonymous" else {}
    response = client.request(method, path, headers=headers, **options)

    if role == "anonymous":
        assert response.status_code == 401, response.text
        assert response.headers["www-authenticate"] == "Bearer"
    elif RANK[role] < RANK[least]:
        assert response.status_code == 403, response.text
        assert f"needs the {least} role" in response.json()["message"]
    else:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500 or response.status_code == 503, response.text


def test_the_matrix_lists_every_api_route(matrix: tuple[TestClient, dict[str, str]]) -> None:
    client, _ = matrix
    paths = client.get("/openapi.json").json()["paths"]
    served = {(method.upper(), path) for path, item in paths.items() if path.startswith("/api/v1") for method in item}
    assert served == {(method, template) for method, template, *_ in ROUTES}
