"""SparkSessionFactory: the process's one Spark session, started on first use.

Spark allows one SparkContext per JVM, and PySpark one JVM per process, so the session is
process-wide by nature; the factory makes that explicit: created lazily under a lock, reused
by every caller, stopped at interpreter exit. Backends that need their own temporary views
take ``session.newSession()`` (same context, separate views and SQL options).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from typing import TYPE_CHECKING, Any, ClassVar

from neurolake.errors import ConfigurationError
from neurolake.spark.config import SparkConfig

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from neurolake.config import Settings

__all__ = ["SparkSessionFactory"]

log = logging.getLogger("neurolake.spark")


class SparkSessionFactory:
    """Builds the Spark session a ``SparkConfig`` describes, once per process."""

    _lock: ClassVar[threading.Lock] = threading.Lock()
    _session: ClassVar[SparkSession | None] = None
    _session_config: ClassVar[SparkConfig | None] = None
    _stop_registered: ClassVar[bool] = False

    def __init__(self, config: SparkConfig) -> None:
        self.config = config

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> SparkSessionFactory:
        """A factory for the session ``settings.spark`` describes."""
        return cls(SparkConfig.from_settings(settings, **overrides))

    def builder(self) -> SparkSession.Builder:
        """The configured builder: ``remote(url)`` for ``sc://``, ``master`` and options otherwise."""
        try:
            from pyspark.sql import SparkSession
        except ImportError as e:  # pragma: no cover - pyspark is a dependency
            raise ConfigurationError("The Spark backend needs pyspark.", hint="pip install pyspark") from e
        config = self.config
        builder = SparkSession.builder
        if config.is_connect:
            builder = builder.remote(config.master)
            options = {**config.session_conf(), **config.extra}
        else:
            options = config.spark_conf()
        for key, value in options.items():
            builder = builder.config(key, value)
        return builder

    def get_spark_session(self) -> SparkSession:
        """The process's Spark session, started now with this factory's config if none runs.

        A session already running with another config is reused (Spark cannot run two) and
        a warning names the difference.
        """
        cls = type(self)
        with cls._lock:
            session = cls._session
            if session is not None and _is_alive(session):
                if cls._session_config != self.config:
                    log.warning(
                        "a Spark session (%s) is already running; reusing it instead of starting %s",
                        cls._session_config.master if cls._session_config else "?",
                        self.config.master,
                    )
                return session
            session = self._start()
            cls._session, cls._session_config = session, self.config
            if not cls._stop_registered:
                atexit.register(cls.stop)
                cls._stop_registered = True
            return session

    @classmethod
    def stop(cls) -> None:
        """Stop the process's session, if one runs; the next ``get_spark_session`` starts anew."""
        with cls._lock:
            session, cls._session, cls._session_config = cls._session, None, None
        if session is not None:
            try:
                session.stop()
            except Exception as e:  # at exit the JVM may already be gone
                log.debug("stopping the Spark session failed: %s", e)

    def _start(self) -> SparkSession:
        config = self.config
        if config.driver_ip is not None and not config.is_connect:
            # The JVM reads it at launch; without it Spark may bind a public or unresolvable address.
            os.environ["SPARK_LOCAL_IP"] = config.driver_ip
        log.info("starting Spark (%s)", config.master)
        try:
            session = self.builder().getOrCreate()
        except Exception as e:
            raise ConfigurationError(
                f"Spark could not start with master {config.master!r}: {_first_line(e)}",
                hint="Check NEUROLAKE_SPARK__MASTER, that Java 17+ is installed, and that a cluster or "
                "Spark Connect server is reachable.",
            ) from e
        if not config.is_connect:
            session.sparkContext.setLogLevel("ERROR")
        quiet_pyspark_loggers()
        return session


def quiet_pyspark_loggers() -> None:
    """Silence PySpark's own JSON error logging: NeuroLake logs each failed query once, itself."""
    from pyspark.logger import PySparkLogger

    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).setLevel(logging.CRITICAL + 1)


def _is_alive(session: Any) -> bool:
    """False once a classic session's context has stopped (Connect sessions count as alive)."""
    context = getattr(session, "_sc", None)
    return context is None or getattr(context, "_jsc", None) is not None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__
