"""Ask back when two readings are close or confidence is low; never ask what changes nothing."""

from __future__ import annotations

import pytest

from neurolake.intent.model import CLARIFY_BELOW, Intent, IntentKind
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.intent.checks import assert_same_answer


def test_a_value_in_two_tables_asks_which_column(demo_parser: IntentParser, demo_platform: NeuroLake) -> None:
    intent = demo_parser.parse("how many are from Germany")

    assert intent.needs_clarification
    question = intent.clarification
    assert question is not None and "Germany" in question.question
    assert question.options == ["Germany as customer country", "Germany as order country"]
    chosen = intent.resolve(0)
    assert_same_answer(
        demo_platform, demo_parser.generate(chosen), "SELECT count(*) FROM customers WHERE country = 'Germany'"
    )


def test_equally_good_words_for_different_things_ask(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("revenue by name")

    assert intent.needs_clarification
    assert {o.label for o in intent.ambiguities[0].options} == {"customer name", "product name"}


@pytest.mark.parametrize(
    "question",
    [
        "customers from Germany",  # the customers' own country: no join, no question
        "orders from Germany",  # the orders' own country
        "revenue by country",  # the order total and the order's country, on one table
        "revenue by product category",  # line totals, one join (order totals would need two)
    ],
)
def test_readings_that_the_schema_settles_are_not_asked(demo_parser: IntentParser, question: str) -> None:
    intent = demo_parser.parse(question)

    assert not intent.needs_clarification, intent.clarification
    assert intent.confidence >= CLARIFY_BELOW


def test_words_nothing_links_are_named_instead_of_guessed(demo_parser: IntentParser) -> None:
    """Once a guess ("did you mean the number of orders?"), now an answer that says what it missed."""
    intent = demo_parser.parse("how many orders zorbed with the flibbers of yonder")

    assert intent.kind is IntentKind.UNKNOWN and intent.clarification is None
    assert intent.refusal is not None
    assert "I could not use every part of the question" in intent.refusal
    for word in ("zorbed", "flibbers", "yonder"):
        assert repr(word) in intent.refusal


def test_resolving_by_words_and_rejecting_unknown_answers(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("how many are from Germany")

    assert intent.resolve("order country").filters[0].column == "orders.country"
    with pytest.raises(ValueError, match="is not one of"):
        intent.resolve("the moon")


def test_options_are_complete_intents_without_ambiguities(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("how many are from Germany")

    for option in intent.ambiguities[0].options:
        assert isinstance(option.intent, Intent) and not option.intent.ambiguities
        assert option.intent.kind is IntentKind.AGGREGATION
        demo_parser.generate(option.intent)


def test_summary_shows_options_not_whole_intents(demo_parser: IntentParser) -> None:
    summary = demo_parser.parse("how many are from Germany").summary()

    assert summary["ambiguities"][0]["options"] == ["Germany as customer country", "Germany as order country"]
