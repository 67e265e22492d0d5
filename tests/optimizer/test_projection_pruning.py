"""projection_pruning: the fixture pairs in tests/fixtures/optimizer/projection_pruning.sql, run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from tests.optimizer.cases import Case, check_case, load_cases

CASES = load_cases("projection_pruning")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_fixture_pair(
    case: Case, shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    check_case(case, shop, schema, counts)
