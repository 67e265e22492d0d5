"""Due pipelines run once per slot (claimed first), paused ones never; the serve thread ticks."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from neurolake.catalog.models import Pipeline
from neurolake.pipelines.definition import PipelineSpec, PipelineUpdate
from neurolake.pipelines.scheduler import PipelineScheduler, run_due
from neurolake.pipelines.service import PipelineService
from neurolake.platform import NeuroLake

SQL = "SELECT region, count(*) AS orders FROM sales GROUP BY region"


def _make_due(platform: NeuroLake, name: str, when: datetime) -> None:
    with platform.catalog.session() as session:
        session.execute(update(Pipeline).where(Pipeline.name == name).values(next_run_at=when))


def test_due_pipelines_run_once_and_are_rescheduled(service: PipelineService, sales: NeuroLake) -> None:
    service.create(PipelineSpec(name="hourly", sql=SQL, target_table="counts", schedule="0 * * * *"))
    service.create(PipelineSpec(name="later", sql=SQL, target_table="later", schedule="0 6 1 1 *"))
    now = datetime.now(UTC)
    _make_due(sales, "hourly", now - timedelta(minutes=1))

    first = run_due(sales, now)
    second = service.run_due(now)  # the same slot again: already claimed

    assert [r.trigger for r in first] == ["schedule"] and first[0].status == "succeeded"
    assert second == []
    assert sales.storage.read_table("counts").num_rows == 2
    pipeline = service.get("hourly")
    assert pipeline.next_run_at is not None and pipeline.next_run_at.replace(tzinfo=UTC) > now
    assert not sales.storage.exists("later")


def test_paused_and_unscheduled_pipelines_never_run(service: PipelineService, sales: NeuroLake) -> None:
    service.create(PipelineSpec(name="paused", sql=SQL, target_table="p", schedule="* * * * *"))
    service.create(PipelineSpec(name="manual", sql=SQL, target_table="m"))
    service.update("paused", PipelineUpdate(status="paused"))
    _make_due(sales, "paused", datetime.now(UTC) - timedelta(hours=1))

    assert service.run_due(datetime.now(UTC) + timedelta(days=1)) == []


def test_a_failing_scheduled_run_is_recorded_and_the_next_slot_still_comes(
    service: PipelineService, sales: NeuroLake
) -> None:
    service.create(PipelineSpec(name="fragile", sql=SQL, target_table="fragile", schedule="*/5 * * * *"))
    sales.storage.drop_table("sales")
    now = datetime.now(UTC)
    _make_due(sales, "fragile", now - timedelta(seconds=1))

    [run] = service.run_due(now)

    assert run.status == "failed" and "sales" in (run.error or "")
    assert service.get("fragile").next_run_at is not None


def test_the_scheduler_thread_runs_due_pipelines(service: PipelineService, sales: NeuroLake) -> None:
    service.create(PipelineSpec(name="often", sql=SQL, target_table="often", schedule="0 0 1 1 *"))
    _make_due(sales, "often", datetime.now(UTC) - timedelta(minutes=1))
    scheduler = PipelineScheduler(service, interval_s=0.05)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        while not service.runs("often") and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        scheduler.stop()

    assert [r.status for r in service.runs("often")] == ["succeeded"]
    assert scheduler.ticks >= 1
