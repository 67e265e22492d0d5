"""The graph's typed state: what one thread remembers between turns and within a turn.

Kept JSON-plain (dicts, lists, strings) so any checkpointer stores it and a new process
reads it back; rows never enter the state (they travel in the run's context), only their
shape. Nodes return only the keys they change; reducers merge the lists.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


def log_steps(old: list[str] | None, new: list[str] | None) -> list[str]:
    """The steps of the current turn; an empty list starts a new turn."""
    if not new:
        return []
    return [*(old or []), *new]


def merge_turns(old: list[dict[str, Any]] | None, new: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The thread's turn records: a record with a known ``turn_id`` replaces it, others append."""
    out = list(old or [])
    for record in new or []:
        index = next((i for i, r in enumerate(out) if r.get("turn_id") == record.get("turn_id")), None)
        if index is None:
            out.append(record)
        else:
            out[index] = record
    return out


class ConversationState(TypedDict, total=False):
    """One thread: its history and last answer, plus the turn in progress."""

    # -- the thread, across turns
    #: Questions and final answers as chat messages (what a model sees of the conversation).
    messages: Annotated[list[AnyMessage], add_messages]
    #: Records of finished turns (``TurnRecord.to_dict()``), oldest first.
    turns: Annotated[list[dict[str, Any]], merge_turns]
    #: The last answered question (``ConversationContext.to_state()``), for follow-ups.
    context: dict[str, Any] | None

    # -- the turn in progress (reset by each new question)
    thread_id: str
    turn_id: str
    question: str
    #: The question is SQL typed with ``/sql``: run as typed, never read by the parser.
    typed_sql: bool
    #: ``/asof``: ``{"table", "version", "timestamp"}`` put on the turn's SQL (``pin_tables``).
    as_of: dict[str, Any] | None
    asked_at: str
    steps: Annotated[list[str], log_steps]
    intent: dict[str, Any] | None
    command: str | None
    follow_up: bool
    #: A clarification waiting for its answer (``PendingClarification.to_state()``).
    pending: dict[str, Any] | None
    #: What the user was asked (``{"question", "options"}``), kept for the turn's record.
    clarification: dict[str, Any] | None
    refine: dict[str, Any]
    row_limit: int
    sql: str | None
    #: The parser's SQL when another source (memory, a model) wrote ``sql``: the fallback.
    fallback_sql: str | None
    source: str | None
    #: Tools a model called while writing the SQL.
    tools_called: list[str]
    examples: list[list[str]]
    memory_id: str | None
    writes: bool
    #: What validation repaired, one line each.
    repairs: list[str]
    plan: str | None
    table_versions: dict[str, Any]
    #: The result's shape: columns, row_count, truncated.
    result_info: dict[str, Any] | None
    chart: dict[str, str] | None
    #: What the answer says beside its rows (repairs, the year a relative period took, ...).
    notes: list[str]
    message: str | None
    error: str | None


def new_turn(
    thread_id: str,
    turn_id: str,
    question: str,
    asked_at: str,
    *,
    typed_sql: bool = False,
    as_of: dict[str, Any] | None = None,
) -> ConversationState:
    """The input that starts a turn: every per-turn key reset."""
    return {
        "thread_id": thread_id,
        "turn_id": turn_id,
        "question": question,
        "typed_sql": typed_sql,
        "as_of": as_of,
        "asked_at": asked_at,
        "steps": [],
        "intent": None,
        "command": None,
        "follow_up": False,
        "pending": None,
        "clarification": None,
        "refine": {},
        "row_limit": 0,
        "sql": None,
        "fallback_sql": None,
        "source": None,
        "tools_called": [],
        "examples": [],
        "memory_id": None,
        "writes": False,
        "repairs": [],
        "plan": None,
        "table_versions": {},
        "result_info": None,
        "chart": None,
        "notes": [],
        "message": None,
        "error": None,
    }
