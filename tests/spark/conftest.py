"""Spark fixtures: the one local-mode Spark session every test in the run shares.

Spark allows one SparkContext per process, so the engine suite (parametrized over backends)
and these tests use the same session, built from the small test settings below: local[2],
1 GiB driver, two shuffle partitions, no UI, no console progress. It stops at exit.

Spark takes about a second per query on this size of data (ten times DuckDB), so the slowest
Spark cases carry the ``spark_slow`` marker: they run under ``CI=true`` (the whole suite runs
on Spark in CI) or with ``NEUROLAKE_TEST_SPARK_SLOW=1``, and are skipped otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from neurolake.config import load_settings
from neurolake.spark import SparkConfig, SparkSessionFactory

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

SPARK_SLOW_MARKER = "spark_slow: a slow case on the Spark backend; runs in CI or with NEUROLAKE_TEST_SPARK_SLOW=1"
RUN_SPARK_SLOW = os.environ.get("CI", "").lower() == "true" or os.environ.get("NEUROLAKE_TEST_SPARK_SLOW") == "1"

#: ``settings.spark`` for tests: small enough for 2 cores shared with the rest of the suite.
TEST_SPARK_SETTINGS: dict[str, Any] = {
    "master": "local[2]",
    "driver_memory": "1g",
    "executor_memory": "1g",
    "executor_cores": 1,
    "default_parallelism": 2,
    "shuffle_partitions": 2,
    "ui_enabled": False,
}


def spark_test_config() -> SparkConfig:
    """The config the shared test session is started with."""
    return SparkConfig.from_settings(load_settings(spark=TEST_SPARK_SETTINGS))


def shared_spark_session() -> SparkSession:
    """The run's Spark session (started by the first caller, reused by every later one)."""
    return SparkSessionFactory(spark_test_config()).get_spark_session()


@pytest.fixture(scope="session")
def spark() -> SparkSession:
    return shared_spark_session()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", SPARK_SLOW_MARKER)


def skip_spark_slow(items: list[pytest.Item]) -> None:
    """Skip the items marked ``spark_slow`` unless this run includes them (see the module doc)."""
    if RUN_SPARK_SLOW:
        return
    skip = pytest.mark.skip(reason="spark_slow: set CI=true or NEUROLAKE_TEST_SPARK_SLOW=1 to run")
    for item in items:
        if item.get_closest_marker("spark_slow") is not None:
            item.add_marker(skip)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    skip_spark_slow([item for item in items if here in item.path.parents])
