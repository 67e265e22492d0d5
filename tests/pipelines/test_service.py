"""Creating pipelines from SQL or a question, changing and deleting them."""

from __future__ import annotations

import pytest

from neurolake.errors import QueryValidationError, TableNotFoundError
from neurolake.pipelines.definition import PipelineDefinitionError, PipelineSpec, PipelineUpdate
from neurolake.pipelines.service import PipelineService
from neurolake.pipelines.store import PipelineExistsError
from neurolake.platform import NeuroLake


def test_a_question_becomes_sql_once_at_creation(service: PipelineService) -> None:
    pipeline = service.create(PipelineSpec(name="q", question="total amount by region", target_table="t"))

    sql = pipeline.definition["sql"]
    assert "sum" in sql.lower() and "sales" in sql.lower()
    assert pipeline.definition["question"] == "total amount by region"
    assert service.run("q").status == "succeeded"


def test_unanswerable_questions_and_bad_sql_are_refused(service: PipelineService) -> None:
    with pytest.raises(QueryValidationError):
        service.create(PipelineSpec(name="q", question="what is the meaning of life", target_table="t"))
    with pytest.raises(QueryValidationError, match="Only queries"):
        service.create(PipelineSpec(name="w", sql="DELETE FROM sales", target_table="t"))
    with pytest.raises(TableNotFoundError):
        service.create(PipelineSpec(name="m", sql="SELECT * FROM nowhere", target_table="t"))
    assert service.all() == []


def test_names_are_unique(service: PipelineService) -> None:
    service.create(PipelineSpec(name="a", sql="SELECT * FROM sales", target_table="t"))
    with pytest.raises(PipelineExistsError):
        service.create(PipelineSpec(name="a", sql="SELECT * FROM sales", target_table="u"))


def test_updates_change_only_what_they_name(service: PipelineService) -> None:
    service.create(PipelineSpec(name="a", sql="SELECT * FROM sales", target_table="t", schedule="0 6 * * *"))

    changed = service.update("a", PipelineUpdate(sql="SELECT id FROM sales", mode="overwrite"))
    assert changed.definition["sql"] == "SELECT id FROM sales" and changed.definition["mode"] == "overwrite"
    assert changed.schedule == "0 6 * * *" and changed.definition["target_table"] == "t"
    unscheduled = service.update("a", PipelineUpdate(schedule=""))
    assert unscheduled.schedule is None and unscheduled.next_run_at is None
    with pytest.raises(PipelineDefinitionError, match="merge_keys"):
        service.update("a", PipelineUpdate(mode="merge"))


def test_delete_removes_the_pipeline_and_its_runs_but_not_its_table(service: PipelineService, sales: NeuroLake) -> None:
    service.create(PipelineSpec(name="a", sql="SELECT * FROM sales", target_table="t"))
    service.run("a")

    service.delete("a")

    assert service.all() == [] and sales.storage.exists("t")
