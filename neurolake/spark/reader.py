"""Pinned Delta snapshots as Spark DataFrames, with or without delta-spark.

Without delta-spark (the default: no jars to fetch), a snapshot is read from the Parquet
files its add actions list, as delta-rs resolved them for that version:

- the read schema is the snapshot's own (so files written before a column was added read it
  as NULL, and wider types are read as the table declares them);
- partition values come from the add actions. When Spark's own partition discovery over the
  hive-style folders gives exactly those values, one scan with ``basePath`` reads everything
  (partition pruning included); otherwise each set of partition values is scanned on its own
  with the values added as literal columns, and the scans are unioned;
- tables whose reader features the file list cannot honour (deletion vectors, column
  mapping) are refused with ``QueryExecutionError``: only delta-spark reads them correctly.

With delta-spark configured, Spark reads the table itself:
``spark.read.format("delta").option("versionAsOf", n)``.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import pyarrow as pa
from deltalake import DeltaTable

from neurolake.engine.snapshots import TableSnapshot
from neurolake.errors import QueryExecutionError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

__all__ = ["SnapshotReader", "spark_path"]

#: Partition types whose folder text Spark parses back to exactly the add action's value.
_PATH_SAFE_TYPES = (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer, pa.types.is_date32)
_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")

DELTA_SPARK_HINT = (
    "Configure delta-spark for your Spark version (NEUROLAKE_SPARK__PACKAGES or NEUROLAKE_SPARK__JARS, "
    "see docs/spark.md), or query it with NEUROLAKE_ENGINE__BACKEND=duckdb."
)


def spark_path(uri: str) -> str:
    """A path Spark reads: local paths as they are on disk, ``s3://`` as ``s3a://``."""
    if uri.startswith("file://"):
        return unquote(urlparse(uri).path)
    if uri.startswith("s3://"):
        return "s3a://" + uri[len("s3://") :]
    return uri


class SnapshotReader:
    """Builds the DataFrame that reads one pinned snapshot."""

    def __init__(
        self, spark: SparkSession, *, native_delta: bool = False, storage_options: Mapping[str, str] | None = None
    ) -> None:
        self.spark = spark
        self.native_delta = native_delta
        self.storage_options = dict(storage_options or {})

    def dataframe(self, snapshot: TableSnapshot) -> DataFrame:
        """The rows of ``snapshot``, in the table's column order."""
        if self.native_delta:
            return (
                self.spark.read.format("delta").option("versionAsOf", snapshot.version).load(spark_path(snapshot.uri))
            )
        if snapshot.scan == "delta":
            raise QueryExecutionError(
                f"Table {snapshot.name!r} {snapshot.scan_reason}; Spark reads such tables only through delta-spark.",
                hint=DELTA_SPARK_HINT,
            )
        schema = _spark_schema(snapshot.schema)
        if not snapshot.file_uris:
            return self.spark.createDataFrame([], schema)
        root, files = self._files(snapshot)
        if not snapshot.partition_columns:
            return self._scan(list(files), schema)
        return self._partitioned(snapshot, root, files, schema)

    # ----------------------------------------------------------------------------- helpers

    def _files(self, snapshot: TableSnapshot) -> tuple[str, dict[str, dict[str, Any]]]:
        """The table root and, per data file (as Spark reads it), its partition values."""
        table = DeltaTable(snapshot.uri, version=snapshot.version, storage_options=self.storage_options or None)
        actions = pa.table(table.get_add_actions(flatten=True))
        root = spark_path(snapshot.uri).rstrip("/")
        columns = {p: actions.column(f"partition.{p}").to_pylist() for p in snapshot.partition_columns}
        files: dict[str, dict[str, Any]] = {}
        # Add-action paths are URL-encoded relative paths; decoded, they are the object names.
        for i, path in enumerate(actions.column("path").to_pylist()):
            location = path if "://" in path else f"{root}/{unquote(path)}"
            files[spark_path(location)] = {p: values[i] for p, values in columns.items()}
        return root, files

    def _scan(self, paths: Sequence[str], schema: StructType, base: str | None = None) -> DataFrame:
        reader = self.spark.read.schema(schema)
        if base is not None:
            reader = reader.option("basePath", base)
        return reader.parquet(*paths)

    def _partitioned(
        self, snapshot: TableSnapshot, root: str, files: dict[str, dict[str, Any]], schema: StructType
    ) -> DataFrame:
        from pyspark.sql import functions as F

        columns = list(snapshot.column_names)
        if _discoverable(snapshot, root, files):
            return self._scan(list(files), schema, base=root).select(*columns)
        partitions = set(snapshot.partition_columns)
        data_schema = _spark_schema(pa.schema([f for f in snapshot.schema if f.name not in partitions]))
        groups: dict[tuple[Any, ...], list[str]] = defaultdict(list)
        for path, values in files.items():
            groups[tuple(values[p] for p in snapshot.partition_columns)].append(path)
        types = {f.name: f.dataType for f in schema.fields}
        scans = []
        for key, paths in groups.items():
            values = dict(zip(snapshot.partition_columns, key, strict=True))
            scans.append(
                self._scan(paths, data_schema).select(
                    *[
                        # Text then cast: exact for dates, timestamps and decimals alike.
                        (F.lit(None if values[c] is None else str(values[c])).cast(types[c]).alias(c))
                        if c in partitions
                        else F.col(c)
                        for c in columns
                    ]
                )
            )
        return functools.reduce(lambda a, b: a.unionByName(b), scans)


def _spark_schema(schema: pa.Schema) -> StructType:
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema, prefer_timestamp_ntz=True)


def _discoverable(snapshot: TableSnapshot, root: str, files: dict[str, dict[str, Any]]) -> bool:
    """True when Spark's partition discovery reads every file's add-action values from its path.

    Spark parses ``column=value`` folders under ``basePath`` and unescapes each ``%XX`` as
    one character, so non-ASCII values (and values of types whose text form varies) are
    not safe, nor are files outside ``column=value`` folders.
    """
    types = {p: snapshot.schema.field(p).type for p in snapshot.partition_columns}
    if not all(any(check(t) for check in _PATH_SAFE_TYPES) for t in types.values()):
        return False
    prefix = root + "/"
    for path, values in files.items():
        if not path.startswith(prefix):
            return False
        folders = dict(segment.split("=", 1) for segment in path[len(prefix) :].split("/")[:-1] if "=" in segment)
        for column, value in values.items():
            text = folders.get(column)
            if text is None:
                return False
            parsed = None if text == _NULL_PARTITION else _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
            if parsed != (None if value is None else str(value)):
                return False
    return True
