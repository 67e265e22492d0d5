"""``TurnPlan``: one turn of a conversation as one typed object in the graph's state.

It holds the question, its reading (the intent and the follow-up decision the parser made
while reading it), per-table time travel, the SQL with its statement kind (the sqlglot tree
on demand), what the run gave back, and what the answer says. Nodes read it with
``TurnPlan.from_dict`` and return ``plan.to_dict()``, so the state stays JSON-plain for any
checkpointer; ``dataclasses.replace`` makes the next plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from agents.analyst import SqlPlan
from neurolake.conversation import DEFAULT_ROW_LIMIT, PendingClarification, Understanding
from neurolake.conversation.timetravel import TablePin
from neurolake.errors import NeuroLakeError
from neurolake.intent.model import Intent

if TYPE_CHECKING:
    from sqlglot import exp

    from neurolake.engine import QueryResult


@dataclass(frozen=True)
class Statement:
    """SQL to run and the kind of statement its sqlglot tree is (None: it does not parse)."""

    sql: str
    kind: str | None = None

    @classmethod
    def of(cls, sql: str) -> Statement:
        from neurolake.engine.safety import classify

        try:
            return cls(sql, classify(_parse(sql)).value)
        except (NeuroLakeError, ValueError):
            return cls(sql)

    @cached_property
    def tree(self) -> exp.Expr:
        """The sqlglot tree (parsed on first use: trees are not JSON, the SQL text is)."""
        return _parse(self.sql)

    @property
    def is_query(self) -> bool:
        return self.kind == "query"


@dataclass(frozen=True)
class ResultShape:
    """What the run gave back, without the rows (they travel in the run's context)."""

    columns: tuple[str, ...]
    row_count: int
    truncated: bool = False

    @classmethod
    def of(cls, result: QueryResult) -> ResultShape:
        return cls(tuple(result.columns), result.row_count, result.truncated)


@dataclass(frozen=True)
class TurnPlan:
    """The turn in progress: each node reads it and returns the next one."""

    thread_id: str
    turn_id: str
    question: str
    asked_at: str = ""
    #: SQL typed with ``/sql``: run as typed, never read by the parser.
    typed_sql: bool = False
    #: ``/asof``: tables read at a version or a point in time, each on its own.
    pins: tuple[TablePin, ...] = ()
    # -- the reading
    intent: Intent | None = None
    #: The parser's decision, made once while reading: this question edits the last answer.
    follow_up: bool = False
    command: str | None = None
    #: A clarification waiting for its answer.
    pending: PendingClarification | None = None
    #: What the user was asked (``{"question", "options"}``), kept for the turn's record.
    clarification: dict[str, Any] | None = None
    refine: Mapping[str, Any] = field(default_factory=dict)
    row_limit: int = DEFAULT_ROW_LIMIT
    examples: tuple[tuple[str, str], ...] = ()
    memory_id: str | None = None
    # -- the SQL
    statement: Statement | None = None
    #: The parser's SQL when another source (memory, a model) wrote ``statement``.
    fallback_sql: str | None = None
    source: str | None = None
    writes: bool = False
    #: What validation repaired, one line each.
    repairs: tuple[str, ...] = ()
    #: Tools a model called while writing the SQL.
    tools_called: tuple[str, ...] = ()
    # -- the run
    query_plan: str | None = None
    table_versions: Mapping[str, Any] = field(default_factory=dict)
    result: ResultShape | None = None
    # -- the answer
    chart: dict[str, str] | None = None
    #: What the answer says beside its rows (repairs, the year a relative period took, ...).
    notes: tuple[str, ...] = ()
    message: str | None = None
    error: str | None = None
    steps: tuple[str, ...] = ()

    @property
    def sql(self) -> str | None:
        return self.statement.sql if self.statement is not None else None

    # ------------------------------------------------------------------------ to and from the agent

    def understanding(self) -> Understanding:
        """The reading as the conversation manager and the analyst take it."""
        return Understanding(
            question=self.question,
            intent=self.intent,
            command=self.command,
            pending=self.pending,
            refine=dict(self.refine),
            row_limit=self.row_limit,
            follow_up=self.follow_up,
            sql=self.sql,
            source=self.source,
            examples=list(self.examples),
            memory_id=self.memory_id,
            writes=self.writes,
        )

    def understood(self, seen: Understanding) -> TurnPlan:
        """This plan with the manager's reading of the question."""
        return replace(
            self,
            intent=seen.intent,
            follow_up=seen.follow_up,
            command=seen.command,
            pending=seen.pending,
            clarification=seen.pending.public() if seen.pending is not None else None,
            refine=dict(seen.refine),
            row_limit=seen.row_limit,
            statement=Statement.of(seen.sql) if seen.sql is not None else None,
            source=seen.source,
            examples=tuple(seen.examples),
            memory_id=seen.memory_id,
            writes=seen.writes,
            notes=tuple(seen.notes),
            message=seen.message,
            error=seen.error,
        )

    def sql_plan(self) -> SqlPlan:
        """The SQL as the analyst validates, plans and runs it."""
        return SqlPlan(
            question=self.question,
            sql=self.sql or "",
            source=self.source or "parser",
            row_limit=self.row_limit,
            fallback_sql=self.fallback_sql,
            writes=self.writes,
            repairs=list(self.repairs),
        )

    def with_sql(self, plan: SqlPlan) -> TurnPlan:
        """This plan with the analyst's SQL (parsed again only when the text changed)."""
        same = self.statement is not None and self.statement.sql == plan.sql
        return replace(
            self,
            statement=self.statement if same else Statement.of(plan.sql),
            source=plan.source,
            fallback_sql=plan.fallback_sql,
            writes=plan.writes,
            repairs=tuple(plan.repairs),
            tools_called=tuple(plan.tools_called) or self.tools_called,
        )

    def failed(self, code: str, message: str) -> TurnPlan:
        return replace(self, error=code, message=message)

    def with_step(self, name: str) -> TurnPlan:
        return replace(self, steps=(*self.steps, name))

    # ------------------------------------------------------------------------ JSON for the checkpointer

    def to_dict(self) -> dict[str, Any]:
        """JSON-plain: what the checkpointer stores."""
        return {
            "thread_id": self.thread_id,
            "turn_id": self.turn_id,
            "question": self.question,
            "asked_at": self.asked_at,
            "typed_sql": self.typed_sql,
            "pins": [p.to_dict() for p in self.pins],
            "intent": self.intent.model_dump(mode="json") if self.intent is not None else None,
            "follow_up": self.follow_up,
            "command": self.command,
            "pending": self.pending.to_state() if self.pending is not None else None,
            "clarification": self.clarification,
            "refine": dict(self.refine),
            "row_limit": self.row_limit,
            "examples": [list(e) for e in self.examples],
            "memory_id": self.memory_id,
            "statement": {"sql": self.statement.sql, "kind": self.statement.kind} if self.statement else None,
            "fallback_sql": self.fallback_sql,
            "source": self.source,
            "writes": self.writes,
            "repairs": list(self.repairs),
            "tools_called": list(self.tools_called),
            "query_plan": self.query_plan,
            "table_versions": dict(self.table_versions),
            "result": _result_dict(self.result),
            "chart": self.chart,
            "notes": list(self.notes),
            "message": self.message,
            "error": self.error,
            "steps": list(self.steps),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TurnPlan:
        """The plan ``to_dict`` gave (missing keys take their defaults)."""
        statement, result, pending = data.get("statement"), data.get("result"), data.get("pending")
        return cls(
            thread_id=data.get("thread_id") or "",
            turn_id=data.get("turn_id") or "",
            question=data.get("question") or "",
            asked_at=data.get("asked_at") or "",
            typed_sql=bool(data.get("typed_sql")),
            pins=tuple(TablePin.from_dict(p) for p in data.get("pins") or ()),
            intent=Intent.model_validate(data["intent"]) if data.get("intent") else None,
            follow_up=bool(data.get("follow_up")),
            command=data.get("command"),
            pending=PendingClarification.from_state(pending) if pending else None,
            clarification=data.get("clarification"),
            refine=dict(data.get("refine") or {}),
            row_limit=int(data.get("row_limit") or DEFAULT_ROW_LIMIT),
            examples=tuple((str(q), str(s)) for q, s in data.get("examples") or ()),
            memory_id=data.get("memory_id"),
            statement=Statement(statement["sql"], statement.get("kind")) if statement else None,
            fallback_sql=data.get("fallback_sql"),
            source=data.get("source"),
            writes=bool(data.get("writes")),
            repairs=tuple(data.get("repairs") or ()),
            tools_called=tuple(data.get("tools_called") or ()),
            query_plan=data.get("query_plan"),
            table_versions=dict(data.get("table_versions") or {}),
            result=ResultShape(tuple(result["columns"]), int(result["row_count"]), bool(result.get("truncated")))
            if result
            else None,
            chart=data.get("chart"),
            notes=tuple(data.get("notes") or ()),
            message=data.get("message"),
            error=data.get("error"),
            steps=tuple(data.get("steps") or ()),
        )


def _parse(sql: str) -> exp.Expr:
    from neurolake.engine.parsing import parse_statement

    return parse_statement(sql)


def _result_dict(result: ResultShape | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"columns": list(result.columns), "row_count": result.row_count, "truncated": result.truncated}
