"""Table statistics read from the Delta log (add actions), without scanning data files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from deltalake import DeltaTable


@dataclass(frozen=True)
class ColumnStats:
    """Min, max and null count of one column over the current files (None when unknown)."""

    min: Any = None
    max: Any = None
    null_count: int | None = None


@dataclass(frozen=True)
class TableStats:
    """Size of one table version: rows, files, bytes and per-column statistics."""

    name: str
    version: int
    rows: int
    files: int
    size_bytes: int
    columns: dict[str, ColumnStats] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "rows": self.rows,
            "files": self.files,
            "size_bytes": self.size_bytes,
            "columns": {name: vars(c) for name, c in self.columns.items()},
        }


def _column(actions: pa.Table, name: str) -> pa.Array | None:
    if name not in actions.column_names:
        return None
    return actions.column(name).combine_chunks()


def _struct_fields(array: pa.Array | None) -> dict[str, pa.Array]:
    if array is None or not pa.types.is_struct(array.type):
        return {}
    return {array.type.field(i).name: array.field(i) for i in range(array.type.num_fields)}


def _reduce(values: pa.Array, op: str) -> Any:
    if len(values) == 0 or values.null_count == len(values):
        return None
    result = pa.compute.min_max(values)
    return result[op].as_py()


def _partition_min_max(values: pa.Array, dtype: pa.DataType) -> tuple[Any, Any]:
    # Partition values are strings in the log; compare them as the column's type.
    try:
        typed = values.cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        typed = values
    return _reduce(typed, "min"), _reduce(typed, "max")


def table_stats(name: str, table: DeltaTable) -> TableStats:
    """Statistics of ``table``'s loaded version from its add actions."""
    actions = pa.table(table.get_add_actions(flatten=False))
    schema = pa.schema(table.schema().to_arrow())
    records = _column(actions, "num_records")
    sizes = _column(actions, "size_bytes")
    rows = int(pa.compute.sum(records).as_py() or 0) if records is not None else 0
    size = int(pa.compute.sum(sizes).as_py() or 0) if sizes is not None else 0
    mins = _struct_fields(_column(actions, "min"))
    maxs = _struct_fields(_column(actions, "max"))
    nulls = _struct_fields(_column(actions, "null_count"))
    partitions = _struct_fields(_column(actions, "partition"))
    columns: dict[str, ColumnStats] = {}
    for col in schema:
        if col.name in partitions:
            values = partitions[col.name]
            low, high = _partition_min_max(values, col.type)
            columns[col.name] = ColumnStats(low, high, values.null_count)
            continue
        null_values = nulls.get(col.name)
        null_count = None
        if null_values is not None and not pa.types.is_struct(null_values.type) and null_values.null_count == 0:
            null_count = int(pa.compute.sum(null_values).as_py() or 0)
        low = (
            _reduce(mins[col.name], "min") if col.name in mins and not pa.types.is_struct(mins[col.name].type) else None
        )
        high = (
            _reduce(maxs[col.name], "max") if col.name in maxs and not pa.types.is_struct(maxs[col.name].type) else None
        )
        columns[col.name] = ColumnStats(low, high, null_count)
    return TableStats(
        name=name, version=table.version(), rows=rows, files=actions.num_rows, size_bytes=size, columns=columns
    )
