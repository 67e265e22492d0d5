"""Query results as the page shows them: a paginated table, its row count, a CSV download."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from app.labels import ColumnLabels, format_value
from neurolake.engine.result import QueryResult

#: Rows sent to the browser's table; the CSV download always has every row of the result.
DISPLAY_ROWS = 1_000


@dataclass(frozen=True)
class ResultTable:
    """What the page's table shows of one result."""

    frame: pd.DataFrame
    #: Rows the query returned (the table may show fewer, see ``shown_rows``).
    rows: int
    shown_rows: int
    #: The engine stopped at its row limit: more rows exist than the query returned.
    truncated: bool

    def summary(self) -> str:
        """One Markdown line: the row count and, when it applies, why not every row is here."""
        noun = "row" if self.rows == 1 else "rows"
        line = f"**{self.rows:,} {noun}**"
        if self.truncated:
            line += " (truncated: more rows match; ask for more rows or narrow the question)"
        if self.shown_rows < self.rows:
            line += f"; the table shows the first {self.shown_rows:,}, the CSV has all {self.rows:,}"
        return line


def display_columns(names: Sequence[str]) -> list[str]:
    """Column labels the browser table can key on: unique, and without dots (read as paths)."""
    labels: list[str] = []
    seen: dict[str, int] = {}
    for name in names:
        label = str(name).replace(".", "\u2024") or "column"
        count = seen.get(label, 0) + 1
        seen[label] = count
        labels.append(label if count == 1 else f"{label} ({count})")
    return labels


def result_table(
    result: QueryResult,
    *,
    max_rows: int = DISPLAY_ROWS,
    labels: ColumnLabels | None = None,
    order: Sequence[int] | None = None,
    hidden: Sequence[str] = (),
    row_labels: Mapping[str, Sequence[str]] | None = None,
) -> ResultTable:
    """The first ``max_rows`` rows of ``result``, in ``order``, as people read them.

    Headers are ``labels``' (the column names without them); values are written by kind
    (money with 2 decimals, thousands separators, dates as dates); ``hidden`` columns (keys
    a grouping needed) are left out; ``row_labels`` replace a column's values (a name made
    unique by its key).
    """
    labels = labels or ColumnLabels()
    indices = list(order if order is not None else range(result.row_count))[:max_rows]
    columns = [c for c in result.columns if c not in hidden]
    data: dict[str, list[Any]] = {}
    for name in columns:
        values = result.table.column(name).to_pylist()
        replaced = (row_labels or {}).get(name)
        if replaced is not None:
            data[name] = [replaced[i] for i in indices]
            continue
        kind = labels.kind(name, values)
        data[name] = [format_value(values[i], kind) for i in indices]
    headers = display_columns([labels.header(c) for c in columns])
    frame = pd.DataFrame({h: data[c] for h, c in zip(headers, columns, strict=True)}, columns=headers, dtype=object)
    return ResultTable(frame=frame, rows=result.row_count, shown_rows=len(indices), truncated=result.truncated)


def result_csv(result: QueryResult) -> bytes:
    """Every row of the result as CSV with a header line (UTF-8); floats without summation noise."""
    buffer = io.BytesIO()
    try:
        pa_csv.write_csv(_without_float_noise(result.table), buffer)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Nested types have no CSV form in Arrow; pandas writes their Python text instead.
        return result.to_pandas().to_csv(index=False).encode("utf-8")
    return buffer.getvalue()


#: Significant digits a float keeps in the CSV: sums of many prices end in ...0000001 past this.
CSV_FLOAT_DIGITS = 12


def _without_float_noise(table: pa.Table) -> pa.Table:
    """Float columns rounded to ``CSV_FLOAT_DIGITS`` significant digits (6325152.750001076 -> 6325152.75)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_floating(field.type):
            values = [None if v is None else _significant(v) for v in table.column(index).to_pylist()]
            table = table.set_column(index, field, pa.array(values, type=field.type))
    return table


def _significant(value: float) -> float:
    return float(f"{value:.{CSV_FLOAT_DIGITS}g}") if math.isfinite(value) else value
