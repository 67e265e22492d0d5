"""Charts of answers: a time series as a line, a category and a measure as bars (plotly)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go
import pyarrow as pa

from app.labels import ColumnLabels
from neurolake.engine.result import QueryResult
from neurolake.engine.serialize import column_values

CHART_KINDS = ("line", "bar")
#: More points than this make a bar chart unreadable; the table says it better.
MAX_BARS = 50


def chart_figure(
    result: QueryResult,
    chart: Mapping[str, Any] | None,
    *,
    order: Sequence[int] | None = None,
    labels: ColumnLabels | None = None,
    x_labels: Sequence[str] | None = None,
) -> go.Figure | None:
    """The figure ``chart`` asks for (``{"kind", "x", "y"}``), or None when the result cannot draw it.

    ``y`` is one column or a list of columns; each numeric one becomes a series. Points come
    in ``order`` (the table's order too); ``labels`` name the axes; ``x_labels`` replace the
    x values (names made unique by their key, so two products called the same stay two bars).
    """
    labels = labels or ColumnLabels()
    if not chart or chart.get("kind") not in CHART_KINDS or result.row_count == 0:
        return None
    kind = chart["kind"]
    x_name = chart.get("x")
    y_names = chart.get("y")
    y_list = [y_names] if isinstance(y_names, str) else list(y_names or [])
    columns = result.columns
    if x_name not in columns or not y_list or any(y not in columns for y in y_list):
        return None
    table = result.table
    measures = [y for y in y_list if _is_numeric(table.column(y).type)]
    if not measures or (kind == "bar" and result.row_count > MAX_BARS):
        return None
    raw_x = list(x_labels) if x_labels is not None else column_values(table.column(x_name))
    x_values = [_label(v) for v in raw_x]
    series = {y: [None if v is None else float(v) for v in table.column(y).to_pylist()] for y in measures}
    if order is not None:
        x_values = [x_values[i] for i in order]
        series = {y: [values[i] for i in order] for y, values in series.items()}
    figure = go.Figure()
    for y in measures:
        y_values = series[y]
        name = html.escape(labels.header(y))
        if kind == "line":
            figure.add_trace(go.Scatter(x=x_values, y=y_values, mode="lines+markers", name=name))
        else:
            figure.add_trace(go.Bar(x=x_values, y=y_values, name=name))
    figure.update_layout(
        xaxis_title=html.escape(labels.header(x_name)),
        yaxis_title=html.escape(labels.header(measures[0])) if len(measures) == 1 else None,
        showlegend=len(measures) > 1,
        margin={"l": 40, "r": 20, "t": 20, "b": 40},
        # Transparent, grey text: readable on the chat's light and dark themes alike.
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font={"color": "#8a8f98"},
    )
    figure.update_xaxes(gridcolor="rgba(138,143,152,0.2)")
    figure.update_yaxes(gridcolor="rgba(138,143,152,0.2)")
    if kind == "bar":
        figure.update_xaxes(type="category")  # numbers as labels stay labels
    return figure


def _is_numeric(dtype: pa.DataType) -> bool:
    return pa.types.is_integer(dtype) or pa.types.is_floating(dtype) or pa.types.is_decimal(dtype)


def _label(value: Any) -> Any:
    # Plotly reads a few HTML tags in labels; data is shown as text, never as markup.
    return html.escape(value) if isinstance(value, str) else value
