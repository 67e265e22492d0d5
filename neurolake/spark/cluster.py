"""A standalone cluster's size, executors that fit it, and a bounded wait for the first one.

On ``spark://`` a driver asks the master for executors of ``spark.executor.cores`` and
``spark.executor.memory``; a request no worker can grant waits for ever (Spark only logs
"Initial job has not accepted any resources"). So NeuroLake reads the master's status
(``<web UI>/json``), sizes unset executors to the smallest alive worker, refuses at once a
request no worker can ever hold, and fails after ``executor_wait_s`` when none is granted,
naming requested and available cores and memory and the settings to change.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from neurolake.errors import QueryExecutionError
from neurolake.spark.config import MODEST_EXECUTOR_CORES, MODEST_EXECUTOR_MEMORY, SparkConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

__all__ = ["ClusterStatus", "WorkerSize", "fit_executors", "master_ui_url", "read_cluster", "wait_for_executors"]

log = logging.getLogger("neurolake.spark")

#: The largest executor NeuroLake asks for unless told otherwise.
MAX_FITTED_CORES = 4
MAX_FITTED_MEMORY_MB = 8 * 1024
_SIZE = re.compile(r"^(\d+)([kmgt]?)b?$")
_MB_PER_UNIT = {"k": 1 / 1024, "": 1 / (1024 * 1024), "m": 1, "g": 1024, "t": 1024 * 1024}
SETTINGS_TO_CHANGE = (
    "NEUROLAKE_SPARK__EXECUTOR_CORES, NEUROLAKE_SPARK__EXECUTOR_MEMORY (or unset both to fit the workers), "
    "or NEUROLAKE_SPARK__EXECUTOR_WAIT_S to wait longer"
)


@dataclass(frozen=True)
class WorkerSize:
    """What one alive worker offers executors: all of it, and what is free now."""

    cores: int
    memory_mb: int
    cores_free: int
    memory_free_mb: int


@dataclass(frozen=True)
class ClusterStatus:
    """The alive workers a standalone master reports."""

    workers: tuple[WorkerSize, ...]

    @classmethod
    def from_json(cls, status: dict[str, Any]) -> ClusterStatus:
        return cls(
            tuple(
                WorkerSize(int(w["cores"]), int(w["memory"]), int(w["coresfree"]), int(w["memoryfree"]))
                for w in status.get("workers", [])
                if w.get("state") == "ALIVE"
            )
        )

    def describe(self) -> str:
        """``2 workers alive: 1 core / 1024 MiB each, 0 cores / 0 MiB free`` (for error messages)."""
        if not self.workers:
            return "no worker is alive"
        sizes = sorted({f"{w.cores} core(s) / {w.memory_mb} MiB" for w in self.workers})
        free = sorted({f"{w.cores_free} core(s) / {w.memory_free_mb} MiB" for w in self.workers})
        return f"{len(self.workers)} worker(s) alive with {', '.join(sizes)}; free now: {', '.join(free)}"


def master_ui_url(config: SparkConfig) -> str:
    """The master's web UI: the setting, else port 8080 on the master's host."""
    if config.master_ui_url:
        return config.master_ui_url.rstrip("/")
    host = urlparse(config.master.split(",")[0]).hostname or "127.0.0.1"
    return f"http://{host}:8080"


def read_cluster(config: SparkConfig, *, timeout_s: float = 5.0) -> ClusterStatus | None:
    """The master's view of its workers, or None when its web UI does not answer."""
    url = f"{master_ui_url(config)}/json/"
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return ClusterStatus.from_json(json.load(response))
    except (OSError, ValueError) as e:
        log.info("the Spark master's status at %s is not readable (%s); executor sizes are not fitted", url, e)
        return None


def memory_mb(size: str) -> int:
    """``"1g"`` -> 1024 (Spark's memory strings, in MiB)."""
    match = _SIZE.match(size.strip().lower())
    if match is None:
        raise ValueError(f"{size!r} is not a memory size")
    return int(int(match.group(1)) * _MB_PER_UNIT[match.group(2)])


def fit_executors(config: SparkConfig, cluster: ClusterStatus | None) -> SparkConfig:
    """``config`` with unset executor cores and memory chosen: the smallest alive worker's size
    (so every worker can run one), at most 4 cores and 8g; modest (1 core, 1g) when the
    master's status is unknown. Raises when a set size fits no worker at all."""
    smallest = min(cluster.workers, key=lambda w: (w.cores, w.memory_mb)) if cluster and cluster.workers else None
    cores, memory = config.executor_cores, config.executor_memory
    if cores is None:
        cores = min(smallest.cores, MAX_FITTED_CORES) if smallest else MODEST_EXECUTOR_CORES
    if memory is None:
        memory = f"{min(smallest.memory_mb, MAX_FITTED_MEMORY_MB)}m" if smallest else MODEST_EXECUTOR_MEMORY
    fitted = dataclasses.replace(config, executor_cores=cores, executor_memory=memory)
    if cluster is not None and cluster.workers and not any(_holds(w, fitted) for w in cluster.workers):
        raise QueryExecutionError(
            f"The Spark cluster at {config.master} can never run an executor of {_request(fitted)}: "
            f"{cluster.describe()}.",
            hint=f"Ask for at most one worker's size: set {SETTINGS_TO_CHANGE}.",
        )
    return fitted


def wait_for_executors(
    session: SparkSession,
    config: SparkConfig,
    read_status: Callable[[], ClusterStatus | None],
    *,
    poll_s: float = 0.25,
) -> None:
    """Return once the session has an executor; raise after ``config.executor_wait_s`` without one."""
    deadline = time.monotonic() + config.executor_wait_s
    while time.monotonic() < deadline:
        if executor_count(session) > 0:
            return
        time.sleep(poll_s)
    if executor_count(session) > 0:
        return
    cluster = read_status()
    unknown = f"the master's status at {master_ui_url(config)} is not readable"
    available = cluster.describe() if cluster is not None else unknown
    raise QueryExecutionError(
        f"The Spark cluster at {config.master} granted no executor within {config.executor_wait_s:g} s: "
        f"NeuroLake asked for {_request(config)} per executor; {available}.",
        hint=f"Free the workers or ask for less: set {SETTINGS_TO_CHANGE}.",
    )


def executor_count(session: SparkSession) -> int:
    """Executors registered with the session's context (the driver not counted)."""
    java_context: Any = session.sparkContext._jsc.sc()
    return max(int(java_context.getExecutorMemoryStatus().size()) - 1, 0)


def _holds(worker: WorkerSize, config: SparkConfig) -> bool:
    """True when the worker, empty, could run one executor of the config's size."""
    assert config.executor_cores is not None and config.executor_memory is not None
    return config.executor_cores <= worker.cores and memory_mb(config.executor_memory) <= worker.memory_mb


def _request(config: SparkConfig) -> str:
    return (
        f"{config.executor_cores} core(s) and {config.executor_memory} "
        "(NEUROLAKE_SPARK__EXECUTOR_CORES, NEUROLAKE_SPARK__EXECUTOR_MEMORY)"
    )
