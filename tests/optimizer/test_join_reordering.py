"""join_reordering: the fixture pairs in tests/fixtures/optimizer/join_reordering.sql, run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp, parse_one

from neurolake.optimizer.join_reordering import join_reordering
from neurolake.optimizer.qualify import build_schema, qualify
from tests.optimizer.cases import Case, check_case, load_cases

CASES = load_cases("join_reordering")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fixture_pair(
    case: Case, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    check_case(case, shop, schema, counts)


def _qualified(sql: str, schema: dict[str, dict[str, str]]) -> exp.Expr:
    return qualify(parse_one(sql, read="duckdb"), schema=build_schema(schema))


def _conjuncts(tree: exp.Expr) -> list[str]:
    found = []
    for join in tree.find_all(exp.Join):
        on = join.args.get("on")
        found += [c.sql() for c in (on.flatten() if isinstance(on, exp.And) else [on] if on else [])]
    return sorted(found)


def test_order_follows_row_counts_not_the_written_order(schema: dict[str, dict[str, str]]) -> None:
    sql = "SELECT o.id FROM orders o JOIN customers c ON o.customer_id = c.id JOIN regions r ON r.id = c.region_id"
    small_orders = join_reordering(_qualified(sql, schema), row_counts={"orders": 1, "customers": 50, "regions": 9})
    small_regions = join_reordering(_qualified(sql, schema), row_counts={"orders": 900, "customers": 50, "regions": 9})

    assert [t.alias for t in small_orders.find_all(exp.Table)] == ["o", "c", "r"]
    assert [t.alias for t in small_regions.find_all(exp.Table)] == ["r", "c", "o"]


def test_a_run_that_starts_with_an_outer_join_is_left_alone(schema: dict[str, dict[str, str]]) -> None:
    sql = "SELECT o.id FROM orders o LEFT JOIN customers c ON o.customer_id = c.id JOIN regions r ON r.id = c.region_id"
    tree = _qualified(sql, schema)
    before = tree.sql()

    assert join_reordering(tree, row_counts={"orders": 900, "customers": 50, "regions": 1}).sql() == before


def test_every_condition_is_kept_when_tables_move(schema: dict[str, dict[str, str]]) -> None:
    sql = (
        "SELECT i.order_id FROM order_items i JOIN orders o ON i.order_id = o.id AND o.amount > i.price "
        "JOIN customers c ON c.id = o.customer_id AND c.region_id = 2 JOIN regions r ON r.id = c.region_id"
    )
    tree = _qualified(sql, schema)
    before = _conjuncts(tree)

    rewritten = join_reordering(
        tree.copy(), row_counts={"order_items": 120, "orders": 60, "customers": 24, "regions": 4}
    )

    assert next(t.alias for t in rewritten.find_all(exp.Table)) == "r"
    assert _conjuncts(rewritten) == before


def test_a_table_joined_by_no_condition_keeps_the_order(schema: dict[str, dict[str, str]]) -> None:
    sql = "SELECT o.id FROM orders o JOIN regions r ON r.name = 'North'"
    tree = _qualified(sql, schema)
    before = tree.sql()

    assert join_reordering(tree, row_counts={"orders": 60, "regions": 4}).sql() == before
