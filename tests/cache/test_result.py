"""Serialized results: compressed Arrow IPC behind a small header."""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.cache import CachedResult, deserialize_result, serialize_result


def test_values_are_compressed_arrow_ipc() -> None:
    table = pa.table({"word": ["lakehouse"] * 5_000})
    data = serialize_result(CachedResult(table), compression="lz4")

    assert len(data) < len(serialize_result(CachedResult(table), compression=None)) / 3
    assert deserialize_result(data).table.equals(table)
    assert deserialize_result(serialize_result(CachedResult(table), compression="zstd")).table.equals(table)


def test_an_empty_result_keeps_its_schema() -> None:
    table = pa.table({"id": pa.array([], pa.int64()), "at": pa.array([], pa.timestamp("ns", "UTC"))})
    got = deserialize_result(serialize_result(CachedResult(table, {"truncated": False})))
    assert got.table.schema == table.schema and got.table.num_rows == 0
    assert got.metadata == {"truncated": False}


@pytest.mark.parametrize("data", [b"", b"NLC", b"XXXX\x00\x00\x00\x00", b"NLC1\x00\x00\x00\x02{}garbage"])
def test_anything_else_is_refused_as_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        deserialize_result(data)


def test_metadata_must_be_json() -> None:
    with pytest.raises(TypeError):
        serialize_result(CachedResult(pa.table({"a": [1]}), {"when": object()}))
