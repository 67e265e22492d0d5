"""The result cache."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class CacheStatsPublic(BaseModel):
    backend: str
    scope: str
    enabled: bool
    hits: int
    misses: int
    puts: int
    evictions: int
    rejected_too_large: int
    not_admitted: int
    coalesced: int
    errors: int
    entries: int | None
    bytes: int | None
    max_bytes: int | None
    available: bool
    hit_rate: float


class CacheInvalidate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    table: str = Field(min_length=1, max_length=255)


class CacheWarm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    top: int = Field(10, ge=1, le=1000, description="How many of the most frequent queries to run")
    recent: int = Field(1000, ge=1, le=100_000, description="How many of the newest history rows to rank")


class CacheChangePublic(BaseModel):
    removed: int


class WarmPublic(BaseModel):
    ran: list[str]
    failed: list[dict[str, str]]
    skipped: list[str]
