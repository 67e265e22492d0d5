"""The graph's shape and the state's reducers."""

from __future__ import annotations

from agents.graph import build_graph
from agents.state import merge_turns
from agents.turn_plan import TurnPlan
from neurolake.conversation import STEPS


def test_the_graph_has_the_steps_of_a_turn() -> None:
    graph = build_graph().get_graph()

    assert set(STEPS) <= set(graph.nodes)
    edges = {(e.source, e.target) for e in graph.edges}
    assert ("__start__", "understand") in edges and ("remember", "__end__") in edges
    assert {("understand", "clarify"), ("clarify", "generate_sql"), ("execute", "present")} <= edges
    assert {("validate", "present"), ("present", "remember")} <= edges


def test_steps_accumulate_within_a_turn_and_a_new_turn_starts_with_none() -> None:
    plan = TurnPlan("t", "x", "q", "now")

    assert plan.with_step("understand").with_step("clarify").steps == ("understand", "clarify")
    assert TurnPlan.from_dict(plan.to_dict()).steps == ()


def test_turn_records_are_replaced_by_id_or_appended() -> None:
    turns = merge_turns([{"turn_id": "a", "feedback": None}], [{"turn_id": "b"}])
    turns = merge_turns(turns, [{"turn_id": "a", "feedback": "up"}])

    assert turns == [{"turn_id": "a", "feedback": "up"}, {"turn_id": "b"}]
