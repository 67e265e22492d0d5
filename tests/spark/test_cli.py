"""``neurolake sql --backend spark``: one query on Spark, whatever NEUROLAKE_ENGINE__BACKEND says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from neurolake.cli import app
from neurolake.cli.context import state
from neurolake.config import get_settings

from .conftest import TEST_SPARK_SETTINGS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

runner = CliRunner()


@pytest.fixture
def home(spark: SparkSession, cli_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home with ``people`` at version 1, and the test Spark settings in the environment."""
    for name, value in TEST_SPARK_SETTINGS.items():
        monkeypatch.setenv(f"NEUROLAKE_SPARK__{name.upper()}", str(value).lower())
    get_settings.cache_clear()  # read again, with the Spark settings
    storage = state.platform.storage
    storage.write_table(pa.table({"id": pa.array([1, 2], pa.int64()), "name": ["Ada", "Bo"]}), "people")
    storage.write_table(pa.table({"id": pa.array([3], pa.int64()), "name": ["Cy"]}), "people")
    return cli_home


def test_sql_backend_option_runs_one_query_on_spark(home: Path) -> None:
    on_spark = runner.invoke(
        app, ["sql", "SELECT count(*) AS n FROM people VERSION AS OF 0", "--backend", "spark", "-f", "json"]
    )
    default = runner.invoke(app, ["sql", "SELECT count(*) AS n FROM people", "-f", "json"])

    assert on_spark.exit_code == 0, (on_spark.output, on_spark.exception)
    spark_result, duckdb_result = json.loads(on_spark.output), json.loads(default.output)
    assert spark_result["metrics"]["backend"] == "spark" and spark_result["rows"] == [[2]]
    assert duckdb_result["metrics"]["backend"] == "duckdb" and duckdb_result["rows"] == [[3]]
    # Both queries land in the same history, each with its backend.
    backends = {entry.backend for entry in state.platform.engine.history(limit=5)}
    assert backends == {"spark", "duckdb"}


def test_an_unknown_backend_is_refused(home: Path) -> None:
    result = runner.invoke(app, ["sql", "SELECT 1", "--backend", "oracle"])

    assert result.exit_code != 0 and "oracle" in result.output
