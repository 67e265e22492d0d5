"""A real Spark standalone cluster and a Spark Connect server for the test run, from the installed pyspark.

Both bind 127.0.0.1 on free ports, keep every folder Spark writes (logs, pids, conf, worker
and work dirs) under one temporary directory, and are stopped by PID. The cluster is one
master and two workers of 1 core and 1 GiB (what the tests' executors ask for); the Connect
server runs its own driver on local[2] (a cluster of 1-core workers has no core to spare for
a second application; docs/decisions/0031-spark-services-in-the-test-run.md).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pyspark

SPARK_HOME = Path(pyspark.__file__).parent
#: Start-up took 10-50 s here with other work on both cores; beyond this the service is broken.
START_TIMEOUT_S = 180.0
WORKERS = 2
WORKER_CORES = 1
WORKER_MEMORY = "1g"
#: Each daemon JVM (master, worker) needs little heap: it only schedules.
DAEMON_MEMORY = "256m"


class ServiceError(RuntimeError):
    """A Spark service did not start; the message names it and the log to read."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SparkProcesses:
    """Spark daemons started by this run, stopped by PID in reverse order."""

    folder: Path
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        """Spark's folders under ``folder``; without them the daemons write inside the pyspark package."""
        dirs = {name: self.folder / name for name in ("logs", "pids", "conf", "work")}
        for path in dirs.values():
            path.mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "SPARK_HOME": str(SPARK_HOME),
            "SPARK_LOG_DIR": str(dirs["logs"]),
            "SPARK_PID_DIR": str(dirs["pids"]),
            "SPARK_CONF_DIR": str(dirs["conf"]),
            "SPARK_WORKER_DIR": str(dirs["work"]),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(dirs["work"]),
            "PYSPARK_PYTHON": sys.executable,
        }

    def start(self, name: str, *args: str, daemon: bool = False) -> subprocess.Popen[bytes]:
        """``bin/<args[0]> args[1:]``, its output in ``logs/<name>.out``; a ``daemon`` (master,
        worker) gets a small heap (spark-submit would give it to a Connect server's driver too)."""
        env = self.env()  # creates the folders
        if daemon:
            env["SPARK_DAEMON_MEMORY"] = DAEMON_MEMORY
        log = (self.folder / "logs").joinpath(f"{name}.out").open("wb")
        process = subprocess.Popen(
            [str(SPARK_HOME / "bin" / args[0]), *args[1:]],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            start_new_session=True,  # Ctrl+C in the test run reaches the daemons through stop(), not twice
        )
        self.processes.append((name, process))
        return process

    def log_tail(self, name: str, lines: int = 5) -> str:
        path = self.folder / "logs" / f"{name}.out"
        text = path.read_text(errors="replace").strip().splitlines() if path.exists() else []
        return "\n".join(text[-lines:])

    def stop(self) -> None:
        """SIGTERM each process by its PID (the JVM: bin/spark-class execs java), SIGKILL if it lingers."""
        for _, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.processes.clear()


@dataclass
class StandaloneCluster:
    """One master and ``WORKERS`` workers on 127.0.0.1."""

    master_url: str
    ui_url: str
    processes: SparkProcesses

    @classmethod
    def start(cls, folder: Path) -> StandaloneCluster:
        processes = SparkProcesses(folder)
        port, ui_port = free_port(), free_port()
        cluster = cls(f"spark://127.0.0.1:{port}", f"http://127.0.0.1:{ui_port}", processes)
        try:
            processes.start(
                "master",
                "spark-class",
                "org.apache.spark.deploy.master.Master",
                *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui_port)),
                daemon=True,
            )
            for i in range(1, WORKERS + 1):
                processes.start(
                    f"worker-{i}",
                    "spark-class",
                    "org.apache.spark.deploy.worker.Worker",
                    cluster.master_url,
                    *("--host", "127.0.0.1", "--webui-port", str(free_port())),
                    *("--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY),
                    *("--work-dir", str(folder / "work" / f"worker-{i}")),
                    daemon=True,
                )
            cluster.wait_until_ready()
        except BaseException:
            processes.stop()
            raise
        return cluster

    def status(self) -> dict[str, object]:
        with urllib.request.urlopen(f"{self.ui_url}/json/", timeout=5) as response:
            return dict(json.load(response))

    def alive_workers(self) -> int:
        try:
            workers = self.status().get("workers", [])
        except OSError:
            return 0
        return sum(1 for w in workers if isinstance(w, dict) and w.get("state") == "ALIVE")  # type: ignore[union-attr]

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while self.alive_workers() < WORKERS:
            for name, process in self.processes.processes:
                if process.poll() is not None:
                    raise ServiceError(f"Spark {name} exited ({process.returncode}): {self.processes.log_tail(name)}")
            if time.monotonic() > deadline:
                alive = self.alive_workers()
                raise ServiceError(f"the Spark cluster had {alive} of {WORKERS} workers after {START_TIMEOUT_S:g} s")
            time.sleep(0.5)

    def stop(self) -> None:
        self.processes.stop()


@dataclass
class ConnectServer:
    """A Spark Connect server (its own driver on local[2]) on 127.0.0.1."""

    url: str
    processes: SparkProcesses

    @classmethod
    def start(cls, folder: Path) -> ConnectServer:
        processes = SparkProcesses(folder)
        port = free_port()
        server = cls(f"sc://127.0.0.1:{port}", processes)
        options = {
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(port),
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
        }
        try:
            process = processes.start(
                "connect",
                "spark-submit",
                *("--class", "org.apache.spark.sql.connect.service.SparkConnectServer"),
                *("--name", "neurolake-test-connect", "--master", "local[2]", "--driver-memory", "1g"),
                *(arg for key, value in options.items() for arg in ("--conf", f"{key}={value}")),
            )
            deadline = time.monotonic() + START_TIMEOUT_S
            while not _listening(port):
                if process.poll() is not None:
                    raise ServiceError(f"the Spark Connect server exited: {processes.log_tail('connect')}")
                if time.monotonic() > deadline:
                    raise ServiceError(f"the Spark Connect server did not listen within {START_TIMEOUT_S:g} s")
                time.sleep(0.5)
        except BaseException:
            processes.stop()
            raise
        return server

    def stop(self) -> None:
        self.processes.stop()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


#: URLs of the services the run's fixtures started, by backend kind ("spark-cluster", "spark-connect").
RUNNING: dict[str, str] = {}
