"""/api/v1/ask: questions in a conversation, clarifications answered in the next call.

Backed by ``agents.ConversationService`` (``platform.conversations``):
``ask(thread_id, text, user=) -> Turn`` and ``answer(thread_id, choice, user=) -> Turn``,
``Turn.to_dict()`` holding ``sql``, ``result``, ``clarification`` and ``message``.
Conversation ids are scoped to the user, so nobody can continue someone else's conversation.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Protocol

from fastapi import APIRouter, Depends, HTTPException, Path, status

from neurolake.api.deps import AnalystUser, ApiStateDep, AuditorDep, PlatformDep, SettingsDep
from neurolake.api.schemas.ask import CONVERSATION_ID_PATTERN, AnswerCreate, AskCreate, AskPublic
from neurolake.catalog.models import User

router = APIRouter(prefix="/ask", tags=["ask"])
ConversationId = Annotated[str, Path(pattern=CONVERSATION_ID_PATTERN)]


class Turn(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class Conversations(Protocol):
    """The part of ``agents.ConversationService`` the API uses."""

    def ask(self, thread_id: str, text: str, *, user: User | None = None) -> Turn: ...

    def answer(self, thread_id: str, choice: str, *, user: User | None = None) -> Turn: ...


def get_conversations(platform: PlatformDep, state: ApiStateDep, settings: SettingsDep) -> Conversations:
    """The platform's conversation service (``neurolake serve``: the one built without waiting for
    the embedding model); 503 while this build has none."""
    warming = state.warming(settings)
    if warming is not None:
        return warming.service
    service = getattr(platform, "conversations", None)
    if service is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, "The conversation service (agents) is not available in this build."
        )
    return service


ConversationsDep = Annotated[Conversations, Depends(get_conversations)]


def models_notes(state: ApiStateDep, settings: SettingsDep) -> list[str]:
    """What an answer given now should say about the embedding model (nothing once it has loaded)."""
    warming = state.warming(settings)
    if warming is None or warming.models.ready:
        return []
    from agents.warming import MODELS_LOADING_NOTE

    return [MODELS_LOADING_NOTE]


NotesDep = Annotated[list[str], Depends(models_notes)]


def thread_of(user: User, conversation_id: str) -> str:
    """The service's thread id: the user's id in front keeps conversations apart."""
    return f"user-{user.id}:{conversation_id}"


@router.post("", response_model=AskPublic)
def ask(
    body: AskCreate, user: AnalystUser, conversations: ConversationsDep, audit: AuditorDep, notes: NotesDep
) -> AskPublic:
    """Ask a question (a follow-up when ``conversation_id`` names an earlier one).

    The answer holds a result, or a ``clarification`` (a question and its options) to answer
    with ``POST /api/v1/ask/{conversation_id}/answer``. "Create a daily job that ..." answers
    with ``schedule`` and what the job computes; asked by an admin it also saves the pipeline,
    paused: ``PATCH /api/v1/pipelines/{name}`` with ``{"status": "active"}`` schedules it.
    """
    conversation_id = body.conversation_id or uuid.uuid4().hex
    with audit.action("ask", conversation_id=conversation_id, question=body.question) as details:
        turn = conversations.ask(thread_of(user, conversation_id), body.question, user=user).to_dict()
        details["sql"] = turn.get("sql")
        _raise_for(turn)
    return _public(conversation_id, turn, notes)


@router.post("/{conversation_id}/answer", response_model=AskPublic)
def answer(
    conversation_id: ConversationId,
    body: AnswerCreate,
    user: AnalystUser,
    conversations: ConversationsDep,
    audit: AuditorDep,
    notes: NotesDep,
) -> AskPublic:
    """Answer the clarification of the conversation's last turn (an option's number or words)."""
    with audit.action("ask.answer", conversation_id=conversation_id, choice=str(body.choice)) as details:
        turn = conversations.answer(thread_of(user, conversation_id), str(body.choice), user=user).to_dict()
        details["sql"] = turn.get("sql")
        _raise_for(turn)
    return _public(conversation_id, turn, notes)


def _raise_for(turn: dict[str, Any]) -> None:
    """Turns that carry no answer because of the request or the server become HTTP errors."""
    if turn.get("error") == "no_pending_question":
        raise HTTPException(status.HTTP_409_CONFLICT, str(turn.get("message") or "No open question to answer."))
    if turn.get("error") == "internal_error":
        # The service logged the trace; this raise gets the generic 500 with the request id.
        raise RuntimeError("the conversation service failed (see its log above)")


def _public(conversation_id: str, turn: dict[str, Any], notes: list[str]) -> AskPublic:
    result = turn.get("result")
    clarification = turn.get("clarification")
    return AskPublic(
        conversation_id=conversation_id,
        question=turn.get("question"),
        sql=turn.get("sql"),
        result=result if isinstance(result, dict) else None,
        clarification=clarification if isinstance(clarification, dict) else None,
        message=turn.get("message"),
        error=turn.get("error"),
        schedule=turn.get("schedule") or (turn.get("intent") or {}).get("schedule"),
        notes=notes,
        turn=turn,
    )
