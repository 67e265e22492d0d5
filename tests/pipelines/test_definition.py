"""What a pipeline definition accepts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from neurolake.pipelines.definition import PipelineSpec, PipelineUpdate

BASE = {"name": "daily", "sql": "SELECT 1 AS x", "target_table": "t"}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sql": None}, "exactly one of sql and question"),
        ({"question": "revenue by region"}, "exactly one of sql and question"),
        ({"mode": "merge"}, "merge needs merge_keys"),
        ({"merge_keys": ["id"]}, "only apply to mode merge"),
        ({"target_table": "bad-name"}, "not a valid table name"),
        ({"name": "has space"}, "pattern"),
        ({"schedule": "daily"}, "not a cron schedule"),
        ({"surprise": 1}, "Extra inputs"),
    ],
)
def test_inconsistent_definitions_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PipelineSpec(**{**BASE, **changes})


def test_definition_keeps_what_runs_need() -> None:
    spec = PipelineSpec(**BASE, mode="merge", merge_keys=["x"], schedule="0 6 * * *")
    assert spec.definition() == {
        "sql": "SELECT 1 AS x",
        "question": None,
        "target_table": "t",
        "mode": "merge",
        "merge_keys": ["x"],
        "description": None,
    }


def test_an_update_takes_sql_or_question_not_both() -> None:
    with pytest.raises(ValidationError, match="not both"):
        PipelineUpdate(sql="SELECT 1", question="how many")
    assert PipelineUpdate(schedule="").schedule == ""
