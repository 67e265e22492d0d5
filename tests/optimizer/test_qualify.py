"""qualify: the groundwork rule, run only when the schema covers every table."""

from __future__ import annotations

import pytest
from sqlglot import parse_one
from sqlglot.schema import MappingSchema

from neurolake.optimizer import RuleSkipped
from neurolake.optimizer.qualify import build_schema, is_qualified, qualify, unknown_tables

SCHEMA = MappingSchema(
    {"Orders": {"ID": "INTEGER", "Amount": "DECIMAL(10,2)"}, "regions": {"id": "INTEGER"}}, dialect="duckdb"
)


def test_columns_are_tied_to_tables_and_stars_expanded() -> None:
    tree = qualify(parse_one("SELECT * FROM orders o WHERE amount > 1", read="duckdb"), schema=SCHEMA)

    assert tree.sql() == "SELECT o.id AS id, o.amount AS amount FROM orders AS o WHERE o.amount > 1"
    assert is_qualified(tree)


def test_time_travel_stays_on_its_table() -> None:
    tree = qualify(parse_one("SELECT id FROM orders VERSION AS OF 2", read="duckdb"), schema=SCHEMA)

    assert tree.sql("duckdb") == "SELECT orders.id AS id FROM orders FOR VERSION AS OF 2 AS orders"


def test_without_a_schema_the_rule_is_skipped() -> None:
    with pytest.raises(RuleSkipped, match="no schema"):
        qualify(parse_one("SELECT id FROM orders"), schema=None)


def test_tables_the_schema_does_not_know_are_named() -> None:
    sql = "WITH recent AS (SELECT * FROM orders) SELECT * FROM recent, stock, generate_series(1, 3) AS g"

    assert unknown_tables(parse_one(sql, read="duckdb"), SCHEMA) == ["GENERATE_SERIES(1, 3)", "stock"]
    with pytest.raises(RuleSkipped, match="does not describe GENERATE_SERIES"):
        qualify(parse_one(sql, read="duckdb"), schema=SCHEMA)


def test_an_unqualified_tree_is_recognised() -> None:
    assert not is_qualified(parse_one("SELECT id FROM orders"))
    assert not is_qualified(parse_one("SELECT o.* FROM orders AS o"))
    assert is_qualified(parse_one("SELECT 1 AS x"))


def test_types_sqlglot_cannot_read_do_not_lose_the_columns() -> None:
    schema = build_schema({"t": {"a": "NOT A TYPE ((", "b": "INTEGER"}})

    assert schema is not None and schema.column_names("t") == ["a", "b"]
    assert build_schema(None) is None and build_schema({}) is None
