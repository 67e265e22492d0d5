"""Query results as the page shows them: a paginated table, its row count, a CSV download."""

from __future__ import annotations

import io
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv

from neurolake.engine.result import QueryResult
from neurolake.engine.serialize import table_rows

#: Rows sent to the browser's table; the CSV download always has every row of the result.
DISPLAY_ROWS = 1_000
#: Significant digits a float keeps on screen (sums of prices otherwise end in ...0000001).
FLOAT_DIGITS = 10


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


def display_value(value: Any) -> Any:
    """A JSON-ready value as the browser table should show it: text, a number or empty."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"  # the table prints nothing for JSON booleans
    if isinstance(value, float):
        return float(f"{value:.{FLOAT_DIGITS}g}") if math.isfinite(value) else str(value)
    if isinstance(value, int):
        return value
    return json.dumps(value, ensure_ascii=False)  # lists and structs as their JSON text


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


def result_table(result: QueryResult, *, max_rows: int = DISPLAY_ROWS) -> ResultTable:
    """The first ``max_rows`` rows of ``result`` as a frame of display values."""
    shown = result.table.slice(0, max_rows)
    rows = [[display_value(v) for v in row] for row in table_rows(shown)]
    frame = pd.DataFrame(rows, columns=display_columns(result.columns), dtype=object)
    return ResultTable(frame=frame, rows=result.row_count, shown_rows=shown.num_rows, truncated=result.truncated)


def result_csv(result: QueryResult) -> bytes:
    """Every row of the result as CSV with a header line (UTF-8)."""
    buffer = io.BytesIO()
    try:
        pa_csv.write_csv(result.table, buffer)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Nested types have no CSV form in Arrow; pandas writes their Python text instead.
        return result.to_pandas().to_csv(index=False).encode("utf-8")
    return buffer.getvalue()
