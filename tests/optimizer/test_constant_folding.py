"""constant_folding: the fixture pairs in tests/fixtures/optimizer/constant_folding.sql, run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import exp, parse_one

from neurolake.optimizer.constant_folding import constant_folding
from tests.optimizer.cases import Case, check_case, load_cases

CASES = load_cases("constant_folding")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fixture_pair(
    case: Case, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    check_case(case, shop, schema, counts)


def test_protected_select_items_keep_their_text() -> None:
    tree = parse_one("SELECT 1 + 1, 2 + 2 AS four FROM t WHERE 3 > 1 + 1")
    kept = tree.find(exp.Add)
    assert kept is not None

    folded = constant_folding(tree, protected=[kept])

    assert folded.sql() == "SELECT 1 + 1, 4 AS four FROM t"


def test_mixed_types_are_not_folded_in_values() -> None:
    tree = parse_one("SELECT '1' = 1 AS a, 2147483647 + 1 AS b, 1.5 + 1 AS c FROM t")

    assert constant_folding(tree).sql() == "SELECT '1' = 1 AS a, 2147483647 + 1 AS b, 1.5 + 1 AS c FROM t"


def test_leaves_the_tree_alone_when_nothing_is_constant() -> None:
    sql = "SELECT a FROM t JOIN u ON u.k = t.k WHERE t.b > 1 AND u.c = 'x'"

    assert constant_folding(parse_one(sql)).sql() == sql
