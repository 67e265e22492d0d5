"""Questions in a conversation."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from neurolake.intent.model import Preview

CONVERSATION_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class AskCreate(BaseModel):
    """A question; give ``conversation_id`` to ask a follow-up in the same conversation."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2_000, examples=["revenue by region last month"])
    conversation_id: str | None = Field(None, pattern=CONVERSATION_ID_PATTERN)


class AnswerCreate(BaseModel):
    """The answer to the pending clarification."""

    model_config = ConfigDict(extra="forbid")

    choice: str | int = Field(examples=["1", "gross revenue"], description="An option's id, or its label")


class ClarificationOptionPublic(BaseModel):
    """One reading of the question; ``preview`` holds its first rows when the readings were run."""

    id: str
    label: str
    preview: Preview | None = Field(
        None, description="The reading's first rows (columns, rows, row_count, truncated), to pick by what it gives"
    )


class ClarificationPublic(BaseModel):
    """Answer it with one option's ``id`` (or its label) as ``choice``."""

    question: str
    options: list[ClarificationOptionPublic]


class AskPublic(BaseModel):
    """One turn: a result, or a clarification to answer with POST .../answer."""

    conversation_id: str
    question: str | None = None
    sql: str | None = None
    result: dict[str, Any] | None = None
    clarification: ClarificationPublic | None = None
    message: str | None = None
    error: str | None = Field(None, description="Why the turn has no result (e.g. the question was refused)")
    schedule: dict[str, Any] | None = Field(None, description="For a scheduling question: cron and label")
    notes: list[str] = Field(
        default_factory=list, description="What the answer did without, e.g. the embedding model still loading"
    )
    turn: dict[str, Any] = Field(default_factory=dict, description="Everything the conversation service returned")
