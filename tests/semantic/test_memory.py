"""ConversationMemory on real embeddings and a real local-mode Qdrant folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from neurolake.config import Settings
from neurolake.semantic import ConversationMemory, Embedder, MemoryNotFoundError


@pytest.fixture
def memory(settings: Settings, embedder: Embedder) -> Iterator[ConversationMemory]:
    store = ConversationMemory.from_settings(settings, embedder=embedder)
    yield store
    store.close()


def test_round_trip_finds_a_paraphrase(memory: ConversationMemory) -> None:
    memory_id = memory.remember(
        "total revenue by country", "SELECT country, SUM(amount) FROM orders GROUP BY 1", ["orders"], feedback="up"
    )
    hits = memory.similar("revenue per country", k=3)
    assert [h.id for h in hits] == [memory_id]
    assert hits[0].sql.startswith("SELECT country") and hits[0].tables == ["orders"]
    assert hits[0].feedback == "up" and 0.75 <= hits[0].score <= 1.0001


def test_only_approved_answers_are_examples_by_default(memory: ConversationMemory) -> None:
    unrated = memory.remember("how many customers are there", "SELECT COUNT(*) FROM customers", ["customers"])
    assert memory.similar("how many customers do we have") == []
    hits = memory.similar("how many customers do we have", approved_only=False)
    assert [h.id for h in hits] == [unrated] and hits[0].feedback is None

    memory.set_feedback(unrated, "up")
    assert [h.id for h in memory.similar("how many customers do we have")] == [unrated]


def test_rejected_answers_are_never_returned(memory: ConversationMemory) -> None:
    wrong = memory.remember("average order value", "SELECT MAX(amount) FROM orders", ["orders"], feedback="up")
    memory.set_feedback(wrong, "down")
    assert memory.similar("average order value") == []
    assert memory.similar("average order value", approved_only=False) == []
    assert memory.get(wrong).feedback == "down"


def test_unrelated_questions_are_below_the_threshold(memory: ConversationMemory) -> None:
    memory.remember("top 5 products by revenue", "SELECT 1", ["products"], feedback="up")
    assert memory.similar("which stations do members start from") == []
    assert memory.similar("which stations do members start from", min_score=-1.0) != []


def test_thread_filter_and_count(memory: ConversationMemory) -> None:
    memory.remember("orders in 2024", "SELECT 1", ["orders"], thread_id="a", feedback="up")
    memory.remember("orders in 2024", "SELECT 2", ["orders"], thread_id="b", feedback="up")
    assert memory.count() == 2
    assert [h.sql for h in memory.similar("orders in 2024", k=5, thread_id="b")] == ["SELECT 2"]


def test_feedback_for_an_unknown_id_is_an_error(memory: ConversationMemory) -> None:
    with pytest.raises(MemoryNotFoundError):
        memory.set_feedback("00000000-0000-0000-0000-000000000000", "up")
    with pytest.raises(ValueError):
        memory.remember("q", "SELECT 1", [], feedback="maybe")  # type: ignore[arg-type]


def test_memory_survives_reopening_the_folder(settings: Settings, embedder: Embedder) -> None:
    first = ConversationMemory.from_settings(settings, embedder=embedder)
    memory_id = first.remember("revenue by month", "SELECT 1", ["orders"], feedback="up")
    first.close()
    second = ConversationMemory.from_settings(settings, embedder=embedder)
    try:
        assert [h.id for h in second.similar("monthly revenue", min_score=0.5)] == [memory_id]
    finally:
        second.close()
