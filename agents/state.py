"""The graph's typed state: what one thread remembers between turns and within a turn.

Kept JSON-plain (dicts, lists, strings) so any checkpointer stores it and a new process
reads it back; rows never enter the state (they travel in the run's context), only their
shape. The turn in progress is one typed ``TurnPlan`` (``agents.turn_plan``), stored as its
``to_dict()``; the thread's keys are merged by reducers.
"""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import add_messages


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

    # -- the turn in progress, replaced whole by each new question
    #: ``TurnPlan.to_dict()``: nodes read it with ``TurnPlan.from_dict`` and return the next one.
    turn: dict[str, Any]
