"""``Agent``: the loop every agent follows, perceive ─► reason ─► act ─► learn.

An agent perceives its context (what was asked, what came before), reasons about it into
a plan, acts on the plan and learns from the outcome. ``run`` is the loop without a
graph; the LangGraph graph in ``agents.graph`` runs the same steps as separate nodes so
each can be streamed, interrupted for a clarification and checkpointed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Generic, TypeVar

ContextT = TypeVar("ContextT")
ObservationT = TypeVar("ObservationT")
PlanT = TypeVar("PlanT")
ResultT = TypeVar("ResultT")


class Agent(ABC, Generic[ContextT, ObservationT, PlanT, ResultT]):
    """Perceive, reason, act, learn."""

    #: A short name for logs and events.
    name: str = "agent"

    @abstractmethod
    def perceive(self, context: ContextT) -> ObservationT:
        """What the agent notices in ``context``."""

    @abstractmethod
    def reason(self, observation: ObservationT) -> PlanT:
        """What it decides to do about ``observation``."""

    @abstractmethod
    def act(self, plan: PlanT) -> ResultT:
        """Carry out ``plan``."""

    def learn(self, result: ResultT) -> None:  # optional: learning does nothing by default
        """Keep what is worth keeping from ``result`` (nothing by default)."""

    def run(self, context: ContextT) -> ResultT:
        """The whole loop once: perceive, reason, act, learn."""
        result = self.act(self.reason(self.perceive(context)))
        self.learn(result)
        return result
