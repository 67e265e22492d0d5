"""predicate_pushdown: the fixture pairs in tests/fixtures/optimizer/predicate_pushdown.sql, run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
from sqlglot import parse_one

from neurolake.optimizer import RuleSkipped
from neurolake.optimizer.predicate_pushdown import predicate_pushdown
from tests.optimizer.cases import Case, check_case, load_cases

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
