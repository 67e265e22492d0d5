"""Memory: answered questions are remembered; approved ones come back as answers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from agents import ConversationService
from neurolake.platform import NeuroLake
from neurolake.semantic import ConversationMemory, Embedder
from tests.agents.conftest import gold, same_rows

# Loads the real embedding model (seconds, once per process).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    model = Embedder(threads=1)
    model.warm_up()
    return model


@pytest.fixture
def memory(lakehouse: NeuroLake, embedder: Embedder) -> Iterator[ConversationMemory]:
    store = ConversationMemory.from_settings(lakehouse.settings, embedder=embedder)
    yield store
    store.close()


@pytest.fixture
def remembering(make_service: Callable[..., ConversationService], memory: ConversationMemory) -> ConversationService:
    return make_service(memory=memory)


def test_answers_are_remembered_and_approval_decides_reuse(
    remembering: ConversationService, memory: ConversationMemory, lakehouse: NeuroLake
) -> None:
    question = "total revenue by channel"
    first = remembering.ask("m1", question)
    [record] = remembering.history("m1")
    assert record.memory_id is not None
    stored = memory.get(record.memory_id)
    assert (stored.question, stored.sql, stored.tables, stored.feedback) == (question, first.sql, ["orders"], None)

    not_yet = remembering.ask("m2", question)
    assert not_yet.source == "parser"  # remembered, but nobody approved it

    approved = remembering.feedback("m1", first.turn_id, "up")
    assert approved.feedback == "up" and memory.get(record.memory_id).feedback == "up"
    assert remembering.history("m1")[0].feedback == "up"

    reused = remembering.ask("m3", "Total revenue by channel?")
    assert reused.source == "memory" and reused.sql == first.sql
    assert "approved SQL of a very similar earlier question" in reused.message
    expected = gold(lakehouse, "SELECT channel, sum(total_amount) FROM orders GROUP BY 1")
    assert reused.result is not None and same_rows(reused.result.rows, expected)

    remembering.feedback("m3", reused.turn_id, "down")  # the reused answer was wrong after all
    assert memory.get(record.memory_id).feedback == "down"
    assert remembering.ask("m4", question).source == "parser"


def test_an_approved_answer_that_no_longer_validates_is_not_reused(
    remembering: ConversationService, memory: ConversationMemory
) -> None:
    memory.remember("average discount per order", "SELECT orders.discount_pct FROM orders", ["orders"], feedback="up")

    turn = remembering.ask("m5", "average discount per order")

    assert turn.error is None and turn.source == "parser"
    assert "The memory SQL failed" in turn.message and "parser's SQL instead" in turn.message


def test_feedback_needs_a_known_turn_and_a_known_value(remembering: ConversationService) -> None:
    from agents import FeedbackError, TurnNotFoundError

    turn = remembering.ask("m6", "number of products")
    with pytest.raises(TurnNotFoundError):
        remembering.feedback("m6", "nope", "up")
    with pytest.raises(FeedbackError):
        remembering.feedback("m6", turn.turn_id, "meh")


def test_feedback_on_a_pending_thread_keeps_the_clarification(remembering: ConversationService) -> None:
    first = remembering.ask("m7", "number of orders per status")
    asked = remembering.ask("m7", "Show customers")

    remembering.feedback("m7", first.turn_id, "up")

    assert remembering.pending("m7") == asked.clarification
    assert remembering.answer("m7", "2").result is not None


def test_similar_approved_answers_are_examples_for_a_model(
    make_service: Callable[..., ConversationService], memory: ConversationMemory
) -> None:
    from tests.agents.fakes import ScriptedChatModel, sql_reply

    memory.remember(
        "revenue for each sales channel",
        "SELECT orders.channel, SUM(orders.total_amount) FROM orders GROUP BY orders.channel",
        ["orders"],
        feedback="up",
    )
    model = ScriptedChatModel(
        replies=[sql_reply("SELECT orders.channel, SUM(orders.total_amount) FROM orders GROUP BY 1")]
    )
    service = make_service(memory=memory, chat_model=model)

    turn = service.ask("m8", "revenue for each channel of sale")

    assert turn.source == "model"
    system = str(model.received[0][0].content)
    assert "Approved answers to similar questions" in system and "Q: revenue for each sales channel" in system
