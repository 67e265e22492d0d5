"""The DuckDB backend: the second wall (hardening), relations over snapshots, errors, limits.

These tests hand SQL straight to the backend, past the engine's sqlglot guard, to prove
DuckDB refuses on its own what the guard refuses first.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from neurolake.engine.base import BackendJob
from neurolake.engine.duckdb import DuckDBBackend, duckdb_memory
from neurolake.engine.snapshots import SnapshotResolver
from neurolake.errors import PermissionDeniedError, QueryExecutionError, QueryValidationError

from .conftest import Lake


def raw(backend: DuckDBBackend, sql: str) -> pa.Table:
    return backend.execute(BackendJob(uuid.uuid4().hex, sql))


@pytest.fixture
def duckdb_backend(lake: Lake) -> DuckDBBackend:
    backend = lake.engine.backend
    if not isinstance(backend, DuckDBBackend):
        pytest.skip("DuckDB-only behaviour")
    return backend


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_text('/etc/hostname')",
        "SELECT * FROM glob('/etc/*')",
        "ATTACH '/tmp/neurolake-attach.db' AS other",
        "COPY (SELECT 1) TO '/tmp/neurolake-copy.csv'",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "SET memory_limit = '64GB'",
        "SET allowed_directories = ['/']",
        "RESET memory_limit",
    ],
)
def test_duckdb_refuses_outside_the_lakehouse_on_its_own(duckdb_backend: DuckDBBackend, sql: str) -> None:
    with pytest.raises(PermissionDeniedError):
        raw(duckdb_backend, sql)
    assert not Path("/tmp/neurolake-copy.csv").exists()


def test_duckdb_does_not_read_python_variables_or_paths_as_tables(duckdb_backend: DuckDBBackend) -> None:
    orders = pa.table({"secret": [1]})  # noqa: F841 - DuckDB would find this by name if allowed

    with pytest.raises(QueryValidationError, match="does not exist"):
        raw(duckdb_backend, "SELECT * FROM orders")
    with pytest.raises((QueryValidationError, PermissionDeniedError)):
        raw(duckdb_backend, "SELECT * FROM '/etc/passwd'")


def test_lakehouse_files_are_readable_through_the_locked_database(lake: Lake, duckdb_backend: DuckDBBackend) -> None:
    snapshot = SnapshotResolver(lake.storage).pin("customers")

    result = raw(duckdb_backend, f"SELECT count(*) AS n FROM {duckdb_backend.relation(snapshot).sql}")

    assert result.column("n").to_pylist() == [5]


def test_hardening_settings_are_in_force(duckdb_backend: DuckDBBackend) -> None:
    settings = raw(
        duckdb_backend,
        "SELECT current_setting('enable_external_access') AS ext, current_setting('lock_configuration') AS locked, "
        "current_setting('python_enable_replacements') AS py, current_setting('memory_limit') AS mem",
    ).to_pylist()[0]

    assert settings["ext"] is False and settings["locked"] is True and settings["py"] is False
    assert settings["mem"].endswith("MiB") or settings["mem"].endswith("GiB")


def test_memory_limit_comes_from_settings_and_is_enforced(tmp_path: Path) -> None:
    backend = DuckDBBackend(memory_limit="64m", threads=1)
    try:
        limit = raw(backend, "SELECT current_setting('memory_limit') AS m").column("m").to_pylist()[0]
        with pytest.raises(QueryExecutionError, match="memory"):
            raw(backend, "SELECT list(range) FROM range(100000000)")
    finally:
        backend.close()

    assert limit in ("64.0 MiB", "61.0 MiB")
    assert duckdb_memory("4g") == "4GiB" and duckdb_memory("512m") == "512MiB"


def test_dataset_relations_are_registered_per_job(lake: Lake, duckdb_backend: DuckDBBackend) -> None:
    snapshot = SnapshotResolver(lake.storage).pin("empty_events")
    relation = duckdb_backend.relation(snapshot)

    job = BackendJob(uuid.uuid4().hex, f"SELECT * FROM {relation.sql}", registrations=relation.registrations)
    result = duckdb_backend.execute(job)

    assert relation.sql == '"empty_events@v0"'
    assert result.column_names == ["id", "kind"] and result.num_rows == 0
    with pytest.raises(QueryValidationError):  # gone once the job's cursor closed
        raw(duckdb_backend, f"SELECT * FROM {relation.sql}")


def test_backend_errors_are_wrapped_without_the_sql_echo(duckdb_backend: DuckDBBackend) -> None:
    with pytest.raises(QueryExecutionError) as failed:
        raw(duckdb_backend, "SELECT CAST('abc' AS INTEGER)")

    assert "Could not convert" in str(failed.value) and "LINE 1" not in str(failed.value)
    assert failed.value.__cause__ is not None


def test_interrupting_an_unknown_job_is_a_no_op(duckdb_backend: DuckDBBackend) -> None:
    assert duckdb_backend.interrupt("no-such-job") is False
