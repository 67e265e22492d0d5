"""Bodies every part of the API shares: errors, health."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from neurolake.pipelines.schedule import as_utc

#: A time sent with its UTC offset (SQLite hands stored times back without one).
UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


class ErrorPublic(BaseModel):
    """Every error response: what went wrong and what to do, never a stack trace."""

    error: str = Field(description="Error kind, e.g. TableNotFoundError, ValidationError, InternalError")
    message: str = Field(description="What went wrong, for a person")
    hint: str | None = Field(None, description="What to do about it")
    request_id: str | None = Field(None, description="Quote this to find the request in the server log")
    line: int | None = Field(None, description="SQL line of a syntax error")
    column: int | None = Field(None, description="SQL column of a syntax error")
    details: list[dict[str, object]] | None = Field(None, description="Per-field problems of a malformed request")


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorPublic, "description": text}
    for code, text in {
        400: "The request or its SQL is invalid",
        401: "No valid API key",
        403: "The role does not allow this",
        404: "Not found",
        409: "Conflict",
        413: "Upload or result too large",
        422: "Malformed request",
        429: "Rate limit",
        503: "A service the API needs (the catalog database) is unreachable",
        504: "Timed out",
    }.items()
}


class HealthPublic(BaseModel):
    status: Literal["ok"] = "ok"
    version: str


class ComponentStatus(BaseModel):
    status: Literal["ok", "error"]
    duration_ms: float
    detail: str | None = None


class ReadyPublic(BaseModel):
    status: Literal["ready", "not ready"]
    components: dict[str, ComponentStatus]
    #: The embedding model behind the conversations (``neurolake serve``); ready does not wait for it.
    models: Literal["loading", "loaded", "failed"] | None = None
