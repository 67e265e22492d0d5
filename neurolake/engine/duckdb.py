"""The embedded backend: DuckDB in-process, scanning pinned Delta snapshots in place.

One DuckDB database per backend, hardened once at start: file access confined to the
lakehouse root, external access off, configuration locked. Each job runs on its own cursor,
so jobs run side by side and one can be interrupted without touching the others.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from neurolake.engine.base import Backend, BackendCapabilities, BackendJob, Relation
from neurolake.engine.snapshots import TableSnapshot
from neurolake.errors import (
    NeuroLakeError,
    PermissionDeniedError,
    QueryCancelledError,
    QueryExecutionError,
    QueryValidationError,
)

__all__ = ["DuckDBBackend"]

# "4g" (as settings spell it) to DuckDB's "4GiB".
_UNITS = {"": "B", "k": "KiB", "m": "MiB", "g": "GiB", "t": "TiB"}
_MEMORY = re.compile(r"^\s*(\d+)\s*([kmgt]?)\s*$", re.IGNORECASE)
# DuckDB appends the offending SQL ("LINE 1: ...") to messages; ours holds file lists.
_SQL_ECHO = re.compile(r"\n+LINE \d+:.*", re.DOTALL)


def duckdb_memory(value: str) -> str:
    """A settings memory size (``4g``, ``512m``) in DuckDB's spelling (``4GiB``)."""
    match = _MEMORY.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a memory size such as 4g")
    return f"{match.group(1)}{_UNITS[match.group(2).lower()]}"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# DuckDB names for the Arrow types a partition column can have in a hive path.
def _hive_type(dtype: pa.DataType) -> str | None:
    if pa.types.is_string(dtype) or pa.types.is_large_string(dtype):
        return "VARCHAR"
    if pa.types.is_boolean(dtype):
        return "BOOLEAN"
    if pa.types.is_integer(dtype) and not pa.types.is_unsigned_integer(dtype):
        return {8: "TINYINT", 16: "SMALLINT", 32: "INTEGER", 64: "BIGINT"}[dtype.bit_width]
    if pa.types.is_float32(dtype):
        return "FLOAT"
    if pa.types.is_float64(dtype):
        return "DOUBLE"
    if pa.types.is_decimal(dtype):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if pa.types.is_date32(dtype):
        return "DATE"
    if pa.types.is_timestamp(dtype) and dtype.tz is None:
        return "TIMESTAMP"
    return None


class DuckDBBackend(Backend):
    """DuckDB over Delta file lists (``read_parquet``), with an Arrow-dataset fallback."""

    name = "duckdb"
    dialect = "duckdb"
    capabilities = BackendCapabilities()

    def __init__(
        self,
        *,
        allowed_directories: Sequence[str] = (),
        memory_limit: str = "4g",
        threads: int | None = None,
        temp_directory: str | None = None,
    ) -> None:
        self.memory_limit = duckdb_memory(memory_limit)
        config: dict[str, str | bool | int | float | list[str]] = {
            "python_enable_replacements": False,  # never read Python variables named in SQL
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "memory_limit": self.memory_limit,
        }
        if threads is not None:
            config["threads"] = threads
        self._db = duckdb.connect(":memory:", config=config)
        self._harden(list(allowed_directories), temp_directory)
        self._cursors: dict[str, duckdb.DuckDBPyConnection] = {}
        self._lock = threading.Lock()
        self._closed = False

    def _harden(self, allowed: list[str], temp_directory: str | None) -> None:
        # Order matters: directories first, then no external access, then lock everything.
        db = self._db
        db.execute("SET enable_progress_bar = false")
        if temp_directory is not None:
            db.execute(f"SET temp_directory = {_sql_string(temp_directory)}")
        if allowed:
            listed = ", ".join(_sql_string(d.rstrip("/") + "/") for d in allowed)
            db.execute(f"SET allowed_directories = [{listed}]")
        db.execute("SET enable_external_access = false")
        db.execute("SET lock_configuration = true")

    # ----------------------------------------------------------------------------- relations

    def relation(self, snapshot: TableSnapshot) -> Relation:
        """``read_parquet`` over the snapshot's files, or a registered dataset by name."""
        if snapshot.scan != "files":
            return Relation(_quote(snapshot.key), {snapshot.key: snapshot})
        hive_types = {p: _hive_type(snapshot.schema.field(p).type) for p in snapshot.partition_columns}
        if any(t is None for t in hive_types.values()):
            return Relation(_quote(snapshot.key), {snapshot.key: snapshot})
        files = ", ".join(_sql_string(f) for f in snapshot.file_uris)
        options = ["union_by_name = true"]
        if hive_types:
            types = ", ".join(f"{_sql_string(k)}: {_sql_string(str(v))}" for k, v in hive_types.items())
            options += ["hive_partitioning = true", f"hive_types = {{{types}}}"]
        else:
            options.append("hive_partitioning = false")  # a '=' in the root path is not a partition
        scan = f"read_parquet([{files}], {', '.join(options)})"
        # DuckDB puts partition columns last; keep the table's own column order.
        if snapshot.partition_columns and not _partitions_last(snapshot):
            columns = ", ".join(_quote(c) for c in snapshot.column_names)
            scan = f"(SELECT {columns} FROM {scan})"
        return Relation(scan)

    # ----------------------------------------------------------------------------- running

    def execute(self, job: BackendJob) -> pa.Table:
        with self._cursor(job) as cursor:
            try:
                # The relation API hands Arrow over without the DB-API result's extra copy.
                return cursor.sql(job.sql, params=job.params).to_arrow_table()
            except duckdb.Error as e:
                raise translate_error(e) from e

    def explain(self, job: BackendJob) -> str:
        with self._cursor(job) as cursor:
            try:
                rows = cursor.sql("EXPLAIN " + job.sql, params=job.params).fetchall()
            except duckdb.Error as e:
                raise translate_error(e) from e
        return "\n".join(str(row[-1]).rstrip() for row in rows)

    def interrupt(self, job_id: str) -> bool:
        with self._lock:
            cursor = self._cursors.get(job_id)
        if cursor is None:
            return False
        cursor.interrupt()
        return True

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            cursors = list(self._cursors.values())
        for cursor in cursors:
            cursor.interrupt()
        self._db.close()

    def _cursor(self, job: BackendJob) -> _JobCursor:
        return _JobCursor(self, job)


class _JobCursor:
    """A cursor registered for interrupts while one job uses it, closed afterwards."""

    def __init__(self, backend: DuckDBBackend, job: BackendJob) -> None:
        self.backend = backend
        self.job = job

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        backend = self.backend
        with backend._lock:
            if backend._closed:
                raise QueryExecutionError("The DuckDB backend is closed.")
            cursor = backend._db.cursor()
            backend._cursors[self.job.job_id] = cursor
        self.cursor = cursor
        if self.job.stop.is_set():
            raise QueryCancelledError("The query was stopped before it started.")
        for name, snapshot in self.job.registrations.items():
            cursor.register(name, snapshot.arrow_source())
        return cursor

    def __exit__(self, *exc: object) -> None:
        with self.backend._lock:
            self.backend._cursors.pop(self.job.job_id, None)
        self.cursor.close()


def _partitions_last(snapshot: TableSnapshot) -> bool:
    """True when DuckDB's order (file columns, then hive columns) is the table's order."""
    data_columns = [c for c in snapshot.column_names if c not in snapshot.partition_columns]
    return list(snapshot.column_names) == data_columns + list(snapshot.partition_columns)


def clean_message(error: BaseException) -> str:
    """DuckDB's message without the echoed SQL."""
    return _SQL_ECHO.sub("", str(error)).strip()


def translate_error(error: duckdb.Error) -> NeuroLakeError:
    """The NeuroLake error for a DuckDB exception (the caller raises it ``from`` the original)."""
    message = clean_message(error)
    if isinstance(error, duckdb.InterruptException):
        return QueryCancelledError("The query was interrupted.")
    if isinstance(error, duckdb.PermissionException) or "configuration has been locked" in message:
        return PermissionDeniedError(
            f"DuckDB refused the operation: {message}",
            hint="Queries may read lakehouse tables only.",
        )
    if isinstance(error, duckdb.BinderException | duckdb.CatalogException | duckdb.ParserException):
        return QueryValidationError(message)
    if isinstance(error, duckdb.OutOfMemoryException):
        return QueryExecutionError(
            f"The query ran out of memory: {message}",
            hint="Filter or aggregate more, or raise NEUROLAKE_ENGINE__MEMORY_LIMIT.",
        )
    return QueryExecutionError(f"The query failed: {message}")
