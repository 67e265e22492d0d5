"""Edits the intent has no slot for: sorting by words, shares of the total, name repairs."""

from __future__ import annotations

import pytest

from neurolake.conversation.refine import SHARE_ALIAS, can_share, refine_tree
from neurolake.conversation.repair import repair_names
from neurolake.conversation.sorting import SortError, sort_intent
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.agents.conftest import gold, same_rows


def test_sorting_by_words_for_a_shown_measure_or_group(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("revenue by country")

    assert sort_intent(intent, "revenue", None, demo_parser).order_by[0].model_dump() == {
        "target": "sum_total_amount",
        "direction": "desc",
    }
    assert sort_intent(intent, "country", None, demo_parser).order_by[0].direction == "asc"
    assert sort_intent(intent, "country", "desc", demo_parser).order_by[0].direction == "desc"


def test_sorting_breaks_ties_by_the_groups(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("revenue by month")

    ordered = sort_intent(intent, "revenue", None, demo_parser).order_by

    assert [(o.target, o.direction) for o in ordered] == [("sum_total_amount", "desc"), ("order_date_month", "asc")]
    assert [o.target for o in sort_intent(intent, "month", None, demo_parser).order_by] == ["order_date_month"]


def test_sorting_by_a_measure_not_shown_adds_it(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("number of orders by country")

    sorted_intent = sort_intent(intent, "total revenue", None, demo_parser)

    assert [m.alias for m in sorted_intent.measures] == ["count", "sum_total_amount"]
    assert sorted_intent.order_by[0].target == "sum_total_amount"


def test_sorting_by_nothing_known_says_what_is_possible(demo_parser: IntentParser) -> None:
    with pytest.raises(SortError, match="Sort by one of: country, sum_total_amount"):
        sort_intent(demo_parser.parse("revenue by country"), "zodiac sign", None, demo_parser)


def test_a_share_of_the_total_runs_over_every_group_before_the_limit(
    demo_parser: IntentParser, lakehouse: NeuroLake
) -> None:
    intent = demo_parser.parse("top 3 countries by revenue")
    generator = demo_parser.generator()

    sql = generator.to_sql(refine_tree(generator.tree(intent), intent, {"share_of_total": True}))

    assert SHARE_ALIAS in sql
    expected = gold(
        lakehouse,
        "SELECT country, sum(total_amount) s, round(100.0 * sum(total_amount) / sum(sum(total_amount)) OVER (), 2) "
        "FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 3",
    )
    assert same_rows(gold(lakehouse, sql), expected, ordered=True)


def test_a_share_needs_a_measure_and_groups(demo_parser: IntentParser) -> None:
    assert "needs a measure" in (can_share(demo_parser.parse("orders in 2024")) or "")
    assert "only one total" in (can_share(demo_parser.parse("number of orders")) or "")
    assert can_share(demo_parser.parse("number of orders by status")) is None


def test_misspelt_names_are_repaired_against_the_catalog(demo_parser: IntentParser) -> None:
    repaired = repair_names("SELECT o.countri, sum(o.total_amont) FROM order o GROUP BY 1", demo_parser.schema())

    assert repaired is not None
    assert repaired.changes == [
        "table order -> orders",
        "column countri -> country",
        "column total_amont -> total_amount",
    ]
    assert repaired.sql == "SELECT o.country, SUM(o.total_amount) FROM orders AS o GROUP BY 1"


@pytest.mark.parametrize(
    "sql", ["SELECT wibble FROM orders", "SELECT * FROM zzz", "SELECT country FROM orders", "not sql at all ("]
)
def test_nothing_to_repair_or_no_close_name(demo_parser: IntentParser, sql: str) -> None:
    assert repair_names(sql, demo_parser.schema()) is None
