"""Every intent kind on the demo lakehouse: each question's SQL gives the gold SQL's result."""

from __future__ import annotations

import pytest

from neurolake.intent.model import IntentKind
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.intent.checks import answer, assert_read_only, assert_same_answer

CASES = [
    # (kind, question, gold SQL); paraphrases share a gold
    ("query", "show me the customers", "SELECT * FROM customers"),
    ("query", "who are our clients", "SELECT * FROM customers"),
    ("query", "names and emails of customers", "SELECT name, email FROM customers"),
    ("filter", "customers from Germany", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("filter", "which customers live in Germany", "SELECT * FROM customers WHERE country = 'Germany'"),
    ("filter", "orders above 500", "SELECT * FROM orders WHERE total_amount > 500"),
    ("filter", "orders worth more than $500", "SELECT * FROM orders WHERE total_amount > 500"),
    ("filter", "products cheaper than 10", "SELECT * FROM products WHERE price < 10"),
    ("filter", "orders that are not delivered", "SELECT * FROM orders WHERE status <> 'delivered'"),
    ("filter", "orders from Germany or France", "SELECT * FROM orders WHERE country IN ('Germany', 'France')"),
    (
        "filter",
        "cancelled orders in 2024",
        "SELECT * FROM orders WHERE status = 'cancelled' AND order_date >= DATE '2024-01-01' "
        "AND order_date < DATE '2025-01-01'",
    ),
    ("filter", "orders in the last 30 days", "SELECT * FROM orders WHERE order_date >= DATE '2024-12-02'"),
    ("aggregation", "how many customers are there", "SELECT count(*) FROM customers"),
    ("aggregation", "number of clients", "SELECT count(*) FROM customers"),
    ("aggregation", "revenue by country", "SELECT country, sum(total_amount) FROM orders GROUP BY country"),
    ("aggregation", "total sales per country", "SELECT country, sum(total_amount) FROM orders GROUP BY country"),
    (
        "aggregation",
        "number of orders per month in 2024",
        "SELECT date_trunc('month', order_date) m, count(*) FROM orders "
        "WHERE order_date >= DATE '2024-01-01' AND order_date < DATE '2025-01-01' GROUP BY m",
    ),
    (
        "aggregation",
        "revenue by product category",
        "SELECT p.category, sum(i.line_total) FROM order_items i JOIN products p USING (product_id) GROUP BY 1",
    ),
    ("aggregation", "average price by category", "SELECT category, avg(price) FROM products GROUP BY category"),
    (
        "aggregation",
        "how many orders per customer segment",
        "SELECT c.segment, count(*) FROM orders o JOIN customers c USING (customer_id) GROUP BY 1",
    ),
    ("aggregation", "largest order total", "SELECT max(total_amount) FROM orders"),
    (
        "ranking",
        "top 3 products by revenue",
        "SELECT p.product_id, sum(i.line_total) r FROM order_items i JOIN products p USING (product_id) "
        "GROUP BY 1 ORDER BY r DESC LIMIT 3",
    ),
    ("ranking", "the 3 most expensive products", "SELECT * FROM products ORDER BY price DESC LIMIT 3"),
    ("ranking", "top 3 products by price", "SELECT * FROM products ORDER BY price DESC LIMIT 3"),
    (
        "ranking",
        "which category has the highest revenue",
        "SELECT p.category, sum(i.line_total) r FROM order_items i JOIN products p USING (product_id) "
        "GROUP BY 1 ORDER BY r DESC LIMIT 1",
    ),
    ("time_travel", "how many orders were there as of version 0", "SELECT count(*) FROM orders VERSION AS OF 0"),
    ("time_travel", "average product price at version 0", "SELECT avg(price) FROM products VERSION AS OF 0"),
    ("schema", "what tables are there", "SHOW TABLES"),
    ("schema", "describe the orders table", "DESCRIBE orders"),
    ("schema", "what columns does products have", "DESCRIBE products"),
    (
        "pipeline",
        "create a daily job that computes revenue by country",
        "SELECT country, sum(total_amount) FROM orders GROUP BY 1",
    ),
]


@pytest.mark.parametrize(("kind", "question", "gold"), CASES, ids=[c[1] for c in CASES])
def test_question_gives_the_gold_result(
    demo_parser: IntentParser, demo_platform: NeuroLake, kind: str, question: str, gold: str
) -> None:
    intent, sql = answer(demo_parser, question)

    assert intent.kind == IntentKind(kind)
    assert_read_only(sql)
    assert_same_answer(demo_platform, sql, gold)


def test_columns_are_qualified_and_joins_follow_inferred_keys(demo_parser: IntentParser) -> None:
    intent, sql = answer(demo_parser, "revenue by customer segment")

    assert "orders.total_amount" in sql and "customers.segment" in sql
    assert intent.joins[0].on == [("orders.customer_id", "customers.customer_id")]


def test_explain_wraps_the_query_and_runs(demo_parser: IntentParser, demo_platform: NeuroLake) -> None:
    intent, sql = answer(demo_parser, "explain how you would count orders by channel")

    assert intent.kind is IntentKind.EXPLAIN
    assert sql.startswith("EXPLAIN SELECT orders.channel")
    plan = demo_platform.engine.execute_sql(sql)
    assert any("orders@v" in row[0] for row in plan.rows)


def test_pipeline_request_carries_its_schedule(demo_parser: IntentParser) -> None:
    intent, _ = answer(demo_parser, "schedule a weekly report of the number of orders per channel")

    assert intent.kind is IntentKind.PIPELINE
    assert intent.schedule is not None and intent.schedule.cron == "0 6 * * 1"


def test_time_travel_is_written_the_way_the_engine_reads_it(demo_parser: IntentParser) -> None:
    _, sql = answer(demo_parser, "how many orders as of version 0")

    assert sql == "SELECT COUNT(*) AS count FROM orders VERSION AS OF 0"


def test_parse_and_generate_are_fast(demo_parser: IntentParser) -> None:
    import statistics
    import time

    questions = [c[1] for c in CASES]
    for q in questions:  # warm-up
        demo_parser.generate(demo_parser.parse(q))
    samples = []
    for q in questions:
        started = time.perf_counter()
        demo_parser.generate(demo_parser.parse(q))
        samples.append(time.perf_counter() - started)
    assert statistics.median(samples) < 0.05
