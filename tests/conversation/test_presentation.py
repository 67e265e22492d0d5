"""Charts, answer summaries, friendly errors and the JSON shape of turns."""

from __future__ import annotations

import json
from datetime import date

import pyarrow as pa
import pytest

from neurolake.conversation import Turn, TurnEvent, TurnRecord
from neurolake.conversation.charts import choose_chart
from neurolake.conversation.messages import error_code, friendly_error, summarize
from neurolake.engine import QueryMetrics, QueryResult
from neurolake.errors import (
    NeuroLakeError,
    PermissionDeniedError,
    QueryExecutionError,
    QueryTimeoutError,
    QueryValidationError,
    TableNotFoundError,
)


def result(table: pa.Table, *, truncated: bool = False) -> QueryResult:
    return QueryResult(table, "SELECT 1", QueryMetrics("q", "duckdb", table.num_rows, table.nbytes, 1.0), truncated)


@pytest.mark.parametrize(
    ("columns", "chart"),
    [
        (
            {"month": [date(2024, 1, 1), date(2024, 2, 1)], "revenue": [1.0, 2.0]},
            {"kind": "line", "x": "month", "y": "revenue"},
        ),
        ({"country": ["DE", "FR"], "n": [3, 4]}, {"kind": "bar", "x": "country", "y": "n"}),
        ({"country": ["DE", "FR"], "customer_id": [1, 2]}, None),  # keys are not measures
        ({"name": ["a", "b"], "city": ["x", "y"]}, None),
        ({"n": [1, 2]}, None),
        ({"country": ["DE"], "n": [3]}, None),  # one row: nothing to compare
    ],
)
def test_a_chart_only_when_one_fits(columns: dict[str, list[object]], chart: dict[str, str] | None) -> None:
    assert choose_chart(result(pa.table(columns))) == chart


def test_the_intent_names_the_measure_to_plot() -> None:
    table = pa.table({"country": ["DE", "FR"], "count": [3, 4], "share_of_total_pct": [40.0, 60.0]})

    assert choose_chart(result(table), measures=["count"]) == {"kind": "bar", "x": "country", "y": "count"}


def test_summaries() -> None:
    assert summarize(None, result(pa.table({"count": [1200]})), row_limit=100) == "count: 1,200."
    assert summarize(None, result(pa.table({"a": pa.array([], pa.int64())})), row_limit=10).startswith("No rows match")
    text = summarize(None, result(pa.table({"a": list(range(10))}), truncated=True), row_limit=10)
    assert text == "10 rows. Showing the first 10; say 'more rows' to see more."


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (QueryValidationError("bad"), "invalid_query"),
        (PermissionDeniedError("no"), "permission_denied"),
        (QueryTimeoutError("slow"), "timeout"),
        (QueryExecutionError("boom"), "execution_failed"),
        (TableNotFoundError("gone"), "not_found"),
        (NeuroLakeError("odd"), "error"),
        (KeyError("x"), "internal_error"),
    ],
)
def test_error_codes(error: BaseException, code: str) -> None:
    assert error_code(error) == code


def test_friendly_messages_add_advice_but_never_internals() -> None:
    code, message = friendly_error(QueryTimeoutError("The query took longer than 1s."), step="execute")
    assert code == "timeout" and message.startswith("The query took longer than 1s.") and "Narrow" in message
    code, message = friendly_error(ZeroDivisionError("division by zero"), step="present")
    assert code == "internal_error" and "division" not in message and "present step" in message


def test_turns_records_and_events_are_json_ready() -> None:
    turn = Turn("t", "1", "how many", result=result(pa.table({"n": [1]})), steps=["understand"])
    record = TurnRecord("t", "1", "how many", "2025-01-01T00:00:00+00:00", table_versions={"orders": 3})

    data = json.loads(json.dumps(TurnEvent("turn", turn=turn).to_dict()))

    assert data["turn"]["result"]["rows"] == [[1]] and data["turn"]["steps"] == ["understand"]
    assert TurnRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    assert TurnRecord.from_dict({**record.to_dict(), "unknown": 1}) == record
