"""Conversations: turns read in context, follow-ups, clarifications, history per thread.

``ConversationManager`` understands a turn against the thread's last answer; the LangGraph
graph in ``agents/`` runs the turn and checkpoints the thread (see ``checkpoints``).
"""

from neurolake.conversation.clarify import NotAnAnswerError, PendingClarification
from neurolake.conversation.manager import (
    DEFAULT_ROW_LIMIT,
    ConversationContext,
    ConversationManager,
    Understanding,
)
from neurolake.conversation.turns import STEPS, ThreadInfo, Turn, TurnEvent, TurnRecord

__all__ = [
    "DEFAULT_ROW_LIMIT",
    "STEPS",
    "ConversationContext",
    "ConversationManager",
    "NotAnAnswerError",
    "PendingClarification",
    "ThreadInfo",
    "Turn",
    "TurnEvent",
    "TurnRecord",
    "Understanding",
]
