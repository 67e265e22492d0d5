"""Type names, compatibility rules and Delta-storable types."""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.errors import SchemaMismatchError, StorageInputError
from neurolake.storage.names import did_you_mean, validate_table_name
from neurolake.storage.schema import conform_schema, delta_compatible, is_compatible, parse_type, sql_type


@pytest.mark.parametrize(
    ("text", "arrow", "sql"),
    [
        ("BIGINT", pa.int64(), "BIGINT"),
        ("int", pa.int32(), "INTEGER"),
        ("varchar", pa.string(), "VARCHAR"),
        ("double", pa.float64(), "DOUBLE"),
        ("date", pa.date32(), "DATE"),
        ("timestamp", pa.timestamp("us", tz="UTC"), "TIMESTAMP WITH TIME ZONE"),
        ("timestamp_ntz", pa.timestamp("us"), "TIMESTAMP"),
        ("decimal(12, 3)", pa.decimal128(12, 3), "DECIMAL(12,3)"),
        ("boolean", pa.bool_(), "BOOLEAN"),
    ],
)
def test_type_names_round_trip(text: str, arrow: pa.DataType, sql: str) -> None:
    assert parse_type(text) == arrow
    assert sql_type(arrow) == sql


def test_unknown_type_lists_the_known_ones() -> None:
    with pytest.raises(StorageInputError, match="bigint"):
        parse_type("money")


@pytest.mark.parametrize(
    ("source", "target", "ok"),
    [
        (pa.int32(), pa.int64(), True),
        (pa.int64(), pa.float64(), True),
        (pa.int64(), pa.decimal128(10, 2), True),
        (pa.null(), pa.string(), True),
        (pa.large_string(), pa.string(), True),
        (pa.date32(), pa.timestamp("us"), True),
        (pa.string(), pa.int64(), False),
        (pa.float64(), pa.int64(), False),
        (pa.bool_(), pa.int64(), False),
        (pa.timestamp("us"), pa.date32(), False),
        (pa.list_(pa.int64()), pa.string(), False),
    ],
)
def test_compatibility(source: pa.DataType, target: pa.DataType, ok: bool) -> None:
    assert is_compatible(source, target) is ok


def test_conform_schema_keeps_table_order_and_reports_every_problem() -> None:
    table = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
    conformed = conform_schema(
        pa.schema([("name", pa.string()), ("id", pa.int32())]), table, table="t", allow_new_columns=False
    )
    assert conformed.names == ["id", "name"]
    with pytest.raises(SchemaMismatchError) as info:
        conform_schema(pa.schema([("name", pa.int64()), ("x", pa.int8())]), table, table="t", allow_new_columns=False)
    message = str(info.value)
    assert "'id' is required but missing" in message
    assert "'name' is VARCHAR in the table but BIGINT" in message
    assert "new column(s) 'x'" in message


def test_delta_compatible_replaces_types_delta_cannot_store() -> None:
    schema = pa.schema(
        [("a", pa.null()), ("b", pa.uint32()), ("c", pa.timestamp("ns")), ("d", pa.dictionary(pa.int8(), pa.string()))]
    )
    assert delta_compatible(schema).types == [pa.string(), pa.int64(), pa.timestamp("us"), pa.string()]


def test_table_names_and_suggestions() -> None:
    assert validate_table_name("order_items_2024") == "order_items_2024"
    assert did_you_mean("ordr", ["orders", "customers"]) == "Did you mean 'orders'?"
    assert did_you_mean("zzz", ["orders"]) is None
