"""SparkBackend: views per pinned version, bound parameters, timeouts and cancel, the second wall.

The shared engine suite (tests/engine, parametrized over both backends) covers the contract;
these tests check what is Spark's own, handing SQL straight to the backend where needed.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest

from neurolake.engine import NeuroLakeEngine
from neurolake.engine.base import BackendJob
from neurolake.engine.snapshots import SnapshotResolver, VersionSpec
from neurolake.engine.spark import SparkBackend, spark_args, view_name
from neurolake.errors import (
    PermissionDeniedError,
    QueryCancelledError,
    QueryExecutionError,
    QueryTimeoutError,
    QueryValidationError,
)
from tests.engine.conftest import Lake, build_lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Runs for hours unless its Spark job is cancelled.
SLOW = "SELECT count(*) FROM range(100000000000) a(x), range(100) b(y) WHERE (x * y) % 7 = 3"


@pytest.fixture(scope="module")
def lake(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lake]:
    built = build_lake(tmp_path_factory.mktemp("spark-lake"), "spark")
    yield built
    built.engine.close()
    built.catalog.dispose()


@pytest.fixture
def backend(lake: Lake) -> SparkBackend:
    assert isinstance(lake.engine.backend, SparkBackend)
    return lake.engine.backend


def raw(backend: SparkBackend, sql: str, params: object = None) -> pa.Table:
    return backend.execute(BackendJob(uuid.uuid4().hex, sql, params))  # type: ignore[arg-type]


def wait_for_no_spark_jobs(spark: SparkSession, within_s: float = 20.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not spark.sparkContext.statusTracker().getActiveJobsIds():
            return True
        time.sleep(0.1)
    return False


def test_each_pinned_version_is_its_own_view(lake: Lake, backend: SparkBackend) -> None:
    resolver = SnapshotResolver(lake.storage)
    v0, v2 = resolver.pin("orders", VersionSpec("version", 0)), resolver.pin("orders")
    result = lake.engine.execute_sql(
        "SELECT now.id, old.amount AS before, now.amount AS after "
        "FROM orders now JOIN orders VERSION AS OF 0 AS old USING (id) WHERE now.amount <> old.amount"
    )
    views = {row.viewName for row in backend.spark.sql("SHOW VIEWS").collect()}

    assert view_name(v0) != view_name(v2) and view_name(v0).startswith("nl_orders_v0_")
    assert {view_name(v0), view_name(v2)} <= views
    assert result.rows[0][:1] == (1,) and result.metrics.tables_read == {"orders": [0, 2]}


def test_time_travel_by_timestamp(lake: Lake) -> None:
    moment = lake.times[1] + (lake.times[2] - lake.times[1]) / 2

    result = lake.engine.execute_sql(f"SELECT count(*), max(amount) FROM orders TIMESTAMP AS OF '{moment.isoformat()}'")

    assert result.metrics.tables_read == {"orders": [1]}
    assert result.rows[0][0] == 6 and str(result.rows[0][1]) == "300.00"


def test_numbered_and_timestamp_parameters_bind(backend: SparkBackend, lake: Lake) -> None:
    numbered = lake.engine.execute_sql("SELECT id FROM orders WHERE id = $2 OR customer_id = $1 ORDER BY id", [9, 3])
    typed = raw(backend, "SELECT :at AS at", {"at": datetime(2024, 1, 2, 3, 4, 5)})

    assert numbered.rows == [(3,), (6,)]
    # A naive datetime is a TIMESTAMP without zone (Spark's TIMESTAMP_NTZ), as on DuckDB.
    assert typed.schema.field("at").type == pa.timestamp("us")
    assert typed.column("at").to_pylist() == [datetime(2024, 1, 2, 3, 4, 5)]
    assert spark_args([1, 2], "SELECT :__nl_p1, :__nl_p2") == {"__nl_p1": 1, "__nl_p2": 2}
    assert spark_args([1, 2], "SELECT ?, ?") == [1, 2]


def test_timeout_cancels_the_spark_job(lake: Lake, spark: SparkSession) -> None:
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError):
        lake.engine.execute_sql(SLOW, timeout_s=1.0)

    assert time.monotonic() - started < 30
    assert wait_for_no_spark_jobs(spark), "the Spark job kept running after the timeout"
    assert lake.engine.execute_sql("SELECT count(*) FROM customers").rows == [(5,)]


def test_cancel_from_another_thread_stops_the_spark_job(lake: Lake, spark: SparkSession) -> None:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            lake.engine.execute_sql(SLOW)
        except BaseException as e:
            errors.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 60
    while not spark.sparkContext.statusTracker().getActiveJobsIds() and time.monotonic() < deadline:
        time.sleep(0.05)  # wait until Spark is really running it
    (query_id,) = lake.engine.running_queries()

    assert lake.engine.cancel(query_id) is True
    worker.join(30)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], QueryCancelledError)
    assert wait_for_no_spark_jobs(spark)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT reflect('java.lang.System', 'getenv', 'HOME')",
        "SELECT java_method('java.lang.Runtime', 'getRuntime')",
        "SELECT `try_reflect`('java.lang.System', 'exit', 0)",
        "SELECT id FROM range(1) WHERE id IN (SELECT length(input_file_name()) FROM range(1))",
    ],
)
def test_spark_refuses_reflection_and_file_functions_on_its_own(backend: SparkBackend, sql: str) -> None:
    with pytest.raises(PermissionDeniedError, match="not allowed"):
        raw(backend, sql)


def test_spark_refuses_queries_on_file_paths_on_its_own(backend: SparkBackend, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"secret": [42]}), tmp_path / "secret.parquet")

    # spark.sql.runSQLOnFiles=false: a path is just an unknown table name.
    with pytest.raises(QueryValidationError, match="TABLE_OR_VIEW_NOT_FOUND"):
        raw(backend, f"SELECT * FROM parquet.`{tmp_path / 'secret.parquet'}`")


def test_spark_errors_are_wrapped_without_the_plan(backend: SparkBackend) -> None:
    with pytest.raises(QueryValidationError) as unresolved:
        raw(backend, "SELECT nope FROM range(1)")
    with pytest.raises(QueryExecutionError) as failed:
        raw(backend, "SELECT CAST('abc' AS INT)")

    assert "UNRESOLVED_COLUMN" in str(unresolved.value) and "Project" not in str(unresolved.value)
    assert unresolved.value.__cause__ is not None
    assert "CAST_INVALID_INPUT" in str(failed.value) and "SQLSTATE" not in str(failed.value)


def test_backends_keep_their_views_apart_and_drop_them_on_close(lake: Lake, spark: SparkSession) -> None:
    other = SparkBackend(spark)
    engine = NeuroLakeEngine(lake.catalog, lake.storage, backend=other)
    engine.execute_sql("SELECT count(*) FROM products")
    session = other.spark
    views = {row.viewName for row in session.sql("SHOW VIEWS").collect()}
    engine.close()

    assert any(v.startswith("nl_products_v0_") for v in views)
    assert not any(row.viewName.startswith("nl_") for row in session.sql("SHOW VIEWS").collect())
    assert other.interrupt("no-such-job") is False
