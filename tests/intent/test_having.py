"""Conditions on aggregates (SQL HAVING): "customers with more than 5 orders", "countries with
revenue over 10000". Each answer must equal a hand-written gold SQL's on the demo lakehouse;
comparisons on a row's own column stay row filters (WHERE)."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp

from neurolake.errors import QueryValidationError
from neurolake.intent.model import Filter, Intent, IntentKind, Measure
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.parser import IntentParser
from neurolake.intent.sqlgen import SqlGenerator, parse_sql
from neurolake.platform import NeuroLake
from tests.intent.checks import answer, assert_read_only, assert_same_answer

HAVING_CASES = [
    # (question, gold SQL); the gold lists the subject, the answer also shows what was computed
    (
        "customers with more than 2 orders",
        "SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 2",
    ),
    (
        "customers who placed at least 2 orders",
        "SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) >= 2",
    ),
    (
        "customers with 2 or more orders",
        "SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) >= 2",
    ),
    (
        "countries with revenue over 10000",
        "SELECT country FROM orders GROUP BY country HAVING sum(total_amount) > 10000",
    ),
    (
        "which countries have revenue above 10000",
        "SELECT country FROM orders GROUP BY country HAVING sum(total_amount) > 10000",
    ),
    (
        "products ordered more than 3 times",
        "SELECT product_id FROM order_items GROUP BY product_id HAVING count(*) > 3",
    ),
    (
        "categories whose average price is below 50",
        "SELECT category FROM products GROUP BY category HAVING avg(price) < 50",
    ),
    (
        "which customers spent more than 1000 in 2024",
        "SELECT customer_id FROM orders WHERE order_date >= DATE '2024-01-01' AND order_date < DATE '2025-01-01' "
        "GROUP BY customer_id HAVING sum(total_amount) > 1000",
    ),
    (
        "categories with more than 5 products",
        "SELECT category FROM products GROUP BY category HAVING count(*) > 5",
    ),
    (
        "orders with more than 3 items",
        "SELECT order_id FROM order_items GROUP BY order_id HAVING count(*) > 3",
    ),
    (
        "brands with revenue over 5000",
        "SELECT p.brand FROM order_items i JOIN products p USING (product_id) GROUP BY p.brand "
        "HAVING sum(i.line_total) > 5000",
    ),
]

ROW_FILTERS = [
    # The compared number is the row's own column: WHERE, never HAVING.
    ("orders over 100", "SELECT * FROM orders WHERE total_amount > 100"),
    ("orders with a total amount over 1000", "SELECT * FROM orders WHERE total_amount > 1000"),
    ("products cheaper than 10", "SELECT * FROM products WHERE price < 10"),
    ("products with a price below 10", "SELECT * FROM products WHERE price < 10"),
    # An order over 500, not 500 in all: the customers of those orders.
    (
        "customers with orders over 500",
        "SELECT DISTINCT c.* FROM customers c JOIN orders o USING (customer_id) WHERE o.total_amount > 500",
    ),
]


@pytest.mark.parametrize(("question", "gold"), HAVING_CASES, ids=[c[0] for c in HAVING_CASES])
def test_a_condition_on_an_aggregate_is_having(
    demo_parser: IntentParser, demo_platform: NeuroLake, question: str, gold: str
) -> None:
    intent, sql = answer(demo_parser, question)

    assert intent.having, intent.summary()
    assert intent.kind is IntentKind.AGGREGATION
    assert {h.column for h in intent.having} <= {m.alias for m in intent.measures}
    assert " HAVING " in sql
    assert_read_only(sql)
    assert_same_answer(demo_platform, sql, gold)


@pytest.mark.parametrize(("question", "gold"), ROW_FILTERS, ids=[c[0] for c in ROW_FILTERS])
def test_a_condition_on_a_rows_own_column_stays_a_row_filter(
    demo_parser: IntentParser, demo_platform: NeuroLake, question: str, gold: str
) -> None:
    intent, sql = answer(demo_parser, question)

    assert not intent.having and not intent.measures
    assert " HAVING " not in sql and " WHERE " in sql
    assert_same_answer(demo_platform, sql, gold)


def test_the_gold_answers_are_neither_empty_nor_everything(demo_platform: NeuroLake) -> None:
    """A threshold that keeps every group (or none) would not tell HAVING from no HAVING."""
    for _, gold in HAVING_CASES:
        tree = parse_sql(gold)
        assert isinstance(tree, exp.Select)
        kept = demo_platform.engine.execute_sql(gold, use_cache=False).table.num_rows
        unfiltered = tree.copy()
        unfiltered.set("having", None)
        everything = demo_platform.engine.execute_sql(unfiltered.sql("duckdb"), use_cache=False)
        assert 0 < kept < everything.table.num_rows, gold


def test_counting_another_table_groups_by_the_subject(demo_parser: IntentParser) -> None:
    intent, sql = answer(demo_parser, "customers with more than 2 orders")

    assert [g.column for g in intent.group_by] == ["customers.customer_id", "customers.name"]
    assert intent.having == [Filter(column=intent.measures[0].alias, op=">", value=2)]
    assert "HAVING COUNT(DISTINCT orders.order_id) > 2" in sql


def test_the_period_of_a_sum_is_on_the_summed_rows(demo_parser: IntentParser) -> None:
    intent, _ = answer(demo_parser, "which customers spent more than 1000 in 2024")

    assert intent.time_range is not None and intent.time_range.column == "orders.order_date"


FOLLOW_UPS = [
    (
        "number of orders per customer",
        "only those with more than 2 orders",
        "SELECT customer_id, count(*) FROM orders GROUP BY customer_id HAVING count(*) > 2",
    ),
    (
        "revenue by country",
        "only those above 10000",
        "SELECT country, sum(total_amount) FROM orders GROUP BY country HAVING sum(total_amount) > 10000",
    ),
    (
        "show me the customers",
        "only those with more than 2 orders",
        "SELECT customer_id FROM orders GROUP BY customer_id HAVING count(*) > 2",
    ),
    (
        "orders in 2024",
        "only those with more than 3 items",
        "SELECT i.order_id FROM order_items i JOIN orders o USING (order_id) WHERE o.order_date >= DATE '2024-01-01' "
        "AND o.order_date < DATE '2025-01-01' GROUP BY i.order_id HAVING count(*) > 3",
    ),
    (
        "revenue by customer",
        "only those with more than 2 orders",
        "SELECT c.customer_id, sum(o.total_amount) FROM orders o JOIN customers c USING (customer_id) "
        "GROUP BY c.customer_id HAVING count(*) > 2",
    ),
]


@pytest.mark.parametrize(("first", "then", "gold"), FOLLOW_UPS, ids=[f"{c[0]} -> {c[1]}" for c in FOLLOW_UPS])
def test_a_follow_up_filters_the_groups(
    demo_parser: IntentParser, demo_platform: NeuroLake, first: str, then: str, gold: str
) -> None:
    context, _ = answer(demo_parser, first)
    intent, sql = answer(demo_parser, then, context)

    assert intent.having
    assert intent.group_by == context.group_by or not context.group_by
    assert_same_answer(demo_platform, sql, gold)


def test_counting_the_groups_is_refused_not_answered_wrong(demo_parser: IntentParser) -> None:
    """ "how many customers have more than 5 orders" needs a nested query: refused with a way out,
    never read as a row filter ("orders worth more than 5")."""
    intent = demo_parser.parse("how many customers have more than 5 orders")

    assert intent.kind is IntentKind.UNKNOWN
    assert intent.refusal is not None and "customers with more than 5 orders" in intent.refusal
    context, _ = answer(demo_parser, "number of orders per customer")
    follow = demo_parser.parse("only those with more than 3 items", context)
    assert follow.kind is IntentKind.UNKNOWN and follow.refusal is not None


def test_a_follow_up_without_groups_still_filters_rows(demo_parser: IntentParser, demo_platform: NeuroLake) -> None:
    context, _ = answer(demo_parser, "orders in 2024")
    intent, sql = answer(demo_parser, "only those above 100", context)

    assert not intent.having
    gold = (
        "SELECT * FROM orders WHERE total_amount > 100 AND order_date >= DATE '2024-01-01' "
        "AND order_date < DATE '2025-01-01'"
    )
    assert_same_answer(demo_platform, sql, gold)


def test_sqlgen_writes_having_on_the_measure_and_refuses_an_unknown_alias(demo_parser: IntentParser) -> None:
    intent = Intent(
        kind=IntentKind.AGGREGATION,
        tables=["orders"],
        measures=[Measure(function="sum", column="orders.total_amount")],
        group_by=[],
        having=[Filter(column="sum_total_amount", op="between", value=[10, 20])],
    )
    intent.group_by = demo_parser.parse("revenue by country").group_by
    sql = demo_parser.generate(intent)
    assert sql.endswith("HAVING SUM(orders.total_amount) BETWEEN 10 AND 20")

    intent.having = [Filter(column="count", op=">", value=1)]
    with pytest.raises(QueryValidationError, match="not one of the measures"):
        demo_parser.generate(intent)


BIKE_CASES = [
    ("rider types with more than 2 trips", "SELECT rider_type, count(*) FROM trips GROUP BY 1 HAVING count(*) > 2"),
    ("cities with more than 1 station", "SELECT city, count(*) FROM stations GROUP BY 1 HAVING count(*) > 1"),
    (
        "rider types with an average duration above 600",
        "SELECT rider_type, avg(duration_s) FROM trips GROUP BY 1 HAVING avg(duration_s) > 600",
    ),
]


@pytest.mark.parametrize(("question", "gold"), BIKE_CASES, ids=[c[0] for c in BIKE_CASES])
def test_having_on_a_schema_the_parser_has_never_seen(
    bike_parser: OfflineIntentParser,
    bike_sql: SqlGenerator,
    bike_db: duckdb.DuckDBPyConnection,
    question: str,
    gold: str,
) -> None:
    intent = bike_parser.parse(question)
    assert not intent.needs_clarification, intent.clarification
    sql = bike_sql.generate(intent)

    assert " HAVING " in sql
    assert sorted(bike_db.execute(sql).fetchall(), key=repr) == sorted(bike_db.execute(gold).fetchall(), key=repr)


def test_counting_trips_per_station_asks_which_end(
    bike_parser: OfflineIntentParser, bike_sql: SqlGenerator, bike_db: duckdb.DuckDBPyConnection
) -> None:
    intent = bike_parser.parse("stations with more than 1 trip")

    assert intent.clarification is not None and intent.ambiguities[0].slot == "join"
    chosen = intent.resolve("start station")
    got = sorted(bike_db.execute(bike_sql.generate(chosen)).fetchall(), key=repr)
    gold = (
        "SELECT s.id, s.name, count(*) FROM trips t JOIN stations s ON t.start_station_id = s.id "
        "GROUP BY 1, 2 HAVING count(*) > 1"
    )
    assert got == sorted(bike_db.execute(gold).fetchall(), key=repr)


def test_having_survives_the_prompt_json_round_trip(demo_parser: IntentParser, demo_platform: NeuroLake) -> None:
    """The offline handler of the ``intent_parsing`` prompt answers with the condition, and a
    model's answer with ``having`` is read back into the same query."""
    from neurolake.intent.prompt_json import from_prompt_json, to_prompt_json

    intent, sql = answer(demo_parser, "customers with more than 2 orders")
    data = to_prompt_json(intent)
    assert data["having"] == [{"column": "count_distinct(orders.order_id)", "op": ">", "value": 2}]

    offline = demo_parser.offline()
    again = from_prompt_json(data, intent.question, offline.schema, offline.graph)
    assert again.having == intent.having
    assert_same_answer(demo_platform, demo_parser.generate(again), sql)
