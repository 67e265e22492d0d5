"""Input data in the shapes callers hand us (Arrow, pandas, streams), as Arrow."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from neurolake.errors import StorageInputError
from neurolake.storage.schema import cast_table

Data: TypeAlias = pa.Table | pa.RecordBatchReader


def as_arrow(data: Any) -> Data:
    """A pyarrow Table or RecordBatchReader from Arrow data or a pandas DataFrame."""
    if isinstance(data, pa.Table | pa.RecordBatchReader):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        return pa.Table.from_pandas(data, preserve_index=False)
    if hasattr(data, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(data)
    raise StorageInputError(
        f"Cannot write data of type {type(data).__name__}.",
        hint="Pass a pyarrow Table, a RecordBatchReader or a pandas DataFrame.",
    )


class GuardedReader:
    """A RecordBatchReader over Python batches that remembers the exception that stopped it.

    delta-rs reports an exception raised while it pulls batches only as text; keeping the
    original lets the caller raise the real, readable error (nothing was committed).
    """

    def __init__(self, schema: pa.Schema, batches: Iterator[pa.RecordBatch]) -> None:
        self.error: Exception | None = None
        self.reader = pa.RecordBatchReader.from_batches(schema, self._guard(batches))

    def _guard(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        try:
            yield from batches
        except Exception as e:
            self.error = e
            raise


def conform(data: Data, schema: pa.Schema, *, table: str) -> pa.Table | GuardedReader:
    """``data`` cast to ``schema`` (lazily, batch by batch, for a stream)."""
    if isinstance(data, pa.Table):
        return cast_table(data, schema, table=table)

    def batches() -> Iterator[pa.RecordBatch]:
        for batch in data:
            yield from cast_table(pa.Table.from_batches([batch]), schema, table=table).to_batches()

    return GuardedReader(schema, batches())


def materialize(data: Data) -> pa.Table:
    """All of ``data`` in memory (merges need to see the whole source)."""
    return data if isinstance(data, pa.Table) else data.read_all()


def refuse_duplicate_keys(source: pa.Table, keys: list[str], name: str) -> None:
    """Raise StorageInputError if a key appears twice in data to merge (the upsert is ambiguous)."""
    if source.num_rows == 0:
        return
    counts = source.group_by(keys).aggregate([([], "count_all")])
    duplicated = counts.filter(pc.greater(counts["count_all"], 1))
    if duplicated.num_rows:
        example = {k: duplicated.column(k)[0].as_py() for k in keys}
        raise StorageInputError(
            f"The data to merge into {name!r} has {duplicated.num_rows} key(s) that appear more than "
            f"once, e.g. {example}.",
            hint="Each key must appear once in the merged data; deduplicate it first.",
        )
