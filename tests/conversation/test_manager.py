"""The manager reads a turn as a command, a follow-up or a new question."""

from __future__ import annotations

import pytest

from neurolake.conversation import ConversationContext, ConversationManager
from neurolake.intent.parser import IntentParser


@pytest.fixture
def manager(demo_parser: IntentParser) -> ConversationManager:
    return ConversationManager(demo_parser, row_limit=10)


def context_of(manager: ConversationManager, question: str, **extra: object) -> ConversationContext:
    intent = manager.parser.parse(question)
    return ConversationContext(question, intent.model_dump(mode="json"), manager.sql_for(intent), **extra)  # type: ignore[arg-type]


def test_a_new_question_is_not_a_follow_up(manager: ConversationManager) -> None:
    seen = manager.understand("how many customers are there", context_of(manager, "revenue by country"))

    assert not seen.follow_up and seen.runs and seen.intent is not None and seen.intent.tables == ["customers"]


def test_a_follow_up_keeps_the_refinements_and_row_limit(manager: ConversationManager) -> None:
    context = context_of(manager, "revenue by country", refine={"share_of_total": True}, row_limit=40)

    seen = manager.understand("only Germany", context)

    assert seen.follow_up and seen.refine == {"share_of_total": True} and seen.row_limit == 40


def test_commands_without_an_earlier_answer_say_so(manager: ConversationManager) -> None:
    seen = manager.understand("show the SQL", None)

    assert seen.error == "no_context" and "Ask a question first" in (seen.message or "")


def test_more_rows(manager: ConversationManager) -> None:
    top = context_of(manager, "top 3 countries by revenue")
    listing = context_of(manager, "orders in 2024", truncated=True)
    complete = context_of(manager, "number of orders by status")

    assert manager.understand("more rows", top).intent.limit == 8  # type: ignore[union-attr]
    assert manager.understand("more rows", listing).row_limit == 2 * listing.row_limit
    assert manager.understand("more rows", complete).message == "The last answer already showed every row."


def test_a_share_inside_a_question(manager: ConversationManager) -> None:
    seen = manager.understand("revenue by country as a share of the total", None)

    assert seen.refine == {"share_of_total": True} and seen.intent is not None
    assert "OVER ()" in manager.sql_for(seen.intent, seen.refine)


def test_a_share_that_cannot_apply_explains(manager: ConversationManager) -> None:
    seen = manager.understand("as a share of the total", context_of(manager, "number of orders"))

    assert seen.error == "cannot_apply" and "only one total" in (seen.message or "")


def test_typed_sql(manager: ConversationManager) -> None:
    seen = manager.understand("SELECT count(*) FROM orders", None)

    assert seen.source == "typed" and seen.sql == "SELECT count(*) FROM orders" and not seen.writes


def test_typed_writes_only_for_writers(manager: ConversationManager) -> None:
    reader = manager.understand("DELETE FROM orders WHERE order_id = 1", None)
    writer = manager.understand("DELETE FROM orders WHERE order_id = 1", None, can_write=True)

    assert reader.error == "not_understood" and not reader.writes
    assert writer.writes and writer.sql == "DELETE FROM orders WHERE order_id = 1"


def test_context_round_trips_through_the_state(manager: ConversationManager) -> None:
    context = context_of(manager, "revenue by country", refine={"share_of_total": True}, truncated=True)

    assert ConversationContext.from_state(context.to_state()) == context
    assert ConversationContext.from_state(None) is None
