"""The whole pipeline on realistic queries: same columns, same rows, with the optimizer on and off."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import parse_one

from neurolake.optimizer import QueryOptimizer
from tests.optimizer.cases import assert_same_results, load_queries

QUERIES = load_queries("analytic_queries")
PARAMS = {"a positional parameter": [100]}


@pytest.fixture(scope="module")
def results(
    schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> dict[str, tuple[str, list[str], dict[str, str]]]:
    optimizer = QueryOptimizer()
    found = {}
    for name, sql in QUERIES:
        result = optimizer.optimize(parse_one(sql, read="duckdb"), schema=schema, row_counts=counts)
        found[name] = (result.sql, result.applied, result.errors)
    return found


@pytest.mark.parametrize(("name", "sql"), QUERIES, ids=[name for name, _ in QUERIES])
def test_same_results_with_the_optimizer_on(
    name: str, sql: str, shop: duckdb.DuckDBPyConnection, results: dict[str, tuple[str, list[str], dict[str, str]]]
) -> None:
    optimized, _, errors = results[name]

    assert errors == {}
    assert_same_results(shop, sql, optimized, PARAMS.get(name))


def test_the_queries_exercise_every_rule(results: dict[str, tuple[str, list[str], dict[str, str]]]) -> None:
    applied = {rule for _, rules, _ in results.values() for rule in rules}

    assert len(QUERIES) >= 20
    assert applied == {
        "constant_folding",
        "redundant_subquery_elimination",
        "predicate_pushdown",
        "projection_pruning",
        "join_reordering",
    }
    assert sum(1 for _, rules, _ in results.values() if rules) >= len(QUERIES) // 2
