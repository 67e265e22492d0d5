"""The scale-out backend: Spark (local, a cluster, or Spark Connect) over pinned Delta snapshots.

Each pinned snapshot becomes a temporary view named after the table, its version and its
content (``nl_orders_v2_<hash>``) over the snapshot's files (``neurolake.spark.reader``),
so versions never clash and time travel works like on DuckDB. SQL arrives generated in the
``neurolakespark`` dialect (sqlglot's Spark plus two fixes, ``neurolake.spark.dialect``);
values are bound by Spark (``spark.sql(sql, args=...)``), never pasted. A job runs under a
Spark job tag so a timeout or ``cancel`` stops its tasks; results come back as Arrow.

The backend owns a session of its own (``newSession()``: the process's SparkContext,
separate temporary views), created on first use, so building an engine never starts a JVM.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from neurolake.engine.base import Backend, BackendCapabilities, BackendJob, BoundParams, Relation
from neurolake.engine.snapshots import TableSnapshot
from neurolake.errors import (
    NeuroLakeError,
    PermissionDeniedError,
    QueryCancelledError,
    QueryExecutionError,
    QueryValidationError,
)
from neurolake.spark.dialect import DIALECT, NUMBERED_PREFIX
from neurolake.spark.reader import SnapshotReader
from neurolake.spark.session import SparkSessionFactory, quiet_pyspark_loggers

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from neurolake.config import Settings
    from neurolake.storage import DeltaStorageManager

__all__ = ["SparkBackend", "translate_error"]

#: Spark functions that reach outside the query: Java reflection, file names and file reads.
#: The engine's first wall knows DuckDB's functions; these are Spark's own.
REFUSED_FUNCTIONS = frozenset(
    {
        "reflect", "java_method", "try_reflect", "read_files", "input_file_name",
        "input_file_block_start", "input_file_block_length",
    }
)  # fmt: skip
_NUMBERED = re.compile(rf":{NUMBERED_PREFIX}(\d+)\b")
# Spark error text: "[CONDITION] message SQLSTATE: 42703; line 1 pos 7;\n'Project ..."
_SQLSTATE_TAIL = re.compile(r"\s*SQLSTATE: \w+.*", re.DOTALL)


class SparkBackend(Backend):
    """Spark SQL over Delta snapshots read from their file lists (or by delta-spark)."""

    name = "spark"
    dialect = DIALECT
    # Memory is per executor and cluster-wide in Spark, not a per-query limit.
    capabilities = BackendCapabilities(memory_limit=False)

    def __init__(
        self,
        session: SparkSession | Callable[[], SparkSession],
        *,
        native_delta: bool = False,
        storage_options: Mapping[str, str] | None = None,
        max_views: int = 512,
    ) -> None:
        self._session_source = session
        self.native_delta = native_delta
        self._storage_options = dict(storage_options or {})
        self._max_views = max_views
        self._spark: SparkSession | None = None
        self._reader: SnapshotReader | None = None
        self._views: OrderedDict[str, TableSnapshot] = OrderedDict()
        self._views_lock = threading.Lock()
        self._running: dict[str, str] = {}
        self._lock = threading.Lock()
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings, storage: DeltaStorageManager) -> SparkBackend:
        """The backend ``settings.spark`` describes; Spark starts on the first query."""
        factory = SparkSessionFactory.from_settings(settings)
        return cls(
            factory.get_spark_session,
            native_delta=factory.config.uses_delta_spark,
            storage_options=storage.storage_options,
        )

    @property
    def spark(self) -> SparkSession:
        """This backend's session (started, with the process's SparkContext, on first use)."""
        with self._lock:
            if self._closed:
                raise QueryExecutionError("The Spark backend is closed.")
            if self._spark is None:
                source = self._session_source
                shared = source() if callable(source) else source
                self._spark = _own_session(shared)
                self._reader = SnapshotReader(
                    self._spark, native_delta=self.native_delta, storage_options=self._storage_options
                )
                quiet_pyspark_loggers()
            return self._spark

    # ----------------------------------------------------------------------------- relations

    def relation(self, snapshot: TableSnapshot) -> Relation:
        """A temporary view over the snapshot, named by table, version and content."""
        name = view_name(snapshot)
        return Relation(f"`{name}`", {name: snapshot})

    # ----------------------------------------------------------------------------- running

    def execute(self, job: BackendJob) -> pa.Table:
        with self._job(job) as spark:
            try:
                table = spark.sql(job.sql, args=self._args(spark, job)).toArrow()
            except Exception as e:
                raise translate_error(e, stopped=job.stop.is_set()) from e
        return plain_arrow(table)

    def explain(self, job: BackendJob) -> str:
        with self._job(job) as spark:
            try:
                return _plan_text(spark.sql(job.sql, args=self._args(spark, job)))
            except Exception as e:
                raise translate_error(e, stopped=job.stop.is_set()) from e

    def interrupt(self, job_id: str) -> bool:
        with self._lock:
            tag = self._running.get(job_id)
            spark = self._spark
        if tag is None or spark is None:
            return False
        _cancel_tag(spark, tag)
        return True

    def close(self) -> None:
        """Cancel running jobs and drop this backend's views; the shared SparkContext stays up."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            tags, spark = list(self._running.values()), self._spark
        if spark is None:
            return
        for tag in tags:
            _cancel_tag(spark, tag)
        with self._views_lock:
            names, self._views = list(self._views), OrderedDict()
        try:
            for name in names:
                _drop_view(spark, name)
        except Exception:  # the context may be stopping at exit
            pass

    # ----------------------------------------------------------------------------- helpers

    @contextmanager
    def _job(self, job: BackendJob) -> Iterator[SparkSession]:
        """The session with the job's views in place, its tag set and the second wall checked."""
        refuse_outside_calls(job.sql)
        spark = self.spark
        tag = f"neurolake-{job.job_id}"
        with self._lock:
            self._running[job.job_id] = tag
        try:
            if job.stop.is_set():
                raise QueryCancelledError("The query was stopped before it started.")
            self._ensure_views(job.registrations)
            _add_tag(spark, tag)
            try:
                yield spark
            finally:
                _remove_tag(spark, tag)
        finally:
            with self._lock:
                self._running.pop(job.job_id, None)

    @staticmethod
    def _args(spark: SparkSession, job: BackendJob) -> dict[str, Any] | list[Any] | None:
        return spark_args(job.params, job.sql, connect=_is_connect(spark))

    def _ensure_views(self, registrations: Mapping[str, TableSnapshot]) -> None:
        for name, snapshot in registrations.items():
            with self._views_lock:
                if name in self._views:
                    self._views.move_to_end(name)
                    continue
                assert self._reader is not None
                try:
                    self._reader.dataframe(snapshot).createOrReplaceTempView(name)
                except NeuroLakeError:
                    raise
                except Exception as e:
                    reason = translate_error(e)
                    raise QueryExecutionError(
                        f"Spark could not read table {snapshot.name!r} (version {snapshot.version}): "
                        f"{clean_message(e)}",
                        hint=reason.hint,
                    ) from e
                self._views[name] = snapshot
                while len(self._views) > self._max_views:
                    old, _ = self._views.popitem(last=False)
                    _drop_view(self.spark, old)


def view_name(snapshot: TableSnapshot) -> str:
    """``nl_<table>_v<version>_<hash>``: the hash tells apart a table recreated at the same version."""
    digest = hashlib.sha1(
        "\n".join((snapshot.uri, str(snapshot.version), *snapshot.file_uris)).encode(), usedforsecurity=False
    ).hexdigest()[:12]
    table = re.sub(r"\W", "_", snapshot.name)
    return f"nl_{table}_v{snapshot.version}_{digest}"


def spark_args(params: BoundParams, sql: str, *, connect: bool = False) -> dict[str, Any] | list[Any] | None:
    """Parameters as ``spark.sql`` binds them; ``$N`` (sent as ``:__nl_pN``) by name."""
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {name: spark_value(value, connect=connect) for name, value in params.items()}
    values = [spark_value(value, connect=connect) for value in params]
    if _NUMBERED.search(sql):
        return {f"{NUMBERED_PREFIX}{i}": value for i, value in enumerate(values, start=1)}
    return values


def spark_value(value: Any, *, connect: bool = False) -> Any:
    """A parameter value Spark binds as the same SQL type DuckDB would.

    Naive datetimes are DuckDB TIMESTAMPs (no time zone): bound as Spark TIMESTAMP_NTZ
    literals, not as session-zone TIMESTAMPs.
    """
    if isinstance(value, datetime) and value.tzinfo is None:
        return _timestamp_ntz(value, connect=connect)
    return value


def refuse_outside_calls(sql: str) -> None:
    """The Spark side of the second wall: no reflection or file functions in any position."""
    tokens = Dialect.get_or_raise("spark").tokenize(sql)
    for token, following in itertools.pairwise(tokens):
        if following.token_type is TokenType.L_PAREN and token.text.lower() in REFUSED_FUNCTIONS:
            raise PermissionDeniedError(
                f"{token.text}() is not allowed: it reaches outside the lakehouse tables.",
                hint="Queries may read lakehouse tables only.",
            )


def plain_arrow(table: pa.Table) -> pa.Table:
    """``table`` without Spark's field metadata (auto-generated alias markers); no data copied."""
    if table.schema.metadata is None and all(f.metadata is None for f in table.schema):
        return table
    schema = pa.schema([f.remove_metadata() for f in table.schema])
    return pa.Table.from_arrays(table.columns, schema=schema)


def clean_message(error: BaseException) -> str:
    """Spark's message without the SQLSTATE tail, the analyzed plan and the JVM stack."""
    text = str(error).strip()
    java = getattr(error, "java_exception", None)  # py4j: "An error occurred while calling o42.sql"
    getter = getattr(error, "getMessage", None) if java is None else java.toString
    if callable(getter):
        with contextlib.suppress(Exception):  # a JVM-side getter can fail on a dead gateway
            text = str(getter()).strip() or text
    text = _SQLSTATE_TAIL.sub("", text)
    return text.split("\n")[0].strip() or error.__class__.__name__


def translate_error(error: BaseException, *, stopped: bool = False) -> NeuroLakeError:
    """The NeuroLake error for a Spark exception (the caller raises it ``from`` the original)."""
    if stopped:
        return QueryCancelledError("The query was interrupted.")
    condition = _condition(error)
    message = clean_message(error)
    if "CANCELLED" in condition or ("cancelled" in message.lower() and "job" in message.lower()):
        return QueryCancelledError("The query was interrupted.")
    if _is_analysis_error(error):  # parse and analysis errors: the query, not the data, is wrong
        return QueryValidationError(message)
    if "OutOfMemory" in message or "OUT_OF_MEMORY" in condition or "OutOfMemoryError" in str(error):
        return QueryExecutionError(
            f"The query ran out of memory: {message}",
            hint="Filter or aggregate more, or give Spark more memory (NEUROLAKE_SPARK__DRIVER_MEMORY, "
            "NEUROLAKE_SPARK__EXECUTOR_MEMORY).",
        )
    if "No FileSystem for scheme" in str(error) or "S3AFileSystem" in str(error):
        return QueryExecutionError(
            f"Spark cannot reach the table's files: {message}",
            hint="Object-store tables need hadoop-aws and the AWS SDK bundle on Spark's classpath (docs/spark.md).",
        )
    return QueryExecutionError(f"The query failed: {message}")


# --------------------------------------------------------------------------------- Spark API


def _own_session(shared: SparkSession) -> SparkSession:
    """A session with its own temporary views: a new one on classic Spark, the shared one on Connect."""
    if _is_connect(shared):
        return shared
    return shared.newSession()


def _drop_view(spark: SparkSession, name: str) -> None:
    # A Connect session is shared by every backend of the process; views there are named by
    # content, so one another backend still uses is left in place.
    if not _is_connect(spark):
        spark.catalog.dropTempView(name)


def _is_connect(spark: Any) -> bool:
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _add_tag(spark: SparkSession, tag: str) -> None:
    # Classic Spark: job tags on the SparkContext reach the tasks (toArrow's collect runs on a
    # server thread that inherits them); Connect: operation tags on the server session.
    if _is_connect(spark):
        spark.addTag(tag)
    else:
        context = spark.sparkContext
        context.setInterruptOnCancel(True)
        context.addJobTag(tag)


def _remove_tag(spark: SparkSession, tag: str) -> None:
    if _is_connect(spark):
        spark.removeTag(tag)
    else:
        spark.sparkContext.removeJobTag(tag)


def _cancel_tag(spark: SparkSession, tag: str) -> None:
    try:
        if _is_connect(spark):
            spark.interruptTag(tag)
        else:
            spark.sparkContext.cancelJobsWithTag(tag)
    except Exception:  # nothing to stop, or the context is going away
        pass


def _timestamp_ntz(value: datetime, *, connect: bool) -> Any:
    """A TIMESTAMP_NTZ literal for a naive datetime (classic), or the same instant in UTC (Connect)."""
    if connect:
        # The session time zone is UTC, so the UTC instant compares equal to the naive value.
        return value.replace(tzinfo=UTC)
    from pyspark import SparkContext
    from pyspark.sql.classic.column import Column

    jvm = SparkContext._jvm
    assert jvm is not None
    micros = (value - _EPOCH) // timedelta(microseconds=1)
    local = jvm.org.apache.spark.sql.catalyst.util.DateTimeUtils.microsToLocalDateTime(micros)
    return Column(jvm.org.apache.spark.sql.functions.lit(local))


_EPOCH = datetime(1970, 1, 1)


def _plan_text(frame: DataFrame) -> str:
    explain_string = getattr(frame, "_explain_string", None)
    if callable(explain_string):
        return str(explain_string(mode="simple")).rstrip()
    from pyspark import SparkContext

    jvm: Any = SparkContext._jvm
    java_frame: Any = getattr(frame, "_jdf")  # noqa: B009 - classic DataFrames only
    return str(jvm.PythonSQLUtils.explainString(java_frame.queryExecution(), "simple")).rstrip()


def _condition(error: BaseException) -> str:
    getter = getattr(error, "getCondition", None)
    if callable(getter):
        try:
            return str(getter() or "")
        except Exception:
            return ""
    return ""


def _is_analysis_error(error: BaseException) -> bool:
    try:
        from pyspark.errors import AnalysisException
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, AnalysisException)
