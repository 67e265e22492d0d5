"""Schemas: parse declared types, name Arrow types in SQL, and check that data fits a table.

The compatibility check runs before any Delta commit, so an incompatible write raises
SchemaMismatchError and the table is left exactly as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from neurolake.errors import SchemaMismatchError, StorageInputError

_SIMPLE_TYPES: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "boolean": pa.bool_(),
    "tinyint": pa.int8(),
    "int8": pa.int8(),
    "smallint": pa.int16(),
    "int16": pa.int16(),
    "int": pa.int32(),
    "integer": pa.int32(),
    "int32": pa.int32(),
    "bigint": pa.int64(),
    "long": pa.int64(),
    "int64": pa.int64(),
    "float": pa.float32(),
    "float32": pa.float32(),
    "real": pa.float32(),
    "double": pa.float64(),
    "float64": pa.float64(),
    "string": pa.string(),
    "varchar": pa.string(),
    "text": pa.string(),
    "utf8": pa.string(),
    "binary": pa.binary(),
    "blob": pa.binary(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "timestamptz": pa.timestamp("us", tz="UTC"),
    "timestamp_ntz": pa.timestamp("us"),
}
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")


def parse_type(text: str) -> pa.DataType:
    """Arrow type for a type name such as ``bigint``, ``string`` or ``decimal(10,2)``."""
    key = text.strip().lower()
    if key in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[key]
    match = _DECIMAL.match(key)
    if match:
        return pa.decimal128(int(match.group(1)), int(match.group(2)))
    raise StorageInputError(
        f"Unknown column type {text!r}.",
        hint="Use one of " + ", ".join(sorted(_SIMPLE_TYPES)) + " or decimal(p,s).",
    )


def to_arrow_schema(schema: pa.Schema | Mapping[str, str | pa.DataType]) -> pa.Schema:
    """An Arrow schema from an Arrow schema or a mapping of column name to type."""
    if isinstance(schema, pa.Schema):
        return schema
    if not schema:
        raise StorageInputError("A table needs at least one column.")
    fields = []
    for name, kind in schema.items():
        fields.append(pa.field(name, kind if isinstance(kind, pa.DataType) else parse_type(kind)))
    return pa.schema(fields)


def sql_type(dtype: pa.DataType) -> str:
    """The SQL (DuckDB) spelling of an Arrow type, as the catalog shows it."""
    if pa.types.is_boolean(dtype):
        return "BOOLEAN"
    if pa.types.is_integer(dtype):
        width = {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[dtype.bit_width]
        return ("U" + width) if pa.types.is_unsigned_integer(dtype) else width
    if pa.types.is_float32(dtype):
        return "FLOAT"
    if pa.types.is_floating(dtype):
        return "DOUBLE"
    if pa.types.is_decimal(dtype):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype):
        return "VARCHAR"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        return "BLOB"
    if pa.types.is_date(dtype):
        return "DATE"
    if pa.types.is_timestamp(dtype):
        return "TIMESTAMP WITH TIME ZONE" if dtype.tz else "TIMESTAMP"
    if pa.types.is_list(dtype) or pa.types.is_large_list(dtype):
        return f"{sql_type(dtype.value_type)}[]"
    if pa.types.is_struct(dtype):
        inner = ", ".join(f"{f.name} {sql_type(f.type)}" for f in dtype)
        return f"STRUCT({inner})"
    return str(dtype).upper()


def _family(dtype: pa.DataType) -> str:
    checks = (
        ("null", pa.types.is_null),
        ("bool", pa.types.is_boolean),
        ("int", pa.types.is_integer),
        ("float", pa.types.is_floating),
        ("decimal", pa.types.is_decimal),
        ("string", lambda t: pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)),
        ("binary", lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t)),
        ("date", pa.types.is_date),
        ("timestamp", pa.types.is_timestamp),
    )
    for family, check in checks:
        if check(dtype):
            return family
    return str(dtype)


# Which source families may be written into which target family without changing meaning.
_WIDENS_TO: dict[str, set[str]] = {
    "int": {"int", "float", "decimal"},
    "float": {"float"},
    "decimal": {"decimal", "float"},
    "date": {"date", "timestamp"},
}


def is_compatible(source: pa.DataType, target: pa.DataType) -> bool:
    """True when values of ``source`` type can be stored in a ``target`` column as they are."""
    if source == target:
        return True
    src, dst = _family(source), _family(target)
    if src == "null":
        return True
    if src in _WIDENS_TO:
        return dst in _WIDENS_TO[src]
    if pa.types.is_nested(source) or pa.types.is_nested(target):
        return False
    return src == dst


def conform_schema(
    data_schema: pa.Schema,
    table_schema: pa.Schema,
    *,
    table: str,
    allow_new_columns: bool,
) -> pa.Schema:
    """The schema the data is cast to before writing: table columns first, then new ones.

    Raises SchemaMismatchError for a changed type, a new column that was not asked for, or a
    missing non-nullable column.
    """
    data_fields = {f.name: f for f in data_schema}
    problems: list[str] = []
    fields: list[pa.Field] = []
    for target in table_schema:
        source = data_fields.get(target.name)
        if source is None:
            if not target.nullable:
                problems.append(f"column {target.name!r} is required but missing")
            fields.append(target)
        elif not is_compatible(source.type, target.type):
            problems.append(
                f"column {target.name!r} is {sql_type(target.type)} in the table "
                f"but {sql_type(source.type)} in the data"
            )
        else:
            fields.append(target)
    new = [f for f in data_schema if f.name not in set(table_schema.names)]
    if new and not allow_new_columns:
        names = ", ".join(repr(f.name) for f in new)
        problems.append(f"new column(s) {names} are not in the table (pass schema_mode='merge' to add them)")
    fields.extend(f.with_nullable(True) for f in new)
    if problems:
        raise SchemaMismatchError(
            f"The data does not fit table {table!r}: " + "; ".join(problems) + ".",
            hint="The table was left unchanged.",
        )
    return pa.schema(fields)


def _delta_type(dtype: pa.DataType) -> pa.DataType:
    """The nearest type Delta can store (it has no null, unsigned, time or non-us timestamp types)."""
    if pa.types.is_null(dtype) or pa.types.is_time(dtype) or pa.types.is_large_string(dtype):
        return pa.string()
    if pa.types.is_string_view(dtype):
        return pa.string()
    if pa.types.is_dictionary(dtype):
        return _delta_type(dtype.value_type)
    if pa.types.is_unsigned_integer(dtype):
        return {8: pa.int16(), 16: pa.int32()}.get(dtype.bit_width, pa.int64())
    if pa.types.is_float16(dtype):
        return pa.float32()
    if pa.types.is_timestamp(dtype) and dtype.unit != "us":
        return pa.timestamp("us", tz=dtype.tz)
    if pa.types.is_date64(dtype):
        return pa.date32()
    return dtype


def delta_compatible(schema: pa.Schema) -> pa.Schema:
    """``schema`` with every column type replaced by one Delta can store."""
    return pa.schema([f.with_type(_delta_type(f.type)) for f in schema])


def cast_table(data: pa.Table, schema: pa.Schema, *, table: str) -> pa.Table:
    """Reorder, null-fill and cast ``data`` to ``schema``; values that do not fit raise."""
    columns: list[Any] = []
    for field in schema:
        if field.name in data.column_names:
            columns.append(data.column(field.name))
        else:
            columns.append(pa.nulls(data.num_rows, field.type))
    arranged = pa.Table.from_arrays(columns, names=schema.names)
    try:
        return arranged.cast(schema, safe=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as e:
        raise SchemaMismatchError(
            f"The data does not fit table {table!r}: {e}.", hint="The table was left unchanged."
        ) from e


def require_columns(columns: list[str], schema: pa.Schema, role: str) -> list[str]:
    """``columns`` if all are in ``schema``; else StorageInputError naming the unknown ones."""
    missing = [c for c in columns if c not in schema.names]
    if missing:
        raise StorageInputError(
            f"Unknown {role} column(s) {', '.join(map(repr, missing))}.",
            hint="Columns are: " + ", ".join(schema.names) + ".",
        )
    return columns
