"""Tables: list, describe, history, rows, upload, maintenance."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from neurolake.api.schemas.common import UtcDatetime


class ColumnPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    type: str
    nullable: bool
    description: str | None = None


class TablePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    version: int = Field(validation_alias="current_version")
    row_count: int | None
    size_bytes: int | None
    partition_by: list[str] | None
    description: str | None
    updated_at: UtcDatetime
    columns: list[ColumnPublic]


class CommitPublic(BaseModel):
    version: int
    timestamp: UtcDatetime
    operation: str
    parameters: dict[str, Any]
    metrics: dict[str, Any]


class IngestPublic(BaseModel):
    """What an upload did, and the table after it."""

    table: str
    format: str
    mode: str
    rows: int
    version: int
    inserted: int = 0
    updated: int = 0
    created: bool


class OptimizeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    zorder_by: list[str] = Field(default_factory=list, description="Columns to Z-order by; empty: compact only")


class OptimizePublic(BaseModel):
    table: str
    version: int
    metrics: dict[str, Any]


class VacuumCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    retention_hours: int = Field(168, ge=0, le=100_000, description="Keep files newer versions need within this")
    dry_run: bool = Field(True, description="List the files without deleting them")


class VacuumPublic(BaseModel):
    table: str
    dry_run: bool
    files: list[str]
