"""One order and one set of labels for an answer's chart and table, so both show the same thing.

A bar chart of a query without ORDER BY reads best largest first; the table then follows the
chart. A query that orders its rows keeps that order in both. When a grouping needed a key
to keep two same-named groups apart (``product_id, name``), the key is not shown: the name
is, made unique with the key only where two names are the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from neurolake.engine.result import QueryResult
from neurolake.engine.serialize import column_values


@dataclass(frozen=True)
class Arrangement:
    """The row order both views use, the columns left out, and labels replacing a column's values."""

    order: list[int]
    hidden: list[str] = field(default_factory=list)
    row_labels: dict[str, list[str]] = field(default_factory=dict)


def arrange(
    result: QueryResult, chart: Mapping[str, Any] | None, sql: str | None, intent: Mapping[str, Any]
) -> Arrangement:
    """How the answer shows ``result`` (see the module doc)."""
    order = list(range(result.row_count))
    y = chart.get("y") if chart else None
    if chart and chart.get("kind") == "bar" and isinstance(y, str) and y in result.columns and not ordered(sql):
        values = result.table.column(y).to_pylist()
        order.sort(key=lambda i: (values[i] is None, -(values[i] or 0)))
    hidden, row_labels = _keys_behind_names(result, intent)
    return Arrangement(order=order, hidden=hidden, row_labels=row_labels)


def ordered(sql: str | None) -> bool:
    """True when the query sorts its own rows (its outermost SELECT has ORDER BY)."""
    if not sql:
        return False
    try:
        tree = sqlglot.parse_one(sql, read="duckdb")
    except sqlglot.errors.SqlglotError:
        return True  # not ours to reorder when we cannot tell
    return isinstance(tree, exp.Query) and tree.args.get("order") is not None


def _keys_behind_names(result: QueryResult, intent: Mapping[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """Key columns grouped beside a name of the same table: hidden, the name made unique."""
    groups = [str(g.get("column") or "") for g in intent.get("group_by") or [] if isinstance(g, Mapping)]
    hidden: list[str] = []
    row_labels: dict[str, list[str]] = {}
    for key in groups:
        table, _, key_name = key.rpartition(".")
        if not key_name.endswith("_id") or key_name not in result.columns:
            continue
        names = [g.rpartition(".")[2] for g in groups if g.startswith(table + ".") and g != key]
        name = next((n for n in names if n in result.columns and _is_text(result, n)), None)
        if name is None:
            continue
        hidden.append(key_name)
        row_labels[name] = unique_labels(
            column_values(result.table.column(name)), result.table.column(key_name).to_pylist()
        )
    return hidden, row_labels


def unique_labels(names: Sequence[Any], keys: Sequence[Any]) -> list[str]:
    """Each name, with its key beside it where another row has the same name: "Lamp (#12)"."""
    text = ["" if n is None else str(n) for n in names]
    repeated = {n for n, count in Counter(text).items() if count > 1}
    return [f"{n} (#{k})" if n in repeated else n for n, k in zip(text, keys, strict=True)]


def _is_text(result: QueryResult, column: str) -> bool:
    import pyarrow as pa

    kind = result.table.schema.field(column).type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))
