"""predicate_pushdown: the fixture pairs in tests/fixtures/optimizer/predicate_pushdown.sql, run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp, parse_one

from neurolake.optimizer import RuleSkipped
from neurolake.optimizer.predicate_pushdown import predicate_pushdown
from neurolake.optimizer.qualify import build_schema, qualify
from tests.optimizer.cases import Case, assert_same_results, check_case, load_cases

CASES = load_cases("predicate_pushdown")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fixture_pair(
    case: Case, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    check_case(case, shop, schema, counts)


def test_declines_when_no_filter_can_move() -> None:
    # sqlglot would still reorder `o.customer_id = c.id`; that is not a rewrite worth reporting
    tree = parse_one(
        "SELECT c.id AS id FROM customers AS c LEFT JOIN orders AS o ON o.customer_id = c.id WHERE o.id > 1"
    )

    with pytest.raises(RuleSkipped, match="no filter can move"):
        predicate_pushdown(tree)


def _pushdown(sql: str, schema: dict[str, dict[str, str]]) -> exp.Expr:
    return predicate_pushdown(qualify(parse_one(sql, read="duckdb"), schema=build_schema(schema)))


def _join_conditions(tree: exp.Expr) -> list[exp.Expr]:
    return [join.args["on"] for join in tree.find_all(exp.Join) if join.args.get("on") is not None]


SUBQUERY_CONDITIONS = {
    "scalar": "o.amount = (SELECT MAX(o2.amount) FROM orders AS o2 WHERE o2.customer_id = c.id)",
    "in": "o.id IN (SELECT i.order_id FROM order_items AS i WHERE i.quantity > c.region_id)",
    "exists": "EXISTS (SELECT 1 FROM order_items AS i WHERE i.order_id = o.id AND i.quantity > 2)",
    "not in": "c.region_id NOT IN (SELECT r.id FROM regions AS r WHERE r.name = 'North')",
}


@pytest.mark.parametrize("condition", SUBQUERY_CONDITIONS.values(), ids=SUBQUERY_CONDITIONS.keys())
def test_a_condition_with_a_subquery_stays_in_where(
    condition: str, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    # TPC-H Q2's shape: in a join's ON, DuckDB planned it 2.5x slower and Spark refuses it
    sql = (
        "SELECT o.id, c.name FROM orders o, customers c "
        f"WHERE o.customer_id = c.id AND c.region_id > 1 AND {condition} AND o.status = 'shipped'"
    )

    pushed = _pushdown(sql, schema)

    assert [on.sql() for on in _join_conditions(pushed)] == ["c.id = o.customer_id AND c.region_id > 1"]
    subquery, status = pushed.args["where"].this.flatten()  # in the order written
    assert subquery.find(exp.Query) is not None
    assert status.sql() == "o.status = 'shipped'"  # on the FROM table: nowhere to move
    assert_same_results(shop, sql, pushed.sql("duckdb"))


def test_a_subquery_condition_does_not_move_into_a_derived_table(
    shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    sql = (
        "SELECT s.id FROM (SELECT id, customer_id, amount FROM orders) s "
        "WHERE s.amount > (SELECT AVG(amount) FROM orders) AND s.customer_id > 3"
    )

    pushed = _pushdown(sql, schema)

    inner = pushed.args["from_"].this.this
    assert inner.sql("duckdb").endswith("WHERE orders.customer_id > 3")
    assert pushed.args["where"].this.find(exp.Query) is not None
    assert_same_results(shop, sql, pushed.sql("duckdb"))


def test_a_correlated_condition_stays_in_the_subquerys_where(
    shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    # it stays where the backends decorrelate it; the local conditions still move
    sql = (
        "SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM order_items i, orders o "
        "WHERE o.id = i.order_id AND o.customer_id = c.id AND o.status = 'new')"
    )

    pushed = _pushdown(sql, schema)

    subquery = pushed.find(exp.Exists).this
    assert subquery.args["joins"][0].args["on"].sql() == "i.order_id = o.id AND o.status = 'new'"
    assert subquery.args["where"].this.sql() == "c.id = o.customer_id"
    assert_same_results(shop, sql, pushed.sql("duckdb"))


def test_conditions_keep_their_written_order(
    shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    sql = (
        "SELECT o.id FROM orders o, customers c WHERE o.status = 'new' AND o.customer_id = c.id "
        "AND c.name <> 'Ada' AND o.amount > (SELECT AVG(amount) FROM orders) AND o.id > 2 AND c.id < 20"
    )

    pushed = _pushdown(sql, schema)

    assert pushed.sql("duckdb") == (
        "SELECT o.id AS id FROM orders AS o JOIN customers AS c ON c.id = o.customer_id AND c.name <> 'Ada' "
        "AND c.id < 20 WHERE o.status = 'new' AND o.amount > (SELECT AVG(orders.amount) AS _col_0 "
        "FROM orders AS orders) AND o.id > 2"
    )
    assert_same_results(shop, sql, pushed.sql("duckdb"))
