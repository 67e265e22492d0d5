"""A clarification as the page shows it: the question, then each option with its first rows.

The options come from ``PendingClarification.public()``; an option whose reading was run
carries a ``preview`` (``{"columns", "rows", "row_count", "truncated"}``), shown under its
label as a small Markdown table so a person picks by what they see, not by the wording.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from app.escaping import escape_lines, escape_markdown
from app.labels import format_value, header_label, value_kind
from neurolake.intent.readings import PREVIEW_ROWS

#: Characters a cell shows before it is cut with "…" (a preview stays small).
CELL_CHARS = 60


def clarification_markdown(clarification: Mapping[str, Any], asked: str = "") -> str:
    """The question, then each option that has a preview: its label and its first rows
    (headers in the words of ``asked``, the person's question, where it names a measure)."""
    parts = [escape_lines(in_words(str(clarification.get("question") or "Which did you mean?")))]
    for number, option in enumerate(clarification.get("options") or [], 1):
        preview = option.get("preview") if isinstance(option, Mapping) else None
        if isinstance(preview, Mapping):
            label = escape_markdown(option_label(option.get("label") or ""))
            parts.append(
                f"**{escape_markdown(option.get('id') or number)}. {label}**\n\n{preview_markdown(preview, asked)}"
            )
    return "\n\n".join(parts)


def option_label(label: str) -> str:
    """An option as a person says it: "sum of total amount by country", not internal names."""
    return in_words(label)


def in_words(text: str) -> str:
    """Internal names made words: ``orders.total_amount`` -> "total amount"."""
    unqualified = re.sub(r"\b[a-z_][a-z0-9_]*\.([a-z_][a-z0-9_]*)\b", r"\1", text)
    return re.sub(r"(?<=[a-z0-9])_(?=[a-z0-9])", " ", unqualified)


def preview_markdown(preview: Mapping[str, Any], asked: str = "") -> str:
    """A reading's first rows as a Markdown table (numbers right-aligned), and how many there are."""
    columns = [str(c) for c in preview.get("columns") or []]
    rows: list[Sequence[Any]] = list(preview.get("rows") or [])[:PREVIEW_ROWS]
    if not columns:
        return "_No columns._"
    numeric = [_is_numeric([row[i] for row in rows if i < len(row)]) for i in range(len(columns))]
    lines = [
        "| " + " | ".join(_cell(header_label(c, asked.lower())) for c in columns) + " |",
        "|" + "|".join("---:" if n else "---" for n in numeric) + "|",
    ]
    kinds = [value_kind(c, [row[i] for row in rows if i < len(row)]) for i, c in enumerate(columns)]
    lines += [
        "| " + " | ".join(_cell(v, k) for v, k in zip(_padded(row, len(columns)), kinds, strict=True)) + " |"
        for row in rows
    ]
    table = "\n".join(lines)
    count = int(preview.get("row_count") or 0)
    if not rows:
        return table + "\n\n_No rows._"
    if preview.get("truncated"):
        return table + f"\n\n… more than {count:,} rows"
    if count > len(rows):
        return table + f"\n\n… {count:,} rows in all"
    return table


def _cell(value: Any, kind: Any = "text") -> str:
    text = format_value(value, kind)
    text = re.sub(r"^(\d{4}-\d{2}-\d{2})T00:00:00(?:\.0+)?$", r"\1", text)  # JSON dates at midnight
    if len(text) > CELL_CHARS:
        text = text[: CELL_CHARS - 1] + "…"
    return escape_markdown(text)


def _padded(row: Sequence[Any], width: int) -> list[Any]:
    return [*row[:width], *([None] * (width - len(row)))]


def _is_numeric(values: list[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
