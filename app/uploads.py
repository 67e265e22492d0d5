"""Files dropped into the chat become Delta tables (through ``neurolake.storage.ingest``)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from app.catalog_view import ColumnSummary, TableSummary
from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.storage import DeltaStorageManager
from neurolake.storage.ingest import detect_format, ingest_file
from neurolake.storage.names import name_problem

#: Extensions the chat turns into tables (the ingest reads these formats).
SUPPORTED_EXTENSIONS = (".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson")
_MAX_NAME = 56  # room for a "t_" prefix and a "_NN" suffix within 63 characters


def is_table_file(name: str) -> bool:
    return Path(name).suffix.lower() in SUPPORTED_EXTENSIONS


def table_name_for(file_name: str, existing: Collection[str]) -> str:
    """A new table's name from the file's: ``Sales 2024.csv`` -> ``sales_2024`` (``_2``... if taken)."""
    base = re.sub(r"[^0-9a-z]+", "_", Path(file_name).stem.lower()).strip("_")[:_MAX_NAME] or "upload"
    if name_problem(base) is not None:
        base = "t_" + base  # a digit first, or a reserved SQL word such as "select"
    name, counter = base, 1
    while name in existing:
        counter += 1
        name = f"{base}_{counter}"
    return name


@dataclass(frozen=True)
class UploadResult:
    """The table a file became."""

    file_name: str
    table: TableSummary
    rows: int


def ingest_upload(storage: DeltaStorageManager, catalog: Catalog, path: str | Path, file_name: str) -> UploadResult:
    """Create a new table from an uploaded file, in one commit (blocking: run it off the loop).

    The format comes from the file's own name (the upload's path has none); a bad file raises
    IngestError and creates nothing.
    """
    fmt = detect_format(Path(file_name))
    existing = set(storage.list_tables())
    table = table_name_for(file_name, existing)
    result = ingest_file(storage, path, table, mode="append", file_format=fmt)
    with catalog.session() as session:
        found = tables_repo.get_table(session, table)
        columns = tuple(ColumnSummary(c.name, c.type, c.description) for c in found.columns) if found else ()
    summary = TableSummary(name=table, rows=result.rows, version=result.version, columns=columns)
    return UploadResult(file_name=file_name, table=summary, rows=result.rows)
