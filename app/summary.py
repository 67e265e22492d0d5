"""An answer in one line of words: "France leads with 22,180.00; 12 countries", or a single value
as a large number under its label."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.escaping import escape_markdown
from app.labels import ColumnLabels, format_value, plural
from neurolake.engine.result import QueryResult


def single_value_markdown(result: QueryResult, labels: ColumnLabels) -> str | None:
    """A one-cell result as its label and a large number (Markdown), or None for any other shape."""
    if result.row_count != 1 or len(result.columns) != 1:
        return None
    column = result.columns[0]
    values = result.table.column(column).to_pylist()
    shown = format_value(values[0], labels.kind(column, values)) or "(empty)"
    return f"**{escape_markdown(labels.header(column))}**\n\n# {escape_markdown(shown)}"


def summary_line(
    result: QueryResult,
    chart: Mapping[str, Any] | None,
    labels: ColumnLabels,
    order: Sequence[int],
    x_labels: Sequence[str] | None = None,
) -> str | None:
    """What the rows say, in words (None for an empty result, or a single value: a large number)."""
    rows = result.row_count
    if rows == 0 or (rows == 1 and len(result.columns) == 1):
        return None
    kind = chart.get("kind") if chart else None
    x, y = (chart.get("x"), chart.get("y")) if chart else (None, None)
    if kind in ("bar", "line") and isinstance(x, str) and isinstance(y, str) and y in result.columns:
        x_values = list(x_labels) if x_labels is not None else result.table.column(x).to_pylist()
        y_values = result.table.column(y).to_pylist()
        present = [i for i in order if y_values[i] is not None]
        if present:
            top = max(present, key=lambda i: y_values[i])
            y_kind = labels.kind(y, y_values)
            x_kind = labels.kind(x, result.table.column(x).to_pylist())
            best = _x_text(x_values[top], x_kind, x_labels)
            value = format_value(y_values[top], y_kind)
            noun = labels.header(x).lower()
            if kind == "line":
                first = _x_text(x_values[order[0]], x_kind, x_labels)
                last = _x_text(x_values[order[-1]], x_kind, x_labels)
                return f"{rows:,} {_plural(noun, rows)} from {first} to {last}; the highest is {best} with {value}."
            return f"{best} leads with {value}; {rows:,} {_plural(noun, rows)}."
    return f"{rows:,} row{'s' if rows != 1 else ''}."


def _x_text(value: Any, kind: Any, replaced: Sequence[str] | None) -> str:
    return str(value) if replaced is not None else format_value(value, kind)


def _plural(noun: str, count: int) -> str:
    return noun if count == 1 else plural(noun)
