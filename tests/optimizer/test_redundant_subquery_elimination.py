"""redundant_subquery_elimination: the fixture pairs of its .sql file, run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp, parse_one

from neurolake.optimizer.qualify import build_schema, qualify
from neurolake.optimizer.redundant_subquery_elimination import redundant_subquery_elimination
from tests.optimizer.cases import Case, check_case, load_cases

CASES = load_cases("redundant_subquery_elimination")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fixture_pair(
    case: Case, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    check_case(case, shop, schema, counts)


def test_unnesting_can_be_switched_off(schema: dict[str, dict[str, str]]) -> None:
    sql = "SELECT id FROM customers WHERE id IN (SELECT customer_id FROM orders)"
    tree = qualify(parse_one(sql, read="duckdb"), schema=build_schema(schema))

    rewritten = redundant_subquery_elimination(tree, unnest=False)

    assert rewritten.find(exp.In) is not None
    assert rewritten.find(exp.Join) is None
