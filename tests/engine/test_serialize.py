"""QueryResult.to_json: every type written so a JSON reader gets the same value back."""

from __future__ import annotations

import json
from decimal import Decimal

import pyarrow as pa

from neurolake.engine import NeuroLakeEngine, QueryMetrics, QueryResult
from neurolake.engine.serialize import MAX_SAFE_INTEGER, json_value


def test_query_result_json_has_the_documented_shape_and_values(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql(
        "SELECT 9007199254740993::BIGINT AS big, 42::BIGINT AS small, -9007199254740991::BIGINT AS edge, "
        "170141183460469231731687303715884105727::HUGEINT AS huge, 12.50::DECIMAL(10,2) AS price, "
        "DATE '2024-02-29' AS day, TIMESTAMP '2024-01-02 03:04:05.123456' AS at, "
        "TIMESTAMPTZ '2024-01-02 03:04:05+00' AS at_utc, TIME '12:30:00' AS clock, "
        "'NaN'::DOUBLE AS nan, 'inf'::DOUBLE AS inf, 0.25::DOUBLE AS quarter, NULL::INTEGER AS nothing, "
        "true AS yes, 'é' AS text, [1, NULL, 3] AS list, {'a': 1, 'b': 'x'} AS struct, "
        "MAP {'k': 1.5::DECIMAL(4,2)} AS map, '\\xAA\\xBB'::BLOB AS bytes, "
        "'7d444840-9dc0-11d1-b245-5ffdce74fad2'::UUID AS id, INTERVAL 1 MONTH + INTERVAL 2 DAY AS span"
    )

    data = json.loads(result.to_json())
    row = dict(zip(data["columns"], data["rows"][0], strict=True))

    assert set(data) >= {"query_id", "sql", "columns", "column_types", "rows", "truncated", "metrics"}
    assert row["big"] == "9007199254740993" and row["small"] == 42 and row["edge"] == -9007199254740991
    assert row["huge"] == "170141183460469231731687303715884105727"
    assert row["price"] == "12.50"
    assert row["day"] == "2024-02-29" and row["at"] == "2024-01-02T03:04:05.123456"
    assert row["at_utc"].startswith("2024-01-02T03:04:05") and row["at_utc"].endswith("+00:00")
    assert row["clock"] == "12:30:00"
    assert (row["nan"], row["inf"], row["quarter"]) == ("NaN", "Infinity", 0.25)
    assert row["nothing"] is None and row["yes"] is True and row["text"] == "é"
    assert row["list"] == [1, None, 3] and row["struct"] == {"a": 1, "b": "x"}
    assert row["map"] == {"k": "1.50"}
    assert row["bytes"] == "qrs="
    assert row["id"] == "7d444840-9dc0-11d1-b245-5ffdce74fad2"
    assert row["span"] == {"months": 1, "days": 2, "nanoseconds": 0}
    assert data["metrics"]["rows"] == 1 and data["metrics"]["backend"] == engine.backend.name


def test_python_rows_keep_exact_values(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT 9007199254740993::BIGINT AS big, 0.1::DECIMAL(3,1) AS d")

    assert result.rows == [(9007199254740993, Decimal("0.1"))]


def test_json_value_edges() -> None:
    assert json_value(MAX_SAFE_INTEGER) == MAX_SAFE_INTEGER
    assert json_value(MAX_SAFE_INTEGER + 1) == str(MAX_SAFE_INTEGER + 1)
    assert json_value(-(MAX_SAFE_INTEGER + 1)) == str(-(MAX_SAFE_INTEGER + 1))
    assert json_value(float("-inf")) == "-Infinity"
    assert json_value([(1, "a"), (2, "b")]) == [[1, "a"], [2, "b"]]


def test_empty_and_columnless_results_serialize() -> None:
    metrics = QueryMetrics(query_id="q", backend="duckdb", rows=0, bytes=0, duration_ms=1.0)
    empty = QueryResult(pa.table({"a": pa.array([], pa.int64())}), "SELECT", metrics)

    assert json.loads(empty.to_json())["rows"] == []
    assert empty.rows == [] and empty.columns == ["a"]
