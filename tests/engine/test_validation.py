"""Error messages a person can act on: syntax positions, unknown tables and columns."""

from __future__ import annotations

import pytest

from neurolake.engine import NeuroLakeEngine
from neurolake.errors import QueryValidationError, TableNotFoundError


def test_syntax_errors_carry_line_and_column(engine: NeuroLakeEngine) -> None:
    with pytest.raises(QueryValidationError) as error:
        engine.execute_sql("SELECT id,\n       FROM orders\n WHERE (id = 1")

    assert error.value.line is not None and error.value.column is not None
    assert f"line {error.value.line}, column {error.value.column}" in str(error.value)
    assert isinstance(error.value, ValueError) and error.value.status_code == 400


def test_a_typo_in_a_keyword_points_at_it(engine: NeuroLakeEngine) -> None:
    with pytest.raises(QueryValidationError) as error:
        engine.execute_sql("SELECT *\nFROM orders\nWHER id = 1")

    assert error.value.line == 3


def test_empty_sql_is_refused(engine: NeuroLakeEngine) -> None:
    with pytest.raises(QueryValidationError, match="empty"):
        engine.execute_sql("  -- nothing\n")


def test_unknown_table_suggests_a_close_name(engine: NeuroLakeEngine) -> None:
    with pytest.raises(TableNotFoundError) as error:
        engine.execute_sql("SELECT * FROM order_s")

    assert "Table 'order_s' does not exist" in str(error.value)
    assert "Did you mean 'orders'?" in str(error.value)
    assert error.value.status_code == 404


def test_qualified_names_outside_the_lakehouse_are_unknown(engine: NeuroLakeEngine) -> None:
    with pytest.raises(TableNotFoundError, match="one-part names"):
        engine.execute_sql("SELECT * FROM information_schema.tables")
    assert engine.execute_sql("SELECT count(*) FROM main.orders").rows == [(6,)]


def test_unknown_column_suggests_a_close_name_with_its_position(engine: NeuroLakeEngine) -> None:
    with pytest.raises(QueryValidationError) as error:
        engine.execute_sql("SELECT id,\n  amout FROM orders")

    assert "Column 'amout' does not exist" in str(error.value)
    assert "Did you mean 'amount'?" in str(error.value)
    assert (error.value.line, error.value.column) == (2, 7)


def test_unknown_qualified_column_names_the_table(engine: NeuroLakeEngine) -> None:
    with pytest.raises(QueryValidationError, match=r"Column 'nme' does not exist in table 'c'.*'name'"):
        engine.execute_sql("SELECT c.nme FROM orders o JOIN customers c ON c.id = o.customer_id")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT amount * 2 AS doubled FROM orders ORDER BY doubled",
        "SELECT t.total FROM (SELECT sum(amount) AS total FROM orders) t",
        "WITH x AS (SELECT customer_id AS who FROM orders) SELECT who FROM x",
        "SELECT n FROM (VALUES (1)) v(n)",
        "SELECT list_transform([1, 2], x -> x * 2) AS l FROM orders",
        "SELECT {'a': id}.a FROM orders",
        "SELECT count(*) FROM orders PIVOT (sum(amount) FOR status IN ('paid'))",
        "SELECT ID, Amount FROM Orders",
    ],
)
def test_columns_the_query_defines_are_not_flagged(engine: NeuroLakeEngine, sql: str) -> None:
    engine.execute_sql(sql)


def test_what_the_precheck_cannot_judge_is_reported_by_the_backend(engine: NeuroLakeEngine) -> None:
    with pytest.raises(QueryValidationError) as error:
        engine.execute_sql("WITH x AS (SELECT id FROM orders) SELECT x.nope FROM x")

    assert "nope" in str(error.value) and "LINE" not in str(error.value)
