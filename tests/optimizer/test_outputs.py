"""The output contract: optimized queries return the same column names, in the same order."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp, parse_one

from neurolake.optimizer import QueryOptimizer
from neurolake.optimizer.outputs import naming_select, remember_identifier_case, restore_identifier_case
from tests.optimizer.cases import assert_same_results, run


def _optimize(sql: str, schema: dict[str, dict[str, str]]) -> tuple[str, dict[str, str], list[str]]:
    result = QueryOptimizer().optimize(parse_one(sql, read="duckdb"), schema=schema)
    return result.sql, result.errors, result.applied


@pytest.mark.parametrize(
    "sql",
    [
        # unaliased expressions are named by their text: they go back as written
        "SELECT status, sum(amount), count(*), max(amount) - min(amount) "
        "FROM (SELECT * FROM orders WHERE 1 = 1) o GROUP BY status ORDER BY sum(amount) DESC NULLS LAST, 1",
        # a column is named as it was declared, whatever case the query uses
        'SELECT TOTAL, segment FROM (SELECT o.amount AS Total, c."Segment" FROM orders o '
        "JOIN customers c ON c.id = o.customer_id WHERE 1 = 1) s",
        # a set operation is named by its first branch
        "SELECT name AS Label, id FROM regions WHERE 1 = 1 UNION ALL SELECT name, id FROM products ORDER BY 2, 1",
        # a star over a join, duplicate names included
        "SELECT * FROM customers c JOIN regions r ON c.region_id = r.id WHERE r.id > 1 + 1",
        # USING joins merge the key into one column
        "SELECT * FROM orders JOIN customers ON orders.customer_id = customers.id JOIN regions USING (name) "
        "WHERE 2 > 1",
    ],
)
def test_result_columns_keep_names_and_order(
    sql: str, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    optimized, errors, applied = _optimize(sql, schema)

    assert applied, "the query should have been rewritten for this test to mean anything"
    assert errors == {}
    assert_same_results(shop, sql, optimized)


def test_an_expression_that_cannot_go_back_as_written_stops_the_rewrite(
    shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    # merging would turn `x + 1` into `orders.amount + 1`, a column DuckDB names differently
    sql = "SELECT x + 1 FROM (SELECT amount AS x FROM orders) s"

    optimized, errors, _ = _optimize(sql, schema)

    assert "redundant_subquery_elimination" in errors
    assert run(shop, optimized)[0] == ["(x + 1)"]
    assert_same_results(shop, sql, optimized)


def test_order_by_an_unaliased_result_column_becomes_its_position(schema: dict[str, dict[str, str]]) -> None:
    optimized, _, applied = _optimize(
        "SELECT status, count(*) FROM orders WHERE 1 = 1 GROUP BY status ORDER BY count(*)", schema
    )

    assert applied == ["constant_folding"]
    assert (
        optimized == "SELECT orders.status AS status, COUNT(*) FROM orders AS orders GROUP BY orders.status ORDER BY 2"
    )


def test_identifiers_get_their_written_spelling_back() -> None:
    tree = parse_one('SELECT Amount AS Total FROM Orders AS O WHERE "Status" = 1')
    remember_identifier_case(tree)
    for identifier in tree.find_all(exp.Identifier):
        identifier.set("this", identifier.this.lower())

    restore_identifier_case(tree)

    assert tree.sql() == 'SELECT Amount AS Total FROM Orders AS O WHERE "Status" = 1'


def test_the_naming_select_of_a_set_operation_is_its_first_branch() -> None:
    tree = parse_one("(SELECT a FROM x) UNION ALL SELECT b FROM y UNION SELECT c FROM z")

    select = naming_select(tree)

    assert select is not None and select.sql() == "SELECT a FROM x"
