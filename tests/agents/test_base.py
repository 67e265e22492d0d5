"""The Agent loop (perceive, reason, act, learn) and the analyst agent run without the graph."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agents import Agent, AnalystAgent, ConversationService
from agents.analyst import Perception
from neurolake.errors import QueryValidationError
from neurolake.platform import NeuroLake
from tests.agents.conftest import gold, same_rows


class Doubler(Agent[int, int, int, int]):
    """Perceives a number, plans to double it, acts, and learns what it produced."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.learned: list[int] = []

    def perceive(self, context: int) -> int:
        self.calls.append("perceive")
        return context

    def reason(self, observation: int) -> int:
        self.calls.append("reason")
        return observation * 2

    def act(self, plan: int) -> int:
        self.calls.append("act")
        return plan + 0

    def learn(self, result: int) -> None:
        self.calls.append("learn")
        self.learned.append(result)


def test_run_is_perceive_reason_act_learn() -> None:
    agent = Doubler()

    assert agent.run(21) == 42
    assert agent.calls == ["perceive", "reason", "act", "learn"] and agent.learned == [42]


def test_an_agent_must_implement_the_loop() -> None:
    with pytest.raises(TypeError):
        Agent()  # type: ignore[abstract]


def test_the_analyst_answers_a_question_end_to_end(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake
) -> None:
    agent = AnalystAgent(make_service().services)

    answer = agent.run(Perception("average order value by channel"))

    expected = gold(lakehouse, "SELECT channel, avg(total_amount) FROM orders GROUP BY 1")
    assert answer.plan.source == "parser" and same_rows(answer.result.rows, expected)
    with pytest.raises(QueryValidationError, match="Which columns"):
        agent.run(Perception("Show customers"))
