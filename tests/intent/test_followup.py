"""Follow-ups edit the previous intent's slots and keep the rest."""

from __future__ import annotations

import pytest

from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.intent.checks import answer, assert_same_answer

CASES = [
    (
        "revenue by country",
        "only Germany",
        "SELECT country, sum(total_amount) FROM orders WHERE country = 'Germany' GROUP BY 1",
    ),
    (
        "revenue by country",
        "now by month",
        "SELECT date_trunc('month', order_date) m, sum(total_amount) FROM orders GROUP BY m",
    ),
    (
        "revenue by country",
        "top 3",
        "SELECT country, sum(total_amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 3",
    ),
    (
        "number of orders in 2024",
        "what about 2023",
        "SELECT count(*) FROM orders WHERE order_date >= DATE '2023-01-01' AND order_date < DATE '2024-01-01'",
    ),
    (
        "number of orders per channel",
        "only cancelled ones",
        "SELECT channel, count(*) FROM orders WHERE status = 'cancelled' GROUP BY 1",
    ),
    (
        "number of orders per channel",
        "only customers in the Corporate segment",
        "SELECT o.channel, count(*) FROM orders o JOIN customers c USING (customer_id) "
        "WHERE c.segment = 'Corporate' GROUP BY 1",
    ),
    (
        "average order value by channel",
        "and by status instead",
        "SELECT status, avg(total_amount) FROM orders GROUP BY 1",
    ),
    # A bare amount after a count replaces the measure, not the grouping.
    (
        "number of orders by country",
        "revenue by country",
        "SELECT country, sum(total_amount) FROM orders GROUP BY 1",
    ),
    (
        "number of orders by country",
        "what about revenue",
        "SELECT country, sum(total_amount) FROM orders GROUP BY 1",
    ),
    (
        "top 5 countries by number of orders",
        "what about revenue",
        "SELECT country, sum(total_amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 5",
    ),
    (
        "number of orders per channel",
        "what about status",
        "SELECT status, count(*) FROM orders GROUP BY 1",
    ),
]


@pytest.mark.parametrize(("first", "then", "gold"), CASES, ids=[f"{c[0]} / {c[1]}" for c in CASES])
def test_follow_up_edits_the_previous_intent(
    demo_parser: IntentParser, demo_platform: NeuroLake, first: str, then: str, gold: str
) -> None:
    context, _ = answer(demo_parser, first)
    _, sql = answer(demo_parser, then, context)

    assert_same_answer(demo_platform, sql, gold)


def test_a_new_question_is_not_taken_as_a_follow_up(demo_parser: IntentParser) -> None:
    context, _ = answer(demo_parser, "revenue by country")
    intent, _ = answer(demo_parser, "how many customers are there", context)

    assert intent.tables == ["customers"] and not intent.group_by


def test_a_replaced_filter_value_replaces_the_old_one(demo_parser: IntentParser) -> None:
    first, _ = answer(demo_parser, "revenue by country")
    germany, _ = answer(demo_parser, "only Germany", first)
    spain, _ = answer(demo_parser, "what about Spain", germany)

    assert [(f.column, f.value) for f in spain.filters] == [("orders.country", "Spain")]
    assert spain.group_by == first.group_by and spain.measures == first.measures


def test_a_period_on_a_table_with_several_dates_is_asked_about(tpch_parser: IntentParser) -> None:
    context, _ = answer(tpch_parser, "total quantity by ship mode")
    intent = tpch_parser.parse("what about 1996", context)

    assert intent.needs_clarification and intent.ambiguities[0].slot == "time"
    assert [o.label for o in intent.ambiguities[0].options] == ["ship date", "commit date", "receipt date"]
    chosen = intent.resolve("receipt date")
    assert chosen.time_range is not None and chosen.time_range.column == "lineitem.l_receiptdate"
    tpch_parser.generate(chosen)
