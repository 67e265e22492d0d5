"""ConversationMemory: answered questions with their SQL, found again by meaning.

The model-backed parser uses approved pairs as examples, and the chat can offer a past
answer for a question asked before in other words. Feedback ("up"/"down") is a payload
field, so approval can change after the fact without re-embedding.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from qdrant_client import QdrantClient, models

from neurolake.errors import NotFoundError
from neurolake.semantic.embedder import Embedder
from neurolake.semantic.matches import Feedback, MemoryHit
from neurolake.semantic.qdrant import close_qdrant, ensure_collection, open_qdrant, vector_errors

if TYPE_CHECKING:
    from neurolake.config import Settings

#: Below this cosine similarity a past question is a different question.
DEFAULT_MIN_SCORE = 0.75
_FEEDBACK = ("up", "down")
_KEYWORD_FIELDS = {
    "feedback": models.PayloadSchemaType.KEYWORD,
    "thread_id": models.PayloadSchemaType.KEYWORD,
}


class MemoryNotFoundError(NotFoundError):
    """No remembered question has this id."""


class ConversationMemory:
    """Question-and-SQL pairs in a Qdrant collection, searchable by question similarity."""

    def __init__(self, embedder: Embedder, client: QdrantClient, collection: str, *, owns_client: bool = False) -> None:
        self.embedder = embedder
        self.client = client
        self.collection = collection
        self._owns_client = owns_client
        self._ready = False

    @classmethod
    def from_settings(
        cls, settings: Settings, *, embedder: Embedder | None = None, client: QdrantClient | None = None
    ) -> ConversationMemory:
        """Memory in ``settings.vector.memory_collection`` of the configured Qdrant."""
        owns = client is None
        return cls(
            embedder or Embedder.from_settings(settings),
            client if client is not None else open_qdrant(settings),
            settings.vector.memory_collection,
            owns_client=owns,
        )

    def remember(
        self,
        question: str,
        sql: str,
        tables: Sequence[str],
        *,
        thread_id: str | None = None,
        feedback: Feedback | None = None,
    ) -> str:
        """Store an answered question; returns its id (for ``set_feedback``)."""
        _check_feedback(feedback)
        point_id = str(uuid.uuid4())
        payload: dict[str, Any] = {
            "question": question,
            "sql": sql,
            "tables": list(tables),
            "thread_id": thread_id,
            "feedback": feedback,
            "created_at": datetime.now(UTC).isoformat(),
        }
        vector = self.embedder.embed([question])[0]
        self._ensure_collection()
        with vector_errors("remembering a question"):
            self.client.upsert(
                self.collection, points=[models.PointStruct(id=point_id, vector=vector.tolist(), payload=payload)]
            )
        return point_id

    def set_feedback(self, memory_id: str, feedback: Feedback | None) -> None:
        """Approve ("up"), reject ("down") or clear (None) a remembered answer."""
        _check_feedback(feedback)
        self._ensure_collection()
        with vector_errors("recording feedback"):
            if not self.client.retrieve(self.collection, ids=[memory_id], with_payload=False):
                raise MemoryNotFoundError(f"No remembered question has id {memory_id!r}.")
            self.client.set_payload(self.collection, payload={"feedback": feedback}, points=[memory_id])

    def get(self, memory_id: str) -> MemoryHit:
        """The remembered question ``memory_id`` (score 1.0)."""
        self._ensure_collection()
        with vector_errors("reading memory"):
            points = self.client.retrieve(self.collection, ids=[memory_id], with_payload=True)
        if not points:
            raise MemoryNotFoundError(f"No remembered question has id {memory_id!r}.")
        return _hit(str(points[0].id), points[0].payload or {}, 1.0)

    def similar(
        self,
        question: str,
        k: int = 3,
        approved_only: bool = True,
        min_score: float = DEFAULT_MIN_SCORE,
        *,
        thread_id: str | None = None,
    ) -> list[MemoryHit]:
        """Up to ``k`` remembered questions at least ``min_score`` similar, best first.

        ``approved_only`` keeps answers with feedback "up"; otherwise everything but "down".
        ``thread_id`` limits the search to one conversation.
        """
        if not question.strip() or k <= 0:
            return []
        self._ensure_collection()
        must: list[models.Condition] = []
        must_not: list[models.Condition] = []
        if approved_only:
            must.append(models.FieldCondition(key="feedback", match=models.MatchValue(value="up")))
        else:
            must_not.append(models.FieldCondition(key="feedback", match=models.MatchValue(value="down")))
        if thread_id is not None:
            must.append(models.FieldCondition(key="thread_id", match=models.MatchValue(value=thread_id)))
        vector = self.embedder.embed([question])[0]
        with vector_errors("searching memory"):
            response = self.client.query_points(
                self.collection,
                query=vector.tolist(),
                query_filter=models.Filter(must=must or None, must_not=must_not or None),
                limit=k,
                score_threshold=min_score,
                with_payload=True,
            )
        return [_hit(str(p.id), p.payload or {}, float(p.score)) for p in response.points]

    def forget(self, memory_id: str) -> None:
        """Delete one remembered question."""
        self._ensure_collection()
        with vector_errors("forgetting a question"):
            self.client.delete(self.collection, points_selector=models.PointIdsList(points=[memory_id]))

    def count(self) -> int:
        """How many questions are remembered."""
        self._ensure_collection()
        with vector_errors("counting memory"):
            return self.client.count(self.collection, exact=True).count

    def close(self) -> None:
        """Release the Qdrant client when this memory opened it."""
        if self._owns_client:
            self._owns_client = False
            close_qdrant(self.client)

    def _ensure_collection(self) -> None:
        if not self._ready:
            ensure_collection(self.client, self.collection, self.embedder.dimension, keyword_fields=_KEYWORD_FIELDS)
            self._ready = True


def _check_feedback(feedback: str | None) -> None:
    if feedback is not None and feedback not in _FEEDBACK:
        raise ValueError(f"Feedback must be 'up', 'down' or None, not {feedback!r}.")


def _hit(point_id: str, payload: dict[str, Any], score: float) -> MemoryHit:
    return MemoryHit(
        question=payload.get("question", ""),
        sql=payload.get("sql", ""),
        tables=list(payload.get("tables") or []),
        score=score,
        feedback=payload.get("feedback"),
        id=point_id,
        thread_id=payload.get("thread_id"),
    )
