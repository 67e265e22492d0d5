"""Every query and every change lands in the audit log with its user; admins filter it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.api.conftest import Api


def test_each_action_is_audited_with_its_user(api: Api) -> None:
    admin, analyst = api.headers("admin"), api.headers("analyst")
    api.client.post("/api/v1/queries", json={"sql": "SELECT 1 AS one"}, headers=analyst)
    api.client.post("/api/v1/queries", json={"sql": "SELECT * FROM nowhere"}, headers=analyst)
    api.client.post("/api/v1/queries/explain", json={"sql": "SELECT 1 AS one"}, headers=analyst)
    api.client.get("/api/v1/tables/orders/rows", headers=analyst)
    api.client.post("/api/v1/users", json={"username": "eve", "role": "viewer"}, headers=admin)
    api.client.post("/api/v1/users/eve/rotate", headers=admin)
    api.client.post("/api/v1/users/eve/revoke", headers=admin)
    api.client.post("/api/v1/tables", files={"file": ("f.csv", b"a\n1\n")}, data={"name": "f"}, headers=admin)
    api.client.post("/api/v1/tables/orders/optimize", json={}, headers=admin)
    api.client.post("/api/v1/tables/orders/vacuum", json={}, headers=admin)
    api.client.post("/api/v1/cache/clear", headers=admin)
    api.client.post("/api/v1/cache/invalidate", json={"table": "orders"}, headers=admin)
    api.client.post("/api/v1/cache/warm", json={}, headers=admin)
    pipeline = {"name": "p", "sql": "SELECT * FROM orders", "target_table": "copy"}
    api.client.post("/api/v1/pipelines", json=pipeline, headers=admin)
    api.client.patch("/api/v1/pipelines/p", json={"status": "paused"}, headers=admin)
    api.client.post("/api/v1/pipelines/p/run", headers=admin)
    api.client.delete("/api/v1/pipelines/p", headers=admin)

    analyst_actions = [(e["action"], e["status"]) for e in reversed(api.audit(role="analyst"))]
    assert analyst_actions == [
        ("query.run", "ok"),
        ("query.run", "failed"),
        ("query.explain", "ok"),
        ("table.read", "ok"),
    ]
    admin_actions = {e["action"] for e in api.audit(role="admin")}
    assert admin_actions >= {
        "user.create",
        "user.rotate",
        "user.revoke",
        "table.create",
        "table.optimize",
        "table.vacuum",
        "cache.clear",
        "cache.invalidate",
        "cache.warm",
        "pipeline.create",
        "pipeline.update",
        "pipeline.run",
        "pipeline.delete",
    }
    failed = next(e for e in api.audit("query.run", role="analyst") if e["status"] == "failed")
    assert failed["sql"] == "SELECT * FROM nowhere" and "nowhere" in failed["error"] and failed["request_id"]


def test_admins_filter_the_audit_log_by_user_action_and_time(api: Api) -> None:
    api.client.post("/api/v1/queries", json={"sql": "SELECT 1 AS one"}, headers=api.headers("analyst"))
    api.client.post("/api/v1/users", json={"username": "zed"}, headers=api.headers("admin"))

    def audit(**params: str) -> list[dict]:
        response = api.client.get("/api/v1/audit", params=params, headers=api.headers("admin"))
        assert response.status_code == 200, response.text
        return response.json()

    assert [e["action"] for e in audit(user="analyst")] == ["query.run"]
    assert [e["details"]["username"] for e in audit(action="user.create")] == ["zed"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert audit(since=future) == []
    assert len(audit(since=past)) == 2 and audit(until=past) == []
    assert api.client.get("/api/v1/audit", params={"user": "ghost"}, headers=api.headers("admin")).status_code == 404
