"""A standalone cluster that cannot grant executors, and a Connect client that cannot load, fail
with the reason and the settings to change, as a person running ``neurolake sql`` sees them.

Each case runs the command line in its own process (as a user does): a second driver, or a
Python without grpcio-status, cannot share this test process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neurolake.config import load_settings
from neurolake.errors import QueryExecutionError
from neurolake.spark import SparkConfig
from neurolake.spark.cluster import ClusterStatus, fit_executors, read_cluster

from .conftest import spark_session_for
from .services import WORKER_CORES, StandaloneCluster

ROOT = Path(__file__).resolve().parents[2]


def run_cli(home: Path, *args: str, env: dict[str, str], prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``neurolake ARGS`` in a new Python process with ``env`` (``prelude`` runs first)."""
    script = home / "run_cli.py"  # a file, not -c: PySpark's Connect import treats -c as its doctests
    script.write_text(
        f"import sys\n{prelude}\nfrom neurolake.cli import main\nsys.argv = ['neurolake', *sys.argv[1:]]\nmain()\n"
    )
    return subprocess.run(
        [sys.executable, str(script), *args],
        env={**os.environ, "PYTHONPATH": str(ROOT), "NEUROLAKE_HOME": str(home), **env},
        capture_output=True,
        text=True,
        timeout=240,
        cwd=home,
    )


def cluster_env(cluster: StandaloneCluster, **settings: str) -> dict[str, str]:
    return {
        "NEUROLAKE_ENGINE__BACKEND": "spark",
        "NEUROLAKE_SPARK__MASTER": cluster.master_url,
        "NEUROLAKE_SPARK__MASTER_UI_URL": cluster.ui_url,
        "NEUROLAKE_SPARK__DRIVER_MEMORY": "512m",
        **{f"NEUROLAKE_SPARK__{name.upper()}": value for name, value in settings.items()},
    }


def test_unset_executor_sizes_fit_the_workers_and_a_bigger_request_is_refused_at_once(
    spark_cluster: StandaloneCluster,
) -> None:
    base = SparkConfig.from_settings(
        load_settings(spark={"master": spark_cluster.master_url, "master_ui_url": spark_cluster.ui_url})
    )
    status = read_cluster(base)
    assert status is not None and len(status.workers) == 2

    fitted = fit_executors(base, status)
    with pytest.raises(QueryExecutionError) as refused:
        fit_executors(SparkConfig(master=base.master, executor_cores=WORKER_CORES + 1), status)

    assert (fitted.executor_cores, fitted.executor_memory) == (1, "1024m")
    assert fitted.spark_conf()["spark.executor.memory"] == "1024m"
    message = str(refused.value)
    assert "can never run an executor of 2 core(s) and 1024m" in message
    assert "2 worker(s) alive with 1 core(s) / 1024 MiB" in message
    assert "NEUROLAKE_SPARK__EXECUTOR_CORES" in message and "NEUROLAKE_SPARK__EXECUTOR_MEMORY" in message


def test_modest_executors_when_the_master_cannot_be_asked() -> None:
    config = fit_executors(SparkConfig(master="spark://10.255.255.1:7077"), None)

    assert (config.executor_cores, config.executor_memory) == (1, "1g")
    no_workers = fit_executors(SparkConfig(master="spark://h:7077", executor_memory="3g"), ClusterStatus(()))
    assert (no_workers.executor_cores, no_workers.executor_memory) == (1, "3g")


def test_the_cli_refuses_an_executor_no_worker_can_hold(spark_cluster: StandaloneCluster, tmp_path: Path) -> None:
    result = run_cli(tmp_path, "sql", "SELECT 1", env=cluster_env(spark_cluster, executor_memory="4g"))

    assert result.returncode == 1, result.stdout
    assert "can never run an executor of 1 core(s) and 4g" in result.stderr
    assert "1 core(s) / 1024 MiB" in result.stderr and "NEUROLAKE_SPARK__EXECUTOR_MEMORY" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_busy_cluster_fails_the_query_after_the_bounded_wait(
    spark_cluster: StandaloneCluster, tmp_path: Path
) -> None:
    # This process's cluster session holds both workers' only cores: a second driver gets none.
    spark_session_for("spark-cluster").sql("SELECT 1").collect()

    result = run_cli(tmp_path, "sql", "SELECT 1", env=cluster_env(spark_cluster, executor_wait_s="5"))

    assert result.returncode == 1, result.stdout
    assert "granted no executor within 5 s" in result.stderr
    assert "asked for 1 core(s) and 1024m" in result.stderr and "free now: 0 core(s) / 0 MiB" in result.stderr
    assert "NEUROLAKE_SPARK__EXECUTOR_WAIT_S" in result.stderr and "Traceback" not in result.stderr
    assert "neurolake serve" in result.stderr  # one command pays the start-up; serve keeps a session


def test_a_connect_client_without_grpcio_status_says_what_to_install(tmp_path: Path) -> None:
    # sys.modules[name] = None makes `import grpc_status` fail, as when the package is not installed.
    result = run_cli(
        tmp_path,
        "sql",
        "SELECT 1",
        env={"NEUROLAKE_ENGINE__BACKEND": "spark", "NEUROLAKE_SPARK__MASTER": "sc://127.0.0.1:15002"},
        prelude="sys.modules['grpc_status'] = None",
    )

    assert result.returncode == 1, result.stdout
    assert "The Spark Connect client cannot load: [PACKAGE_NOT_INSTALLED] grpcio-status" in result.stderr
    assert "pip install 'pyspark[connect]'" in result.stderr and "Traceback" not in result.stderr
