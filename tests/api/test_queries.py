"""/api/v1/queries: parameters, limits and pages, write permission, explain, cancel, history."""

from __future__ import annotations

import threading
import time

from tests.api.conftest import Api

SLOW_SQL = "SELECT count(*) AS n FROM range(100000000000) a"


def test_runs_sql_with_parameters(api: Api) -> None:
    response = api.client.post(
        "/api/v1/queries",
        json={"sql": "SELECT id, amount FROM orders WHERE region = $region ORDER BY id", "params": {"region": "EU"}},
        headers=api.headers("analyst"),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["columns"] == ["id", "amount"]
    assert body["rows"] == [[1, 10], [3, 30]]
    assert body["metrics"]["tables_read"] == {"orders": [0]}


def test_limit_truncates_and_pages_walk_the_result(api: Api) -> None:
    sql = {"sql": "SELECT id FROM orders ORDER BY id"}
    limited = api.client.post("/api/v1/queries", json={**sql, "limit": 3}, headers=api.headers("analyst")).json()
    page2 = api.client.post(
        "/api/v1/queries", json={**sql, "page": 2, "page_size": 3}, headers=api.headers("analyst")
    ).json()

    assert limited["rows"] == [[1], [2], [3]] and limited["truncated"] is True
    assert page2["rows"] == [[4]] and page2["truncated"] is False and page2["page"] == 2


def test_analyst_cannot_write_even_without_asking_to(api: Api) -> None:
    insert = "INSERT INTO orders VALUES (5, 'EU', 50)"
    refused = api.client.post("/api/v1/queries", json={"sql": insert}, headers=api.headers("analyst"))
    asked = api.client.post(
        "/api/v1/queries", json={"sql": insert, "allow_write": True}, headers=api.headers("analyst")
    )

    assert refused.status_code == 403 and refused.json()["error"] == "PermissionDeniedError"
    assert asked.status_code == 403
    assert api.platform.storage.current_version("orders") == 0


def test_admin_writes_with_allow_write(api: Api) -> None:
    response = api.client.post(
        "/api/v1/queries",
        json={"sql": "INSERT INTO orders VALUES (5, 'EU', 50)", "allow_write": True},
        headers=api.headers("admin"),
    )

    assert response.status_code == 200, response.text
    assert api.platform.storage.read_table("orders").num_rows == 5


def test_explain_returns_the_plan_without_running(api: Api) -> None:
    response = api.client.post(
        "/api/v1/queries/explain", json={"sql": "SELECT region FROM orders"}, headers=api.headers("analyst")
    )

    assert response.status_code == 200
    plan = response.json()
    assert plan["tables"][0]["name"] == "orders" and "Physical plan" in plan["text"]


def test_a_query_is_cancelled_by_its_owner_from_another_request(api: Api) -> None:
    outcome: dict[str, object] = {}

    def run() -> None:
        outcome["response"] = api.client.post(
            "/api/v1/queries", json={"sql": SLOW_SQL, "query_id": "slow-query-1"}, headers=api.headers("analyst")
        )

    worker = threading.Thread(target=run)
    worker.start()
    _wait_until_running(api, "slow-query-1", "analyst")
    other = api.client.post("/api/v1/queries/slow-query-1/cancel", headers=api.headers("admin") | {})
    assert other.status_code == 200  # admins may cancel anyone's
    worker.join(30)

    response = outcome["response"]
    assert response.status_code == 499 and response.json()["error"] == "QueryCancelledError"  # type: ignore[attr-defined]


def test_nobody_else_sees_or_cancels_a_running_query(api: Api) -> None:
    worker = threading.Thread(
        target=lambda: api.client.post(
            "/api/v1/queries",
            json={"sql": SLOW_SQL, "query_id": "mine-only-1", "timeout_s": 20},
            headers=api.headers("admin"),
        )
    )
    worker.start()
    _wait_until_running(api, "mine-only-1", "admin")
    try:
        assert api.client.get("/api/v1/queries/running", headers=api.headers("analyst")).json()["query_ids"] == []
        refused = api.client.post("/api/v1/queries/mine-only-1/cancel", headers=api.headers("analyst"))
        assert refused.status_code == 404
        again = api.client.post(
            "/api/v1/queries", json={"sql": "SELECT 1 AS x", "query_id": "mine-only-1"}, headers=api.headers("admin")
        )
        assert again.status_code == 409
    finally:
        api.client.post("/api/v1/queries/mine-only-1/cancel", headers=api.headers("admin"))
        worker.join(30)


def test_cancelling_a_query_that_is_not_running_is_404(api: Api) -> None:
    response = api.client.post("/api/v1/queries/nothing-here/cancel", headers=api.headers("admin"))
    assert response.status_code == 404


def test_history_shows_only_your_own_queries_unless_admin(api: Api) -> None:
    for role in ("analyst", "admin"):
        api.client.post("/api/v1/queries", json={"sql": f"SELECT '{role}' AS who"}, headers=api.headers(role))

    def history(role: str, **params: str) -> list[dict]:
        response = api.client.get("/api/v1/queries/history", params=params, headers=api.headers(role))
        assert response.status_code == 200, response.text
        return response.json()

    assert [h["sql"] for h in history("analyst")] == ["SELECT 'analyst' AS who"]
    assert history("viewer") == []
    assert {h["sql"] for h in history("admin")} >= {"SELECT 'analyst' AS who", "SELECT 'admin' AS who"}
    assert [h["sql"] for h in history("admin", user="analyst")] == ["SELECT 'analyst' AS who"]
    refused = api.client.get("/api/v1/queries/history", params={"user": "admin"}, headers=api.headers("analyst"))
    assert refused.status_code == 403


def _wait_until_running(api: Api, query_id: str, role: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        running = api.client.get("/api/v1/queries/running", headers=api.headers(role)).json()["query_ids"]
        if query_id in running:
            return
        time.sleep(0.02)
    raise AssertionError(f"{query_id} never started")
