"""Spark fixtures: the sessions every test in the run shares, on each kind of Spark.

``SPARK_KINDS``: ``spark`` (local mode), ``spark-cluster`` (this process drives the run's
standalone cluster) and ``spark-connect`` (a client of the run's Connect server); the
services are the session fixtures ``spark_cluster`` and ``spark_connect`` (tests/conftest.py).
Spark allows one SparkContext per process, so local mode and the cluster take turns: asking
for the other kind stops the running classic session first (pytest keeps a session-scoped
parameter's tests together, so that happens a few times per run). The Connect session runs
beside either. All are built from the small test settings below: 1 GiB driver, two shuffle
partitions, no UI, no console progress; they stop at exit.

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


#: The kinds of Spark the suites run on; the last two need the run's services.
SPARK_KINDS = ("spark", "spark-cluster", "spark-connect")
#: The session fixture that starts the service a kind needs.
SPARK_SERVICE_FIXTURES = {"spark-cluster": "spark_cluster", "spark-connect": "spark_connect"}


def spark_test_config(kind: str = "spark") -> SparkConfig:
    """The config the run's session of ``kind`` is started with.

    On the cluster, executor sizes are left unset: they are fitted to the workers, as a user's are.
    """
    if kind == "spark":
        return SparkConfig.from_settings(load_settings(spark=TEST_SPARK_SETTINGS))
    from tests.spark.services import RUNNING

    if kind not in RUNNING:
        raise RuntimeError(f"{kind} runs on a service: request the {SPARK_SERVICE_FIXTURES[kind]} fixture first")
    settings = {**TEST_SPARK_SETTINGS, "master": RUNNING[kind], "executor_memory": None, "executor_cores": None}
    if kind == "spark-cluster":
        settings["master_ui_url"] = RUNNING["spark-cluster-ui"]
    return SparkConfig.from_settings(load_settings(spark=settings))


def spark_session_for(kind: str) -> SparkSession:
    """The run's session of ``kind`` (started by the first caller, reused by every later one)."""
    config = spark_test_config(kind)
    running = SparkSessionFactory.running_config()
    if not config.is_connect and running is not None and running != config:
        SparkSessionFactory.stop(only="classic")  # one SparkContext per process: local and cluster take turns
    return SparkSessionFactory(config).get_spark_session()


def shared_spark_session() -> SparkSession:
    """The run's local-mode Spark session."""
    return spark_session_for("spark")


def start_spark_service(request: pytest.FixtureRequest, kind: str) -> None:
    """Start (once per run) the service ``kind`` needs."""
    if kind in SPARK_SERVICE_FIXTURES:
        request.getfixturevalue(SPARK_SERVICE_FIXTURES[kind])


@pytest.fixture
def spark() -> SparkSession:
    """The local-mode session (per test: a cluster test may have taken the SparkContext's turn)."""
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
