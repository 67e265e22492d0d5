"""Load CSV, Parquet and JSON-lines files into Delta tables.

Files are read in batches with Arrow's readers (types inferred from the data, or taken from
the table when it exists), checked against the table, and written in one Delta commit: a
file that turns out malformed halfway leaves the table exactly as it was.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq

from neurolake.errors import IngestError, NeuroLakeError, SchemaMismatchError
from neurolake.storage.data import GuardedReader
from neurolake.storage.manager import DeltaStorageManager
from neurolake.storage.schema import cast_table, delta_compatible

IngestMode = Literal["append", "overwrite", "merge"]
FileFormat = Literal["csv", "parquet", "jsonl"]
ProgressCallback = Callable[[int], None]

_EXTENSIONS: dict[str, FileFormat] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
#: Bytes parsed per batch; the first block also decides the inferred column types.
BLOCK_SIZE = 4 * 1024 * 1024
_UNCHANGED = "The table was left unchanged."


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did."""

    table: str
    path: str
    format: str
    mode: str
    rows: int
    version: int
    inserted: int = 0
    updated: int = 0


def detect_format(path: Path) -> FileFormat:
    """The file format from the extension (``.csv``, ``.parquet``, ``.jsonl``...)."""
    fmt = _EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise IngestError(
            f"Cannot tell the format of {path.name!r} from its extension.",
            hint="Use .csv, .tsv, .parquet, .jsonl or .ndjson, or pass the format explicitly.",
        )
    return fmt


def normalize_column_name(name: str) -> str:
    """A SQL-friendly column name: lower case, runs of other characters become ``_``."""
    cleaned = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    if cleaned and cleaned[0].isdigit():
        cleaned = "c_" + cleaned
    return cleaned


def normalized_names(raw: Sequence[str], path: Path) -> list[str]:
    """Normalized header names; empty or colliding names are an IngestError."""
    names = [normalize_column_name(n) for n in raw]
    empty = [i + 1 for i, n in enumerate(names) if not n]
    if empty:
        raise IngestError(
            f"{path.name}: column(s) {empty} have no usable name in the header.",
            hint="Give every column a name. " + _UNCHANGED,
        )
    seen: dict[str, str] = {}
    for original, name in zip(raw, names, strict=True):
        if name in seen:
            raise IngestError(
                f"{path.name}: columns {seen[name]!r} and {original!r} both become {name!r}.",
                hint="Rename one of them. " + _UNCHANGED,
            )
        seen[name] = original
    return names


class _CountingFile(io.RawIOBase):
    """A read-only file that reports how many bytes were read (drives the progress bar)."""

    def __init__(self, raw: IO[bytes], on_read: ProgressCallback | None) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        if count and self._on_read is not None:
            self._on_read(count)
        return int(count or 0)

    def close(self) -> None:
        self._raw.close()
        super().close()


def _csv_header(path: Path, delimiter: str) -> list[str]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        try:
            return next(csv.reader(f, delimiter=delimiter))
        except StopIteration:
            return []
        except (csv.Error, UnicodeDecodeError) as e:
            raise IngestError(f"{path.name}: the header line cannot be read: {e}.", hint=_UNCHANGED) from e


def _csv_batches(
    path: Path, names: list[str], types: dict[str, pa.DataType], on_read: ProgressCallback | None
) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    counting = _CountingFile(path.open("rb"), on_read)
    try:
        reader = pa_csv.open_csv(
            counting,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=BLOCK_SIZE),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter),
            convert_options=pa_csv.ConvertOptions(column_types=types, strings_can_be_null=True),
        )
    except pa.ArrowInvalid as e:
        counting.close()
        raise _malformed(path, e) from e

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            yield from reader
        finally:
            counting.close()

    return reader.schema, batches()


def _jsonl_batches(path: Path, on_read: ProgressCallback | None) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    counting = _CountingFile(path.open("rb"), on_read)
    try:
        reader = pa_json.open_json(
            counting,
            read_options=pa_json.ReadOptions(block_size=BLOCK_SIZE),
        )
    except pa.ArrowInvalid as e:
        counting.close()
        raise _malformed(path, e) from e
    names = normalized_names(reader.schema.names, path)

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for batch in reader:
                yield batch.rename_columns(names)
        finally:
            counting.close()

    return reader.schema.with_metadata(None), batches()


def _parquet_batches(path: Path, on_read: ProgressCallback | None) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as e:
        raise _malformed(path, e) from e
    names = normalized_names(parquet.schema_arrow.names, path)
    meta = parquet.metadata

    def batches() -> Iterator[pa.RecordBatch]:
        try:
            for index in range(meta.num_row_groups):
                group = parquet.read_row_group(index)
                if on_read is not None:
                    on_read(meta.row_group(index).total_byte_size)
                yield from group.rename_columns(names).to_batches()
        finally:
            parquet.close()

    return parquet.schema_arrow, batches()


def _malformed(path: Path, error: Exception) -> IngestError:
    detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return IngestError(f"{path.name} is malformed: {detail.rstrip('.')}.", hint=_UNCHANGED)


class FileIngestor:
    """Reads one file as a checked stream of Arrow batches for one table."""

    def __init__(self, storage: DeltaStorageManager, path: Path, table: str, fmt: FileFormat) -> None:
        self.storage = storage
        self.path = path
        self.table = table
        self.format = fmt
        self.existing_schema = self._table_schema()

    def _table_schema(self) -> pa.Schema | None:
        if not self.storage.exists(self.table):
            return None
        return pa.schema(self.storage.open_table(self.table).schema().to_arrow())

    def open(self, on_read: ProgressCallback | None) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
        """The file's schema (normalized names) and its batches."""
        if self.format == "csv":
            delimiter = "\t" if self.path.suffix.lower() == ".tsv" else ","
            raw = _csv_header(self.path, delimiter)
            if not raw or not any(h.strip() for h in raw):
                raise IngestError(f"{self.path.name} has no header line.", hint=_UNCHANGED)
            names = normalized_names(raw, self.path)
            # Parse columns the table already has as the table's types (zip codes stay text).
            known = {f.name: f.type for f in self.existing_schema or []}
            types = {n: known[n] for n in names if n in known}
            schema, batches = _csv_batches(self.path, names, types, on_read)
        elif self.format == "jsonl":
            schema, batches = _jsonl_batches(self.path, on_read)
        else:
            schema, batches = _parquet_batches(self.path, on_read)
        names = normalized_names(schema.names, self.path)
        return pa.schema([f.with_name(n) for f, n in zip(schema, names, strict=True)]), batches

    def check_header(self, names: list[str], *, allow_new_columns: bool, key: Sequence[str]) -> None:
        """Refuse a file whose columns do not match the existing table's."""
        missing_keys = [k for k in key if k not in names]
        if missing_keys:
            raise IngestError(
                f"{self.path.name} has no key column(s) {missing_keys}.",
                hint="Columns are: " + ", ".join(names) + ". " + _UNCHANGED,
            )
        if self.existing_schema is None:
            return
        table_names = self.existing_schema.names
        extra = [n for n in names if n not in table_names]
        absent = [n for n in table_names if n not in names]
        if absent or (extra and not allow_new_columns):
            parts = []
            if extra:
                parts.append(f"not in the table: {', '.join(extra)}")
            if absent:
                parts.append(f"missing from the file: {', '.join(absent)}")
            raise IngestError(
                f"The header of {self.path.name} does not match table {self.table!r} ({'; '.join(parts)}).",
                hint="Fix the header"
                + (", or ingest with --evolve to add new columns" if extra and not absent else "")
                + ". "
                + _UNCHANGED,
            )


def ingest_file(
    storage: DeltaStorageManager,
    path: str | os.PathLike[str],
    table: str,
    *,
    mode: IngestMode = "append",
    key: Sequence[str] | str | None = None,
    file_format: FileFormat | None = None,
    evolve: bool = False,
    on_read: ProgressCallback | None = None,
) -> IngestResult:
    """Load ``path`` into ``table`` (created if missing) in a single commit.

    ``mode`` is append, overwrite, or merge (upsert on ``key``). ``evolve`` lets the file add
    columns. ``on_read(n)`` is called with the bytes read so far, batch by batch. Any problem
    with the file raises IngestError and leaves the table unchanged.
    """
    source = Path(path)
    keys = [key] if isinstance(key, str) else list(key or [])
    if mode not in ("append", "overwrite", "merge"):
        raise IngestError(f"Unknown ingest mode {mode!r}; use append, overwrite or merge.")
    if mode == "merge" and not keys:
        raise IngestError("Ingest mode merge needs --key COLUMN (the column that identifies a row).")
    if not source.is_file():
        raise IngestError(f"No such file: {source}.")
    if source.stat().st_size == 0:
        raise IngestError(f"{source.name} is empty (0 bytes).", hint=_UNCHANGED)
    storage.table_uri(table)  # validates the name before any reading
    fmt = file_format or detect_format(source)
    opened = _OpenedFile(storage, source, table, fmt, evolve=evolve, key=keys, on_read=on_read)
    schema_mode: Literal["merge"] | None = "merge" if evolve else None
    try:
        if mode == "merge":
            data = opened.open().read_all()
            _require_rows(data.num_rows, source)
            counts = storage.merge(data, table, on=keys, schema_mode=schema_mode)
            return IngestResult(table, str(source), fmt, mode, data.num_rows, **counts)
        opened.open()  # a file that does not fit fails here, before any commit is tried
        # Handing over the opener lets a write that lost a commit race read the file again.
        version = storage.write_table(opened.reopen, table, mode=mode, schema_mode=schema_mode)
    except Exception as e:
        # The reader's own error (malformed row, empty file) explains more than delta-rs's text.
        guarded = opened.guarded
        if guarded is not None and guarded.error is not None and guarded.error is not e:
            raise guarded.error from None
        if isinstance(e, pa.ArrowException):
            raise _malformed(source, e) from e
        if isinstance(e, SchemaMismatchError):
            raise IngestError(f"{source.name}: {e.message}", hint=_UNCHANGED) from e
        raise
    return IngestResult(table, str(source), fmt, mode, opened.rows, version)


class _OpenedFile:
    """The file as a checked stream for ``table``, which can be opened again for a retried write."""

    def __init__(
        self,
        storage: DeltaStorageManager,
        path: Path,
        table: str,
        fmt: FileFormat,
        *,
        evolve: bool,
        key: Sequence[str],
        on_read: ProgressCallback | None,
    ) -> None:
        self.storage, self.path, self.table, self.format = storage, path, table, fmt
        self.evolve, self.key, self.on_read = evolve, key, on_read
        self.guarded: GuardedReader | None = None
        self._counter: _RowCounter | None = None
        self._unused: pa.RecordBatchReader | None = None

    @property
    def rows(self) -> int:
        return self._counter.rows if self._counter is not None else 0

    def open(self) -> pa.RecordBatchReader:
        """A fresh reader over the file, checked against the table as it is now."""
        ingestor = FileIngestor(self.storage, self.path, self.table, self.format)
        schema, batches = ingestor.open(self.on_read)
        ingestor.check_header(schema.names, allow_new_columns=self.evolve, key=self.key)
        target = delta_compatible(schema)
        self.guarded = GuardedReader(target, _checked(batches, target, self.path, self.table))
        self._counter = _RowCounter(self.guarded.reader)
        self._unused = self._counter.reader
        return self._unused

    def reopen(self) -> pa.RecordBatchReader:
        """The reader ``open`` made if nothing read it yet, else a new one."""
        reader, self._unused = self._unused, None
        return reader if reader is not None else self.open()


def _require_rows(rows: int, path: Path) -> None:
    if rows == 0:
        raise IngestError(f"{path.name} has a header but no data rows.", hint=_UNCHANGED)


class _RowCounter:
    """Passes batches through and counts their rows."""

    def __init__(self, reader: pa.RecordBatchReader) -> None:
        self.rows = 0
        self._source = reader
        self.reader = pa.RecordBatchReader.from_batches(reader.schema, self._count())

    def _count(self) -> Iterator[pa.RecordBatch]:
        for batch in self._source:
            self.rows += batch.num_rows
            yield batch


def _checked(batches: Iterator[pa.RecordBatch], target: pa.Schema, path: Path, table: str) -> Iterator[pa.RecordBatch]:
    """Batches cast to Delta-storable types; parse errors become IngestError; none means empty."""
    rows = 0
    try:
        for batch in batches:
            rows += batch.num_rows
            yield from cast_table(pa.Table.from_batches([batch]), target, table=table).to_batches()
    except pa.ArrowException as e:
        raise _malformed(path, e) from e
    except NeuroLakeError as e:
        raise IngestError(f"{path.name}: {e.message}", hint=_UNCHANGED) from e
    _require_rows(rows, path)
