"""Time limits, cancellation, history rows and logs: what happens around every query."""

from __future__ import annotations

import logging
import threading
import time

import pyarrow as pa
import pytest

from neurolake.catalog.repositories import users as users_repo
from neurolake.engine import NeuroLakeEngine, QueryExecution
from neurolake.engine.base import BackendJob
from neurolake.engine.duckdb import DuckDBBackend
from neurolake.engine.snapshots import root_spellings
from neurolake.errors import (
    PermissionDeniedError,
    QueryCancelledError,
    QueryExecutionError,
    QueryTimeoutError,
    QueryValidationError,
)

from .conftest import Lake

# Runs for minutes unless interrupted; reads no table, so it needs nothing from the lake.
SLOW = "SELECT count(*) FROM range(100000000000) a(x), range(100) b(y) WHERE (x * y) % 7 = 3"


def test_timeout_interrupts_and_the_engine_keeps_working(own_lake: Lake) -> None:
    engine = own_lake.engine
    started = time.monotonic()
    with pytest.raises(QueryTimeoutError, match=r"longer than 0\.3 s") as timed_out:
        engine.execute_sql(SLOW, timeout_s=0.3)
    elapsed = time.monotonic() - started

    assert elapsed < 5
    assert isinstance(timed_out.value, TimeoutError) and timed_out.value.status_code == 504
    assert engine.execute_sql("SELECT count(*) FROM orders").rows == [(6,)]
    assert engine.running_queries() == []


def test_default_timeout_comes_from_settings(own_lake: Lake) -> None:
    engine = own_lake.engine
    engine.config.timeout_s = 0.3
    with pytest.raises(QueryTimeoutError):
        engine.execute_sql(SLOW)


def test_cancel_from_another_thread(own_lake: Lake) -> None:
    engine = own_lake.engine
    errors: list[BaseException] = []

    def run() -> None:
        try:
            engine.execute_sql(SLOW)
        except BaseException as e:
            errors.append(e)

    worker = threading.Thread(target=run)
    worker.start()
    deadline = time.monotonic() + 10
    while not engine.running_queries() and time.monotonic() < deadline:
        time.sleep(0.01)
    (query_id,) = engine.running_queries()
    time.sleep(0.2)  # let it get going inside DuckDB

    assert engine.cancel(query_id) is True
    worker.join(10)

    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], QueryCancelledError)
    assert query_id in str(errors[0])
    assert engine.cancel(query_id) is False
    assert engine.execute_sql("SELECT 1 AS one").rows == [(1,)]
    history = {h.query_id: h for h in engine.history(limit=5)}
    assert history[query_id].status == "cancelled"


def test_every_query_lands_in_history_with_its_metrics(own_lake: Lake) -> None:
    engine = own_lake.engine
    with own_lake.catalog.session() as session:
        user, _ = users_repo.create_user(session, "ana", role="analyst")
    ok = engine.execute_sql(
        "SELECT o.id FROM orders o JOIN orders VERSION AS OF 0 p ON p.id = o.id", user=user, question="which orders?"
    )
    for bad in ("SELECT nope FROM orders", "DROP TABLE orders", "SELEC 1"):
        with pytest.raises((QueryValidationError, PermissionDeniedError)):
            engine.execute_sql(bad, user=user)
    with pytest.raises(QueryTimeoutError):
        engine.execute_sql(SLOW, timeout_s=0.2, user=user)
    engine.execute_sql("SELECT 1")  # someone else's query

    rows = engine.history(limit=10)[1:]

    assert [r.status for r in rows] == ["timeout", "invalid", "refused", "invalid", "succeeded"]
    done = rows[-1]
    assert done.query_id == ok.metrics.query_id and done.question == "which orders?"
    assert done.user_id == user.id and done.backend == engine.backend.name
    assert done.rows == 4 and done.bytes == ok.metrics.bytes and done.duration_ms > 0
    assert done.tables_read == {"orders": [0, 2]} and done.cache_hit is False and done.error is None
    assert "Column 'nope' does not exist" in (rows[3].error or "")
    assert [r.status for r in engine.history(limit=10, user=user)] == [r.status for r in rows]


def test_history_is_written_on_close(own_lake: Lake) -> None:
    engine = NeuroLakeEngine(own_lake.catalog, own_lake.storage)
    result = engine.execute_sql("SELECT 42")
    engine.close()

    with own_lake.catalog.session() as session:
        from neurolake.catalog.repositories.history import list_queries

        assert result.metrics.query_id in {q.query_id for q in list_queries(session)}


class _BuggyBackend(DuckDBBackend):
    """A backend with a bug: the engine must contain it, not leak it."""

    def execute(self, job: BackendJob) -> pa.Table:
        raise RuntimeError("backend bug")


def test_logs_start_completion_and_errors_with_the_stack_only_in_the_log(
    own_lake: Lake, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="neurolake.engine")
    own_lake.engine.execute_sql("SELECT count(*) FROM customers")
    backend = _BuggyBackend(allowed_directories=root_spellings(own_lake.storage.root), threads=1)
    buggy = NeuroLakeEngine(own_lake.catalog, own_lake.storage, backend=backend)

    with pytest.raises(QueryExecutionError) as failed:
        buggy.execute_sql("SELECT * FROM customers")

    messages = [r.getMessage() for r in caplog.records]
    assert any("started (user=-): SELECT count(*) FROM customers" in m for m in messages)
    assert any("finished in" in m and ": 1 rows" in m for m in messages)
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert failure.exc_info is not None and "RuntimeError: backend bug" in caplog.text
    assert "Traceback" in caplog.text
    assert "Traceback" not in str(failed.value) and "backend bug" not in str(failed.value)
    assert "unexpectedly (RuntimeError)" in str(failed.value)
    assert buggy.history(limit=1)[0].status == "failed"
    buggy.close()


def test_the_execution_context_manager_records_any_block(own_lake: Lake) -> None:
    engine = own_lake.engine
    with engine.execution("-- a pipeline step", question="nightly") as run:
        run.rows = 3
        run.read("orders", 2)
    with pytest.raises(QueryExecutionError), engine.execution("-- a failing step"):
        raise KeyError("boom")

    latest = engine.history(limit=2)

    assert isinstance(run, QueryExecution)
    assert [(h.sql, h.status) for h in latest] == [("-- a failing step", "failed"), ("-- a pipeline step", "succeeded")]
    assert latest[1].tables_read == {"orders": [2]} and latest[1].rows == 3
