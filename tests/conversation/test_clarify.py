"""Clarifications: built from the parser's ambiguities and from bare listings; answers applied."""

from __future__ import annotations

from datetime import date

import pytest

from agents import ConversationService
from neurolake.conversation.clarify import REPHRASE, NotAnAnswerError, PendingClarification, apply_answer, from_intent
from neurolake.conversation.columns import columns_from_text, listing_clarification
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake


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
    pending = from_intent(demo_parser.parse("how many are from Germany"))
    assert pending is not None
    assert PendingClarification.from_state(pending.to_state()) == pending


def test_low_confidence_offers_the_best_reading_or_a_rephrase(demo_parser: IntentParser) -> None:
    # The offline parser names the words it cannot use instead; a model's reading can still be unsure.
    intent = demo_parser.parse("number of orders per channel").model_copy(update={"confidence": 0.2})
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


# -- readings that were run: each option carries its first rows --------------------------------


@pytest.fixture(scope="module")
def running_parser(lakehouse: NeuroLake) -> IntentParser:
    """The demo parser with the engine: rival readings are run, and their rows previewed."""
    return IntentParser(lakehouse.catalog, storage=lakehouse.storage, today=date(2025, 1, 1), engine=lakehouse.engine)


def test_previews_flow_from_the_intent_through_the_state_to_the_user(running_parser: IntentParser) -> None:
    intent = running_parser.parse("revenue by name")
    pending = from_intent(intent)

    assert pending is not None and pending.kind == "ambiguity"
    assert [label for _, label in pending.options] == ["customer name", "product name"]
    assert set(pending.previews) == {"1", "2"}
    for n, option in enumerate(intent.ambiguities[0].options, 1):
        assert option.preview is not None and pending.previews[str(n)] == option.preview.model_dump(mode="json")
    assert PendingClarification.from_state(pending.to_state()) == pending
    shown = pending.public()["options"]
    assert [(o["id"], o["label"], o["preview"]["columns"]) for o in shown] == [
        ("1", "customer name", ["name", "sum_total_amount"]),
        ("2", "product name", ["name", "sum_total_amount"]),
    ]
    # The customer reading previews customer names, the product reading product names.
    customers = {name for (name,) in running_parser.engine.execute_sql("SELECT name FROM customers").rows}
    assert shown[0]["preview"]["rows"][0][0] in customers and shown[1]["preview"]["rows"][0][0] not in customers
    chosen = apply_answer(PendingClarification.from_state(pending.to_state()), "2", running_parser)
    assert chosen is not None and "products" in running_parser.generate(chosen)


def test_a_state_saved_before_previews_still_loads_and_answers(running_parser: IntentParser) -> None:
    pending = from_intent(running_parser.parse("revenue by name"))
    assert pending is not None
    older = {k: v for k, v in pending.to_state().items() if k != "previews"}

    loaded = PendingClarification.from_state(older)

    assert loaded.previews == {}
    assert loaded.public()["options"] == [{"id": "1", "label": "customer name"}, {"id": "2", "label": "product name"}]
    assert apply_answer(loaded, "customer name", running_parser) == apply_answer(pending, "1", running_parser)


def test_the_service_keeps_previews_while_it_waits_and_a_choice_answers(lakehouse: NeuroLake) -> None:
    parser = IntentParser(lakehouse.catalog, storage=lakehouse.storage, today=date(2025, 1, 1), engine=lakehouse.engine)
    service = ConversationService(lakehouse, parser=parser, memory=False, semantic=False)
    try:
        asked = service.ask("previews-1", "revenue by name")

        assert asked.clarification is not None and asked.result is None
        assert [o["preview"]["columns"] for o in asked.clarification["options"]] == [["name", "sum_total_amount"]] * 2
        assert service.pending("previews-1") == asked.clarification  # read back from the checkpoint
        answered = service.answer("previews-1", "2")

        assert answered.error is None and answered.result is not None
        assert answered.result.columns == ["name", "sum_total_amount"] and "products" in (answered.sql or "")
        preview = asked.clarification["options"][1]["preview"]  # what the person saw before choosing
        assert answered.result.row_count == preview["row_count"]
        assert {row[0] for row in preview["rows"]} <= {name for name, _ in answered.result.rows}
    finally:
        service.close()
