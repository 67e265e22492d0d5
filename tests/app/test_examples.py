"""Example questions come from the tables' names and columns, and the parser can answer them."""

from __future__ import annotations

import pytest

from app.catalog_view import ColumnSummary, TableSummary, describe_markdown, table_summaries, tables_markdown
from app.examples import example_questions, is_category, is_measure, questions_for_table
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake

TRIPS = TableSummary(
    name="bike_trips",
    rows=7,
    version=0,
    columns=(
        ColumnSummary("trip_id", "BIGINT"),
        ColumnSummary("started_at", "TIMESTAMP"),
        ColumnSummary("rider_type", "VARCHAR"),
        ColumnSummary("station_name", "VARCHAR"),
        ColumnSummary("city", "VARCHAR"),
        ColumnSummary("duration_s", "INTEGER"),
        ColumnSummary("fare", "DECIMAL(8,2)"),
    ),
)


def test_questions_follow_the_columns_of_any_table() -> None:
    assert questions_for_table(TRIPS) == [
        "how many bike trips are there",
        "total fare by rider type",
        "number of bike trips per month",
        "average duration s by city",
    ]


def test_keys_and_free_text_are_neither_measures_nor_categories() -> None:
    assert not is_measure(ColumnSummary("customer_id", "BIGINT"))
    assert is_measure(ColumnSummary("unit_price", "DOUBLE"))
    assert not is_category(ColumnSummary("email", "VARCHAR"))
    assert not is_category(ColumnSummary("product_name", "VARCHAR"))
    assert is_category(ColumnSummary("segment", "VARCHAR"))


def test_a_table_of_ids_only_still_gets_a_count() -> None:
    bare = TableSummary("events", 3, 0, (ColumnSummary("id", "BIGINT"),))

    assert questions_for_table(bare) == ["how many events are there"]
    assert example_questions([bare]) == ["how many events are there"]


def test_no_tables_no_questions() -> None:
    assert example_questions([]) == []


def test_the_welcome_lists_the_demo_tables_with_row_counts(demo: NeuroLake) -> None:
    tables = table_summaries(demo.catalog)

    text = tables_markdown(tables)

    demo_tables = [t for t in tables if t.name in {"customers", "order_items", "orders", "products"}]
    assert len(demo_tables) == 4  # (the browser tests may have uploaded more)
    for table in demo_tables:
        assert f"`{table.name}` — {table.rows:,} rows, version {table.version}" in text


def test_describe_shows_columns_escaped() -> None:
    table = TableSummary("t", 1, 0, (ColumnSummary("a|b", "VARCHAR", "<i>note</i>"),))

    text = describe_markdown(table)

    assert "| a\\|b | VARCHAR | \\<i\\>note\\</i\\> |" in text


@pytest.fixture(scope="module")
def parser(demo: NeuroLake) -> IntentParser:
    return IntentParser(demo.catalog, storage=demo.storage)


def test_the_demo_examples_are_answered_without_asking_back(demo: NeuroLake, parser: IntentParser) -> None:
    questions = example_questions(table_summaries(demo.catalog))

    assert len(questions) == 4
    for question in questions:
        intent = parser.parse(question)
        assert intent.refusal is None and not intent.needs_clarification, question
        assert demo.engine.execute_sql(parser.generate(intent), use_cache=False).row_count > 0
