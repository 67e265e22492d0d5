"""Arrow values to JSON without losing meaning.

- integers within ±(2**53 - 1) are JSON numbers; larger ones are strings holding the exact
  digits (JavaScript would silently round them as numbers);
- decimals are strings holding the exact digits (``"12.50"``);
- floats are numbers; NaN and ±infinity, which JSON cannot hold, are ``"NaN"``,
  ``"Infinity"`` and ``"-Infinity"``;
- dates, times and timestamps are ISO 8601 strings (timestamps with a zone keep its offset);
- durations are numbers of seconds; intervals are ``{"months", "days", "nanoseconds"}``;
- binary values are base64 strings; UUIDs are strings;
- lists are arrays, structs are objects, maps are objects when their keys are strings
  (arrays of ``[key, value]`` pairs otherwise); NULL is ``null``.
"""

from __future__ import annotations

import base64
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pyarrow as pa

#: Largest integer a JSON reader using doubles (JavaScript) represents exactly.
MAX_SAFE_INTEGER = 2**53 - 1


def json_value(value: Any) -> Any:
    """``value`` (a Python value from Arrow) as something ``json.dumps`` writes faithfully."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, pa.MonthDayNano):
        return {"months": value.months, "days": value.days, "nanoseconds": value.nanoseconds}
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        if value and all(isinstance(p, tuple) and len(p) == 2 for p in value):
            return _map_value(value)
        return [json_value(v) for v in value]
    return str(value)


def _map_value(pairs: list[tuple[Any, Any]] | tuple[Any, ...]) -> Any:
    # Arrow maps arrive as lists of (key, value) tuples.
    if all(isinstance(k, str) for k, _ in pairs):
        return {k: json_value(v) for k, v in pairs}
    return [[json_value(k), json_value(v)] for k, v in pairs]


def column_values(column: pa.ChunkedArray) -> list[Any]:
    """One column's values ready for JSON."""
    dtype = column.type
    values = column.to_pylist()
    # Fast paths for the common, already-safe types.
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_boolean(dtype):
        return values
    if pa.types.is_integer(dtype) and dtype.bit_width <= 32:
        return values
    return [json_value(v) for v in values]


def table_rows(table: pa.Table) -> list[list[Any]]:
    """The rows of ``table`` as JSON-ready lists, in column order."""
    columns = [column_values(table.column(i)) for i in range(table.num_columns)]
    return [list(row) for row in zip(*columns, strict=True)] if columns else [[] for _ in range(table.num_rows)]
