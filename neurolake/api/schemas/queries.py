"""Queries: run, explain, cancel, history."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from neurolake.api.schemas.common import UtcDatetime

#: Largest row cap a request may ask for; past it, paginate.
MAX_ROWS = 100_000
QUERY_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"

Params = dict[str, Any] | list[Any] | None


class QueryCreate(BaseModel):
    """A statement to run."""

    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=100_000, examples=["SELECT * FROM orders WHERE amount > $min"])
    params: Params = Field(None, description='Named ({"min": 10}) or positional ([10]) parameters')
    limit: int | None = Field(None, ge=1, le=MAX_ROWS, description="Row cap; default the engine's")
    page: int | None = Field(None, ge=1, description="1-based page of page_size rows")
    page_size: int | None = Field(None, ge=1, le=MAX_ROWS)
    timeout_s: float | None = Field(None, gt=0, le=3600, description="Time limit; default the engine's")
    use_cache: bool = True
    allow_write: bool = Field(False, description="Run INSERT/UPDATE/DELETE/CREATE (admins only)")
    query_id: str | None = Field(
        None, pattern=QUERY_ID_PATTERN, description="Your id for this query, to cancel it from another request"
    )


class ExplainCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1, max_length=100_000)
    params: Params = None


class QueryMetricsPublic(BaseModel):
    model_config = ConfigDict(extra="allow")

    query_id: str
    backend: str
    rows: int
    bytes: int
    duration_ms: float
    tables_read: dict[str, list[int]] = Field(default_factory=dict)
    cache_hit: bool = False


class QueryPublic(BaseModel):
    """One result: rows as JSON arrays in column order (see docs/api.md for value encodings)."""

    model_config = ConfigDict(extra="allow")

    query_id: str
    sql: str
    columns: list[str]
    column_types: list[str]
    rows: list[list[Any]]
    row_count: int
    truncated: bool
    page: int | None = None
    page_size: int | None = None
    metrics: QueryMetricsPublic


class PlanPublic(BaseModel):
    """The plan; fields the engine adds later (optimizer details) pass through."""

    model_config = ConfigDict(extra="allow")

    sql: str
    backend: str
    tables: list[dict[str, Any]]
    physical: str
    text: str = Field(description="The plan rendered as a tree")


class CancelPublic(BaseModel):
    query_id: str
    cancelled: bool


class RunningPublic(BaseModel):
    query_ids: list[str]


class HistoryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    query_id: str | None
    sql: str
    question: str | None
    user_id: int | None
    status: str
    error: str | None
    rows: int | None
    duration_ms: float | None
    cache_hit: bool
    executed_at: UtcDatetime
