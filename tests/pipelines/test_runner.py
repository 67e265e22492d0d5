"""Runs write their target in one commit; a failed run leaves the target exactly as it was."""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.catalog.models import User
from neurolake.catalog.repositories.audit import list_audit
from neurolake.catalog.repositories.history import list_queries
from neurolake.errors import NotFoundError
from neurolake.pipelines.definition import PipelineSpec
from neurolake.pipelines.runner import PipelineRunner
from neurolake.pipelines.service import PipelineService
from neurolake.platform import NeuroLake

TOTALS = "SELECT region, sum(amount)::BIGINT AS total FROM sales GROUP BY region"


def _spec(**changes: object) -> PipelineSpec:
    return PipelineSpec(**{"name": "totals", "sql": TOTALS, "target_table": "totals", **changes})


def test_append_overwrite_and_merge_write_what_they_say(service: PipelineService, sales: NeuroLake) -> None:
    service.create(_spec(name="appended", target_table="appended"))
    service.create(_spec(name="replaced", target_table="replaced", mode="overwrite"))
    service.create(_spec(name="merged", target_table="merged", mode="merge", merge_keys=["region"]))
    for _ in range(2):
        for name in ("appended", "replaced", "merged"):
            assert service.run(name).status == "succeeded"

    storage = sales.storage
    assert storage.read_table("appended").num_rows == 4
    assert storage.read_table("replaced").num_rows == 2
    assert storage.read_table("merged").num_rows == 2
    assert storage.current_version("replaced") == 1


def test_a_run_records_status_rows_duration_version_and_user(
    service: PipelineService, sales: NeuroLake, owner: User
) -> None:
    service.create(_spec(), owner=owner)
    run = service.run("totals")

    assert (run.status, run.rows, run.table_version, run.trigger, run.user_id) == (
        "succeeded",
        2,
        0,
        "manual",
        owner.id,
    )
    assert run.duration_ms is not None and run.duration_ms > 0 and run.finished_at is not None
    assert [r.id for r in service.runs("totals")] == [run.id]
    sales.engine.flush_history()
    with sales.catalog.session() as session:
        assert list_queries(session, user_id=owner.id)[0].sql == TOTALS
        [entry] = list_audit(session, action="pipeline.run")
        assert entry.user_id == owner.id and entry.details["status"] == "succeeded"


def test_a_query_failure_leaves_the_target_exactly_as_it_was(service: PipelineService, sales: NeuroLake) -> None:
    service.create(_spec(mode="overwrite"))
    service.run("totals")
    before, version = sales.storage.read_table("totals"), sales.storage.current_version("totals")
    # The source loses the summed column: the next run's query fails before any write.
    sales.storage.write_table(SALES_WITHOUT_AMOUNT, "sales", mode="overwrite", schema_mode="overwrite")

    run = service.run("totals")

    assert run.status == "failed" and "amount" in (run.error or "")
    assert sales.storage.current_version("totals") == version
    assert sales.storage.read_table("totals").equals(before)


def test_a_write_failure_leaves_the_target_exactly_as_it_was(service: PipelineService, sales: NeuroLake) -> None:
    # The target's total is BIGINT; the pipeline now produces text: the write is refused whole.
    service.create(_spec())
    service.run("totals")
    before, version = sales.storage.read_table("totals"), sales.storage.current_version("totals")
    with sales.catalog.session() as session:
        from neurolake.pipelines import store

        pipeline = store.require_pipeline(session, "totals")
        pipeline.definition = {**pipeline.definition, "sql": "SELECT region, 'lots' AS total FROM sales"}

    run = service.run("totals")

    assert run.status == "failed" and run.error
    assert sales.storage.current_version("totals") == version
    assert sales.storage.read_table("totals").equals(before)
    assert [r.status for r in service.runs("totals")] == ["failed", "succeeded"]


def test_a_result_over_the_row_limit_fails_without_writing(sales: NeuroLake, service: PipelineService) -> None:
    service.create(_spec(sql="SELECT * FROM sales"))
    runner = PipelineRunner(sales.catalog, sales.engine, sales.storage, row_limit=2)

    run = runner.run("totals")

    assert run.status == "failed" and "more than 2 rows" in (run.error or "")
    assert not sales.storage.exists("totals")


def test_running_an_unknown_pipeline_names_the_ones_that_exist(service: PipelineService) -> None:
    service.create(_spec())
    with pytest.raises(NotFoundError, match="No pipeline named 'nope'") as caught:
        service.run("nope")
    assert "totals" in (caught.value.hint or "")


SALES_WITHOUT_AMOUNT = pa.table({"id": pa.array([1], pa.int64()), "region": ["EU"]})
