"""The agent layer: a LangGraph graph that runs each turn of a conversation.

``ConversationService`` is the entry point (``platform.conversations``); ``AnalystAgent``
does the work (perceive, reason, act, learn) with the tools in ``agents.tools``.
"""

from agents.analyst import AnalystAgent
from agents.base import Agent
from agents.service import ConversationService, FeedbackError, TurnNotFoundError
from agents.tools import Tool, ToolRegistry, default_registry
from neurolake.conversation import STEPS, ThreadInfo, Turn, TurnEvent, TurnRecord

__all__ = [
    "STEPS",
    "Agent",
    "AnalystAgent",
    "ConversationService",
    "FeedbackError",
    "ThreadInfo",
    "Tool",
    "ToolRegistry",
    "Turn",
    "TurnEvent",
    "TurnNotFoundError",
    "TurnRecord",
    "default_registry",
]
