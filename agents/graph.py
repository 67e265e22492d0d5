"""The turn as a LangGraph ``StateGraph``:

understand ─► clarify? ─► generate_sql ─► validate ─► optimize ─► execute ─► present ─► remember

``clarify`` pauses the thread with ``interrupt()`` until ``Command(resume=answer)``; any
step that fails goes straight to ``present`` with a message; ``remember`` always runs, so
every turn lands in the thread's history. Checkpoints are keyed by the thread id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langgraph.graph import END, START, StateGraph

from agents import nodes
from agents.services import RunContext
from agents.state import ConversationState

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver
    from langgraph.graph.state import CompiledStateGraph


def _turn(state: ConversationState) -> dict[str, Any]:
    return state.get("turn") or {}


def _after_understand(state: ConversationState) -> str:
    turn = _turn(state)
    if turn.get("error") or (turn.get("message") and not turn.get("pending")):
        return "present"
    if turn.get("pending"):
        return "clarify"
    return "generate_sql"


def _after_clarify(state: ConversationState) -> str:
    turn = _turn(state)
    if turn.get("pending") and not turn.get("error"):
        return "clarify"
    if turn.get("error") or turn.get("message"):
        return "present"
    return "generate_sql"


def _unless_failed(next_step: str) -> Any:
    def route(state: ConversationState) -> str:
        return "present" if _turn(state).get("error") else next_step

    route.__name__ = f"to_{next_step}"
    return route


def build_graph(checkpointer: BaseCheckpointSaver[Any] | None = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled conversation graph, checkpointed by ``checkpointer`` (per thread id)."""
    graph = StateGraph(ConversationState, context_schema=RunContext)
    graph.add_node("understand", nodes.understand)
    graph.add_node("clarify", nodes.clarify)
    graph.add_node("generate_sql", nodes.generate_sql)
    graph.add_node("validate", nodes.validate)
    graph.add_node("optimize", nodes.optimize)
    graph.add_node("execute", nodes.execute)
    graph.add_node("present", nodes.present)
    graph.add_node("remember", nodes.remember)
    graph.add_edge(START, "understand")
    graph.add_conditional_edges("understand", _after_understand, ["clarify", "generate_sql", "present"])
    graph.add_conditional_edges("clarify", _after_clarify, ["clarify", "generate_sql", "present"])
    graph.add_conditional_edges("generate_sql", _unless_failed("validate"), ["validate", "present"])
    graph.add_conditional_edges("validate", _unless_failed("optimize"), ["optimize", "present"])
    graph.add_conditional_edges("optimize", _unless_failed("execute"), ["execute", "present"])
    graph.add_edge("execute", "present")
    graph.add_edge("present", "remember")
    graph.add_edge("remember", END)
    return graph.compile(checkpointer=checkpointer)
