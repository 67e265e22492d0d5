"""SparkSessionFactory: the process's one Spark session, started on first use.

Spark allows one SparkContext per JVM, and PySpark one JVM per process, so the session is
process-wide by nature; the factory makes that explicit: created lazily under a lock, reused
by every caller, stopped at interpreter exit. Backends that need their own temporary views
take ``session.newSession()`` (same context, separate views and SQL options). A Spark Connect
session (``sc://``) is a client only and is built with Connect's own class, so it can run beside
a classic one. On a standalone cluster (``spark://``) executors are sized to the workers and the
start fails, with the reason, when none is granted in time (``neurolake.spark.cluster``).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from neurolake.errors import ConfigurationError, NeuroLakeError
from neurolake.spark.cluster import fit_executors, read_cluster, wait_for_executors
from neurolake.spark.config import SparkConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from neurolake.config import Settings

__all__ = ["SparkSessionFactory"]

log = logging.getLogger("neurolake.spark")


class SparkSessionFactory:
    """Builds the Spark session a ``SparkConfig`` describes, once per process.

    A process holds at most one classic session (Spark's one SparkContext per JVM) and one
    Spark Connect session per server URL; the two kinds can run side by side.
    """

    _lock: ClassVar[threading.Lock] = threading.Lock()
    #: Running sessions by kind ("classic", or the sc:// URL), with the config they started with.
    _sessions: ClassVar[dict[str, tuple[SparkSession, SparkConfig]]] = {}
    _stop_registered: ClassVar[bool] = False

    def __init__(self, config: SparkConfig) -> None:
        self.config = config

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> SparkSessionFactory:
        """A factory for the session ``settings.spark`` describes."""
        return cls(SparkConfig.from_settings(settings, **overrides))

    def builder(self, config: SparkConfig | None = None) -> Any:
        """The configured builder: a Connect client's ``remote(url)`` for ``sc://``, ``master`` and
        options otherwise (``config`` defaults to the factory's)."""
        config = config or self.config
        if config.is_connect:
            builder = connect_session_class().builder.remote(config.master)
            options = {**config.session_conf(), **config.extra}
        else:
            from pyspark.sql import SparkSession

            builder = SparkSession.builder
            options = config.spark_conf()
        for key, value in options.items():
            builder = builder.config(key, value)
        return builder

    def get_spark_session(self) -> SparkSession:
        """The process's Spark session of this kind, started now with this factory's config if none runs.

        A session already running with another config is reused (Spark cannot run two
        classic ones) and a warning names the difference.
        """
        cls = type(self)
        kind = self.config.master if self.config.is_connect else "classic"
        with cls._lock:
            running = cls._sessions.get(kind)
            if running is not None and _is_alive(running[0]):
                if running[1] != self.config:
                    log.warning(
                        "a Spark session (%s) is already running; reusing it instead of starting %s",
                        running[1].master,
                        self.config.master,
                    )
                return running[0]
            session = self._start()
            cls._sessions[kind] = (session, self.config)
            if not cls._stop_registered:
                atexit.register(cls.stop)
                cls._stop_registered = True
            return session

    @classmethod
    def running_config(cls, *, connect_url: str | None = None) -> SparkConfig | None:
        """The config of the running classic session (or Connect session to ``connect_url``), if any."""
        with cls._lock:
            running = cls._sessions.get(connect_url or "classic")
        return running[1] if running is not None and _is_alive(running[0]) else None

    @classmethod
    def stop(cls, *, only: str | None = None) -> None:
        """Stop the process's sessions, or ``only`` one: ``"classic"`` or a Connect URL; the next
        ``get_spark_session`` starts anew."""
        with cls._lock:
            kinds = [only] if only is not None else list(cls._sessions)
            stopping = [cls._sessions.pop(kind) for kind in kinds if kind in cls._sessions]
        for session, _ in stopping:
            try:
                session.stop()
            except Exception as e:  # at exit the JVM may already be gone
                log.debug("stopping the Spark session failed: %s", e)

    def _start(self) -> SparkSession:
        config = self.config
        if config.driver_ip is not None and not config.is_connect:
            # The JVM reads it at launch; without it Spark may bind a public or unresolvable address.
            os.environ["SPARK_LOCAL_IP"] = config.driver_ip
        if config.is_standalone:
            config = fit_executors(config, read_cluster(config))
        log.info("starting Spark (%s)", config.master)
        try:
            session = self.builder(config).create() if config.is_connect else self.builder(config).getOrCreate()
        except NeuroLakeError:
            raise
        except Exception as e:
            raise ConfigurationError(
                f"Spark could not start with master {config.master!r}: {_first_line(e)}",
                hint="Check NEUROLAKE_SPARK__MASTER, that Java 17+ is installed, and that a cluster or "
                "Spark Connect server is reachable.",
            ) from e
        if not config.is_connect:
            session.sparkContext.setLogLevel("ERROR")
        if config.is_standalone:
            try:
                wait_for_executors(session, config, lambda: read_cluster(config))
            except NeuroLakeError:
                session.stop()  # the next query asks the cluster again
                raise
        quiet_pyspark_loggers()
        return session


def connect_session_class() -> Any:
    """PySpark's Spark Connect session class, or a ConfigurationError naming what is missing.

    Imported directly (not through ``SparkSession.builder.remote``), so a Connect session can
    run beside the process's classic one.
    """
    try:
        from pyspark.sql.connect.session import SparkSession as ConnectSession
    except ImportError as e:  # PySpark names the package: "[PACKAGE_NOT_INSTALLED] grpcio-status >= ..."
        raise ConfigurationError(
            f"The Spark Connect client cannot load: {_first_line(e)}",
            hint="Install the Connect client's packages: pip install 'pyspark[connect]' "
            "(grpcio, grpcio-status, googleapis-common-protos, zstandard), or use a local[N] or "
            "spark:// NEUROLAKE_SPARK__MASTER.",
        ) from e
    return ConnectSession


def quiet_pyspark_loggers() -> None:
    """Silence PySpark's own JSON error logging: NeuroLake logs each failed query once, itself."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


def is_connect_session(spark: Any) -> bool:
    """True for a Spark Connect session (a client of a server), False for a classic one."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def _is_alive(session: Any) -> bool:
    """False once a classic session's context has stopped (Connect sessions count as alive)."""
    context = getattr(session, "_sc", None)
    return context is None or getattr(context, "_jsc", None) is not None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__
