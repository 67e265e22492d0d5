"""Clarifications: built from the parser's ambiguities and from bare listings; answers applied."""

from __future__ import annotations

import pytest

from neurolake.conversation.clarify import REPHRASE, NotAnAnswerError, apply_answer, from_intent
from neurolake.conversation.columns import columns_from_text, listing_clarification
from neurolake.intent.parser import IntentParser


def test_an_ambiguity_becomes_options_whose_answers_finish_the_query(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("how many are from Germany")
    pending = from_intent(intent)

    assert pending is not None and pending.kind == "ambiguity"
    assert [i for i, _ in pending.options] == [str(n) for n in range(1, len(pending.options) + 1)]
    first_label = pending.options[0][1]
    by_id = apply_answer(pending, "1", demo_parser)
    by_label = apply_answer(pending, first_label.upper(), demo_parser)
    assert by_id == by_label and by_id is not None and not by_id.ambiguities
    demo_parser.generate(by_id)  # a complete, valid query


def test_a_state_round_trip_keeps_everything(demo_parser: IntentParser) -> None:
    from neurolake.conversation.clarify import PendingClarification

    pending = from_intent(demo_parser.parse("how many are from Germany"))
    assert pending is not None
    assert PendingClarification.from_state(pending.to_state()) == pending


def test_low_confidence_offers_the_best_reading_or_a_rephrase(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("how many orders zorbed with the flibbers of yonder")
    pending = from_intent(intent)

    assert pending is not None and pending.kind == "confirm" and pending.options[1][1] == REPHRASE
    assert apply_answer(pending, "something else", demo_parser) is None
    assert apply_answer(pending, "1", demo_parser) == intent.model_copy(update={"confidence": 1.0})


def test_a_clear_question_asks_nothing(demo_parser: IntentParser) -> None:
    assert from_intent(demo_parser.parse("number of orders per channel")) is None


def test_a_bare_listing_of_a_wide_table_asks_which_columns(demo_parser: IntentParser) -> None:
    schema = demo_parser.schema()
    pending = listing_clarification(demo_parser.parse("show customers"), schema)

    assert pending is not None and pending.table == "customers"
    assert [label for _, label in pending.options] == [
        "name, country, city and segment",
        "customer_id and name",
        "all 7 columns",
    ]
    chosen = apply_answer(pending, "name and signup date", demo_parser)
    assert chosen is not None and chosen.columns == ["customers.name", "customers.signup_date"]
    with pytest.raises(NotAnAnswerError, match="does not answer"):
        apply_answer(pending, "the weather", demo_parser)


@pytest.mark.parametrize(
    "question", ["orders in 2024", "number of customers", "show customers in Germany", "top 5 products by price"]
)
def test_other_questions_do_not_ask_for_columns(demo_parser: IntentParser, question: str) -> None:
    assert listing_clarification(demo_parser.parse(question), demo_parser.schema()) is None


def test_narrow_tables_are_listed_without_asking() -> None:
    from neurolake.intent.model import Intent
    from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec

    schema = SchemaInfo.from_specs([TableSpec("tags", [ColumnSpec("id", "INTEGER"), ColumnSpec("name", "VARCHAR")])])

    assert listing_clarification(Intent(tables=["tags"], columns=["tags.*"]), schema) is None


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("everything", 7),
        ("all columns", 7),
        ("email", 1),
        ("name, city", 2),
        ("their segments and countries", 2),
    ],
)
def test_columns_named_in_free_text(demo_parser: IntentParser, text: str, columns: int) -> None:
    assert len(columns_from_text(text, "customers", demo_parser.schema())) == columns


@pytest.mark.parametrize("text", ["how many orders are there", "total revenue by month?", "list the products"])
def test_a_new_question_is_not_an_answer(demo_parser: IntentParser, text: str) -> None:
    listing = listing_clarification(demo_parser.parse("show customers"), demo_parser.schema())
    ambiguity = from_intent(demo_parser.parse("how many are from Germany"))

    for pending in (listing, ambiguity):
        assert pending is not None
        with pytest.raises(NotAnAnswerError):
            apply_answer(pending, text, demo_parser)


def test_more_words_pick_one_reading(demo_parser: IntentParser) -> None:
    pending = from_intent(demo_parser.parse("how many are from Germany"))
    assert pending is not None

    chosen = apply_answer(pending, "the country of the customer", demo_parser)

    assert chosen == apply_answer(pending, "1", demo_parser)
