"""Which chart, if any, fits a result: a time series as a line, a category and a measure as bars.

Decided from the result's Arrow types alone, so typed SQL gets a chart too; the intent,
when there is one, only says which measure to plot.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pyarrow as pa

if TYPE_CHECKING:
    from neurolake.engine import QueryResult

#: A bar chart of more categories than this is unreadable; a table is better.
MAX_BARS = 50


def choose_chart(result: QueryResult, *, measures: Sequence[str] = ()) -> dict[str, str] | None:
    """``{"kind": "line"|"bar", "x": column, "y": column}``, or None when no chart fits."""
    schema = result.table.schema
    if result.row_count < 2 or len(schema) < 2:
        return None
    temporal = [f.name for f in schema if _is_temporal(f.type)]
    numeric = [f.name for f in schema if _is_number(f.type)]
    text = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    y = _measure(numeric, measures)
    if y is None:
        return None
    if len(temporal) == 1 and not text:
        return {"kind": "line", "x": temporal[0], "y": y}
    if len(text) == 1 and not temporal and result.row_count <= MAX_BARS and len(schema) <= 4:
        return {"kind": "bar", "x": text[0], "y": y}
    return None


def _measure(numeric: list[str], measures: Sequence[str]) -> str | None:
    """The intent's first measure among the numeric columns, else the first non-key number."""
    for name in measures:
        if name in numeric:
            return name
    candidates = [n for n in numeric if not (n == "id" or n.endswith("_id") or n.endswith("key"))]
    return candidates[0] if candidates else None


def _is_temporal(t: pa.DataType) -> bool:
    return pa.types.is_date(t) or pa.types.is_timestamp(t)


def _is_number(t: pa.DataType) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t)
