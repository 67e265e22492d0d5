"""/api/v1/pipelines: create (from SQL or a question), update, run now, runs, delete."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from neurolake.api import create_app
from neurolake.catalog.models import Pipeline, utcnow
from neurolake.config import Settings
from neurolake.pipelines.definition import PipelineSpec
from tests.api.conftest import ORDERS, Api

REVENUE = {
    "name": "eu-revenue",
    "sql": "SELECT region, sum(amount) AS revenue FROM orders GROUP BY region",
    "target_table": "revenue_by_region",
    "mode": "overwrite",
    "schedule": "0 6 * * *",
}


def test_create_run_and_read_runs(api: Api) -> None:
    created = api.client.post("/api/v1/pipelines", json=REVENUE, headers=api.headers("admin"))
    assert created.status_code == 201, created.text
    assert created.json()["next_run_at"].endswith("06:00:00Z")

    run = api.client.post("/api/v1/pipelines/eu-revenue/run", headers=api.headers("admin")).json()
    runs = api.client.get("/api/v1/pipelines/eu-revenue/runs", headers=api.headers("analyst")).json()

    assert run["status"] == "succeeded" and run["rows"] == 3 and run["trigger"] == "manual"
    assert [r["id"] for r in runs] == [run["id"]] and runs[0]["duration_ms"] > 0
    assert api.platform.storage.read_table("revenue_by_region").num_rows == 3


@pytest.mark.usefixtures("conversations")  # its parser serves questions without the embedding model
def test_a_pipeline_from_a_question_stores_its_sql(api: Api) -> None:
    body = {"name": "by-region", "question": "total amount by region", "target_table": "amounts"}
    created = api.client.post("/api/v1/pipelines", json=body, headers=api.headers("admin"))

    assert created.status_code == 201, created.text
    pipeline = created.json()
    assert pipeline["question"] == "total amount by region"
    assert "orders" in pipeline["sql"].lower() and "group by" in pipeline["sql"].lower()


def test_update_pause_and_delete(api: Api) -> None:
    api.client.post("/api/v1/pipelines", json=REVENUE, headers=api.headers("admin"))

    paused = api.client.patch(
        "/api/v1/pipelines/eu-revenue", json={"status": "paused", "schedule": ""}, headers=api.headers("admin")
    ).json()
    assert paused["status"] == "paused" and paused["schedule"] is None and paused["next_run_at"] is None
    merged = api.client.patch(
        "/api/v1/pipelines/eu-revenue", json={"mode": "merge", "merge_keys": ["region"]}, headers=api.headers("admin")
    )
    assert merged.status_code == 200 and merged.json()["merge_keys"] == ["region"]

    assert api.client.delete("/api/v1/pipelines/eu-revenue", headers=api.headers("admin")).status_code == 204
    assert api.client.get("/api/v1/pipelines/eu-revenue", headers=api.headers("analyst")).status_code == 404
    assert api.client.get("/api/v1/pipelines", headers=api.headers("analyst")).json() == []


def test_invalid_pipelines_are_refused_before_anything_is_stored(api: Api) -> None:
    cases = [
        ({**REVENUE, "schedule": "every day"}, 422),
        ({**REVENUE, "mode": "merge"}, 422),
        ({**REVENUE, "sql": "DELETE FROM orders"}, 400),
        ({**REVENUE, "sql": "SELECT nope FROM orders"}, 400),
        ({**REVENUE, "sql": "SELECT * FROM missing"}, 404),
    ]
    for body, status in cases:
        response = api.client.post("/api/v1/pipelines", json=body, headers=api.headers("admin"))
        assert response.status_code == status, (body, response.text)
    assert api.client.get("/api/v1/pipelines", headers=api.headers("admin")).json() == []
    api.client.post("/api/v1/pipelines", json=REVENUE, headers=api.headers("admin"))
    assert api.client.post("/api/v1/pipelines", json=REVENUE, headers=api.headers("admin")).status_code == 409


def test_a_failed_run_answers_with_its_error_and_leaves_the_table(api: Api) -> None:
    api.client.post("/api/v1/pipelines", json=REVENUE, headers=api.headers("admin"))
    api.client.post("/api/v1/pipelines/eu-revenue/run", headers=api.headers("admin"))
    before = api.platform.storage.read_table("revenue_by_region")
    # The source loses the column the pipeline sums: the next run's query fails.
    api.platform.storage.write_table(
        api.platform.storage.read_table("orders").drop(["amount"]), "orders", mode="overwrite", schema_mode="overwrite"
    )

    run = api.client.post("/api/v1/pipelines/eu-revenue/run", headers=api.headers("admin")).json()

    assert run["status"] == "failed" and "amount" in run["error"]
    assert api.platform.storage.read_table("revenue_by_region").equals(before)
    assert api.platform.storage.current_version("revenue_by_region") == 0


def test_the_served_app_runs_due_pipelines_on_its_scheduler_thread(settings: Settings) -> None:
    app = create_app(settings, scheduler=True, scheduler_interval_s=0.05)
    with TestClient(app):
        platform = app.state.api.platform(settings)
        platform.storage.write_table(ORDERS, "orders")
        service = app.state.api.pipelines(settings)
        service.create(
            PipelineSpec(name="yearly", sql="SELECT * FROM orders", target_table="copy", schedule="0 0 1 1 *")
        )
        with platform.catalog.session() as session:  # due now rather than at the next minute
            session.execute(update(Pipeline).where(Pipeline.name == "yearly").values(next_run_at=utcnow()))
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not [r for r in service.runs("yearly") if r.finished_at]:
            time.sleep(0.05)
        [run] = service.runs("yearly")

    assert run.trigger == "schedule" and run.status == "succeeded"
    assert app.state.api.scheduler is None  # stopped with the app
