"""Fixtures: one in-memory DuckDB with the shop tables, shared by the optimizer tests."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from tests.optimizer.cases import create_database, row_counts, table_schema


@pytest.fixture(scope="session")
def shop() -> Iterator[duckdb.DuckDBPyConnection]:
    con = create_database()
    yield con
    con.close()


@pytest.fixture(scope="session")
def schema(shop: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    return table_schema(shop)


@pytest.fixture(scope="session")
def counts(shop: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return row_counts(shop)
