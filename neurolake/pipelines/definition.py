"""What a pipeline is: a name, SQL or a question, a target table, a write mode and a schedule."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from neurolake.errors import NeuroLakeError
from neurolake.pipelines.schedule import validate_cron
from neurolake.storage.names import validate_table_name

WriteMode = Literal["append", "overwrite", "merge"]
PipelineStatus = Literal["active", "paused"]
NAME_PATTERN = r"^[A-Za-z][A-Za-z0-9_-]{0,127}$"


class PipelineDefinitionError(NeuroLakeError, ValueError):
    """A pipeline definition that does not hold together (e.g. merge without keys)."""

    status_code = 400


def _check_table(value: str | None) -> str | None:
    # The storage's own rule, so a pipeline cannot be created that could never write.
    return validate_table_name(value) if value is not None else None


def _check_cron(value: str | None) -> str | None:
    return validate_cron(value) if value else None


class PipelineSpec(BaseModel):
    """A pipeline as it is created. Exactly one of ``sql`` and ``question`` is given."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN, description="Unique name (letters, digits, _ and -)")
    sql: str | None = Field(None, min_length=1, max_length=100_000, description="A read-only query")
    question: str | None = Field(
        None, min_length=1, max_length=2_000, description="A question, turned into SQL once at creation"
    )
    target_table: str = Field(description="Delta table the rows are written to (created on the first run)")
    mode: WriteMode = Field("append", description="append, overwrite, or merge (upsert on merge_keys)")
    merge_keys: list[str] = Field(default_factory=list, description="Key columns for mode=merge")
    schedule: str | None = Field(None, description="Cron expression (UTC); none: run only on request")
    status: PipelineStatus = Field("active", description="paused pipelines are not scheduled")
    description: str | None = Field(None, max_length=2_000)

    _table = field_validator("target_table")(classmethod(lambda cls, v: _check_table(v)))
    _cron = field_validator("schedule")(classmethod(lambda cls, v: _check_cron(v)))

    @model_validator(mode="after")
    def _consistent(self) -> PipelineSpec:
        if (self.sql is None) == (self.question is None):
            raise ValueError("give exactly one of sql and question")
        check_merge_keys(self.mode, self.merge_keys)
        return self

    def definition(self) -> dict[str, Any]:
        """What goes in ``pipelines.definition`` (everything but name, schedule and status)."""
        return {
            "sql": self.sql,
            "question": self.question,
            "target_table": self.target_table,
            "mode": self.mode,
            "merge_keys": list(self.merge_keys),
            "description": self.description,
        }


class PipelineUpdate(BaseModel):
    """A change to a pipeline: only the fields given change. ``schedule=""`` removes the schedule."""

    model_config = ConfigDict(extra="forbid")

    sql: str | None = Field(None, min_length=1, max_length=100_000)
    question: str | None = Field(None, min_length=1, max_length=2_000)
    target_table: str | None = None
    mode: WriteMode | None = None
    merge_keys: list[str] | None = None
    schedule: str | None = None
    status: PipelineStatus | None = None
    description: str | None = Field(None, max_length=2_000)

    _table = field_validator("target_table")(classmethod(lambda cls, v: _check_table(v)))

    @field_validator("schedule")
    @classmethod
    def _cron_or_empty(cls, value: str | None) -> str | None:
        return value if value is None or value == "" else validate_cron(value)

    @model_validator(mode="after")
    def _one_source(self) -> PipelineUpdate:
        if self.sql is not None and self.question is not None:
            raise ValueError("give sql or question, not both")
        return self


def check_merge_keys(mode: str, keys: list[str]) -> None:
    """Merge needs key columns; other modes take none."""
    if mode == "merge" and not keys:
        raise ValueError("mode merge needs merge_keys (the columns that identify a row)")
    if mode != "merge" and keys:
        raise ValueError("merge_keys only apply to mode merge")
