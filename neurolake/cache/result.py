"""Cached values: an Arrow table plus a little metadata, stored as compressed Arrow IPC.

Arrow IPC keeps every type exactly (decimals, dates, timestamps with their time zone, nulls,
64-bit integers, nested lists), which a JSON or pickle round trip would not promise.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

Compression = Literal["lz4", "zstd"] | None

#: Entry layout: magic, metadata length, metadata JSON, Arrow IPC stream.
_MAGIC = b"NLC1"
_HEADER = struct.Struct(">4sI")
# Threads only pay off once there is enough to decompress; small hits stay on one thread.
_THREADED_READ_BYTES = 1 << 20


@dataclass(frozen=True)
class CachedResult:
    """A query result as the cache keeps it: the rows and JSON-able facts about them."""

    table: pa.Table
    metadata: dict[str, Any] = field(default_factory=dict)


def serialize_result(result: CachedResult, *, compression: Compression = "lz4") -> bytes:
    """Encode ``result`` as one byte string; raises ``TypeError`` if metadata is not JSON."""
    meta = json.dumps(result.metadata, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    sink = pa.BufferOutputStream()
    sink.write(_HEADER.pack(_MAGIC, len(meta)))
    sink.write(meta)
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, result.table.schema, options=options) as writer:
        writer.write_table(result.table)
    return sink.getvalue().to_pybytes()


def deserialize_result(data: bytes) -> CachedResult:
    """Decode what :func:`serialize_result` wrote; raises ``ValueError`` on anything else."""
    if len(data) < _HEADER.size:
        raise ValueError("not a NeuroLake cache entry: too short")
    magic, meta_len = _HEADER.unpack_from(data)
    if magic != _MAGIC:
        raise ValueError(f"not a NeuroLake cache entry: format {magic!r}")
    start = _HEADER.size + meta_len
    metadata = json.loads(data[_HEADER.size : start])
    options = pa.ipc.IpcReadOptions(use_threads=len(data) >= _THREADED_READ_BYTES)
    try:
        table = pa.ipc.open_stream(pa.py_buffer(data).slice(start), options=options).read_all()
    except pa.ArrowException as e:
        raise ValueError(f"corrupt cache entry: {e}") from e
    return CachedResult(table=table, metadata=metadata)
