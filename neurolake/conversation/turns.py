"""What a conversation hands back: one ``Turn`` per question, records of past turns, threads.

Everything here is plain data with a ``to_dict()`` that is JSON-ready, so the REST API and
the chat can send it as is. ``Turn.result`` is the engine's ``QueryResult`` (Arrow rows);
records kept in the conversation's history hold only its shape (columns, row count).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from neurolake.engine import QueryResult

StepName = Literal["understand", "clarify", "generate_sql", "validate", "optimize", "execute", "present", "remember"]
#: The steps of one turn, in the order they can run.
STEPS: tuple[str, ...] = (
    "understand",
    "clarify",
    "generate_sql",
    "validate",
    "optimize",
    "execute",
    "present",
    "remember",
)
Feedback = Literal["up", "down"]


@dataclass
class Turn:
    """One question answered: its reading, SQL, rows, plan, chart, or a question back."""

    thread_id: str
    turn_id: str
    question: str
    intent: dict[str, Any] = field(default_factory=dict)
    sql: str | None = None
    result: QueryResult | None = None
    #: The query plan as text, with the optimizer's rewrites.
    plan: str | None = None
    #: Table name to the Delta version the answer read.
    table_versions: dict[str, Any] = field(default_factory=dict)
    #: ``{"kind": "line"|"bar", "x": column, "y": column}`` or None.
    chart: dict[str, str] | None = None
    #: ``{"question": str, "options": [{"id": str, "label": str, "preview"?: {...}}]}`` or None
    #: (``PendingClarification.public()``).
    clarification: dict[str, Any] | None = None
    #: A short answer for people, or what went wrong and what to do about it.
    message: str = ""
    #: A short code when the turn failed (``invalid_query``, ``timeout``, ...), else None.
    error: str | None = None
    steps: list[str] = field(default_factory=list)
    #: Where the SQL came from: parser, model, memory, typed, previous.
    source: str | None = None
    #: What a person should know beside the rows (a repair, which year "last year" was, a reuse).
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; ``result`` is the engine's ``to_json`` (columns, rows, metrics)."""
        return {
            "thread_id": self.thread_id,
            "turn_id": self.turn_id,
            "question": self.question,
            "intent": self.intent,
            "sql": self.sql,
            "result": json.loads(self.result.to_json()) if self.result is not None else None,
            "plan": self.plan,
            "table_versions": dict(self.table_versions),
            "chart": self.chart,
            "clarification": self.clarification,
            "message": self.message,
            "error": self.error,
            "steps": list(self.steps),
            "source": self.source,
            "notes": list(self.notes),
        }


@dataclass
class TurnRecord:
    """A past turn as the thread's history keeps it (no rows, only their shape)."""

    thread_id: str
    turn_id: str
    question: str
    asked_at: str
    intent: dict[str, Any] = field(default_factory=dict)
    sql: str | None = None
    message: str = ""
    error: str | None = None
    clarification: dict[str, Any] | None = None
    columns: list[str] = field(default_factory=list)
    row_count: int | None = None
    chart: dict[str, str] | None = None
    table_versions: dict[str, Any] = field(default_factory=dict)
    steps: list[str] = field(default_factory=list)
    source: str | None = None
    feedback: Feedback | None = None
    #: The id of this answer in conversation memory, when it was remembered.
    memory_id: str | None = None
    #: The username that asked, when known.
    user: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TurnRecord:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_dict(self) -> dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass
class ThreadInfo:
    """One conversation: who owns it, its title (the first question) and its activity."""

    thread_id: str
    title: str
    user: str | None
    created_at: str
    updated_at: str
    turns: int
    #: True while a clarification waits for the user's answer.
    pending: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class TurnEvent:
    """Streamed progress: a step starting or done, then the finished turn."""

    kind: Literal["step", "turn"]
    name: str | None = None
    status: Literal["start", "done"] | None = None
    detail: Any = None
    turn: Turn | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "status": self.status,
            "detail": self.detail,
            "turn": self.turn.to_dict() if self.turn is not None else None,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
