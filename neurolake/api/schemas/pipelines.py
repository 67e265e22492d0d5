"""Pipelines and their runs (the request bodies are ``neurolake.pipelines`` models)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from neurolake.api.schemas.common import UtcDatetime
from neurolake.catalog.models import Pipeline
from neurolake.pipelines.definition import PipelineSpec as PipelineCreate
from neurolake.pipelines.definition import PipelineUpdate

__all__ = ["PipelineCreate", "PipelinePublic", "PipelineRunPublic", "PipelineUpdate"]


class PipelinePublic(BaseModel):
    name: str
    sql: str
    question: str | None
    target_table: str
    mode: str
    merge_keys: list[str]
    schedule: str | None
    status: str
    description: str | None
    owner_id: int | None
    last_run_at: UtcDatetime | None
    next_run_at: UtcDatetime | None
    created_at: UtcDatetime

    @classmethod
    def of(cls, pipeline: Pipeline) -> PipelinePublic:
        d = pipeline.definition
        return cls(
            name=pipeline.name,
            sql=d.get("sql") or "",
            question=d.get("question"),
            target_table=d.get("target_table", ""),
            mode=d.get("mode", "append"),
            merge_keys=list(d.get("merge_keys") or []),
            schedule=pipeline.schedule,
            status=pipeline.status,
            description=d.get("description"),
            owner_id=pipeline.owner_id,
            last_run_at=pipeline.last_run_at,
            next_run_at=pipeline.next_run_at,
            created_at=pipeline.created_at,
        )


class PipelineRunPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    pipeline_id: int
    status: str
    trigger: str
    user_id: int | None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None
    duration_ms: float | None
    rows: int | None
    table_version: int | None
    error: str | None
