"""Parameters: named and positional, bound by the backend and never pasted into SQL."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from neurolake.engine import NeuroLakeEngine
from neurolake.engine.params import bind_parameters
from neurolake.engine.parsing import parse_statement
from neurolake.engine.statement import collect_parameters
from neurolake.errors import QueryValidationError


def test_named_parameters(engine: NeuroLakeEngine) -> None:
    dollar = engine.execute_sql(
        "SELECT id FROM orders WHERE status = $s AND amount > $m ORDER BY id", {"s": "paid", "m": 10}
    )
    colon = engine.execute_sql("SELECT id FROM orders WHERE status = :s ORDER BY id", {"s": "open"})

    assert dollar.rows == [(1,), (2,)]
    assert colon.rows == [(3,), (5,)]


def test_positional_parameters(engine: NeuroLakeEngine) -> None:
    question = engine.execute_sql("SELECT id FROM orders WHERE customer_id = ? AND amount < ? ORDER BY id", [1, 100])
    numbered = engine.execute_sql("SELECT id FROM orders WHERE id IN ($1, $2) OR id = $1 ORDER BY id", (4, 6))

    assert question.rows == [(2,)]
    assert numbered.rows == [(4,), (6,)]


def test_typed_values_bind(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql(
        "SELECT count(*) FROM orders WHERE ordered_at >= $since AND amount >= $min AND "
        "customer_id IN (SELECT id FROM customers WHERE signup < $joined)",
        {"since": datetime(2024, 1, 2), "min": Decimal("20.50"), "joined": date(2024, 1, 1)},
    )

    assert result.rows == [(1,)]


def test_values_are_bound_not_interpolated(engine: NeuroLakeEngine) -> None:
    hostile = "x' OR '1'='1"

    result = engine.execute_sql("SELECT count(*) FROM customers WHERE name = $name", {"name": hostile})
    as_text = engine.execute_sql("SELECT $v AS v", {"v": "'; DROP TABLE orders; --"})

    assert result.rows == [(0,)]
    assert as_text.rows == [("'; DROP TABLE orders; --",)]


@pytest.mark.parametrize(
    ("sql", "params", "message"),
    [
        ("SELECT $a, $b", {"a": 1}, r"Missing value for parameter \$b"),
        ("SELECT $a", {"a": 1, "c": 2}, r"Unknown parameter \$c"),
        ("SELECT $a", [1], "pass them as a mapping"),
        ("SELECT ?, ?", [1], "2 positional parameter"),
        ("SELECT ?", {"a": 1}, "as a list"),
        ("SELECT ?", None, "as a list"),
        ("SELECT 1", {"a": 1}, "takes no parameters"),
        ("SELECT $a, ?", {"a": 1}, "not both"),
        ("SELECT ?, $1", [1], "not both"),
    ],
)
def test_parameter_mistakes_are_validation_errors(
    engine: NeuroLakeEngine, sql: str, params: object, message: str
) -> None:
    with pytest.raises(QueryValidationError, match=message):
        engine.execute_sql(sql, params)  # type: ignore[arg-type]


def test_version_only_parameters_are_not_sent_to_the_backend() -> None:
    spec = collect_parameters(parse_statement("SELECT * FROM t VERSION AS OF $v WHERE x = $x"))

    bound, values = bind_parameters(spec, {"v": 1, "x": 2})

    assert spec.named == ("x",) and spec.version_only == ("v",)
    assert bound == {"x": 2} and values == {"v": 1, "x": 2}
