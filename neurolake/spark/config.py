"""SparkConfig: every Spark option NeuroLake sets, derived once from ``settings.spark``.

The config is plain data (no Spark import), so it can be built, compared and tested without a
JVM. ``spark_conf()`` is the full option map a classic session starts with; ``session_conf()``
is the part a Spark Connect server accepts from a client (runtime SQL options only).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from pydantic import SecretStr

if TYPE_CHECKING:
    from neurolake.config import Settings

__all__ = ["S3Options", "SparkConfig"]

#: Jar and package names that bring native Delta Lake support (delta-core before Delta 3.0).
_DELTA_ARTIFACTS = re.compile(r"(^|[/:])delta-(spark|core)[_-]", re.IGNORECASE)
_LOCAL_MASTER = re.compile(r"^local(\[(\d+|\*)\])?$")


@dataclass(frozen=True)
class S3Options:
    """How Spark's S3A filesystem reaches the lakehouse bucket (from ``settings.storage``)."""

    endpoint: str | None = None
    region: str | None = None
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None

    def hadoop_conf(self) -> dict[str, str]:
        """``spark.hadoop.fs.s3a.*`` options; ``s3://`` paths are served by S3A too."""
        conf = {
            "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "spark.hadoop.fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        }
        if self.region:
            conf["spark.hadoop.fs.s3a.endpoint.region"] = self.region
        if self.endpoint:
            # MinIO and most S3 API servers serve buckets as paths, not as subdomains.
            conf["spark.hadoop.fs.s3a.endpoint"] = self.endpoint
            conf["spark.hadoop.fs.s3a.path.style.access"] = "true"
            conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(urlparse(self.endpoint).scheme == "https").lower()
        if self.access_key_id is not None and self.secret_access_key is not None:
            conf["spark.hadoop.fs.s3a.aws.credentials.provider"] = (
                "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
            )
            conf["spark.hadoop.fs.s3a.access.key"] = self.access_key_id.get_secret_value()
            conf["spark.hadoop.fs.s3a.secret.key"] = self.secret_access_key.get_secret_value()
        return conf


@dataclass(frozen=True)
class SparkConfig:
    """The Spark session NeuroLake asks for: master, resources, SQL behaviour, jars, S3."""

    master: str = "local[2]"
    app_name: str = "neurolake"
    driver_memory: str = "4g"
    executor_memory: str = "8g"
    executor_cores: int = 2
    default_parallelism: int = 4
    shuffle_partitions: int = 8
    adaptive: bool = True
    ui_enabled: bool = False
    console_progress: bool = False
    #: Address the driver binds to; local mode defaults to loopback.
    local_ip: str | None = None
    jars: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()
    delta_optimize_write: bool = True
    delta_auto_compact: bool = True
    s3: S3Options | None = None
    #: Any further ``spark.*`` option; applied last, so it wins.
    extra: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> SparkConfig:
        """The config ``settings.spark`` (and, for S3 roots, ``settings.storage``) describe."""
        spark, storage = settings.spark, settings.storage
        s3 = None
        if settings.lakehouse_root.startswith(("s3://", "s3a://")) or storage.s3_endpoint:
            s3 = S3Options(
                endpoint=storage.s3_endpoint,
                region=storage.s3_region,
                access_key_id=storage.s3_access_key_id,
                secret_access_key=storage.s3_secret_access_key,
            )
        values: dict[str, object] = {
            "master": spark.master,
            "app_name": spark.app_name,
            "driver_memory": spark.driver_memory,
            "executor_memory": spark.executor_memory,
            "executor_cores": spark.executor_cores,
            "default_parallelism": spark.default_parallelism,
            "shuffle_partitions": spark.shuffle_partitions,
            "adaptive": spark.adaptive_enabled,
            "ui_enabled": spark.ui_enabled,
            "local_ip": spark.local_ip,
            "jars": tuple(spark.jars),
            "packages": tuple(spark.packages),
            "delta_optimize_write": spark.delta_optimize_write,
            "delta_auto_compact": spark.delta_auto_compact,
            "s3": s3,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    # ----------------------------------------------------------------------------- kinds

    @property
    def is_local(self) -> bool:
        """``local`` / ``local[N]``: driver and executors in this process's JVM."""
        return bool(_LOCAL_MASTER.match(self.master))

    @property
    def is_connect(self) -> bool:
        """An ``sc://`` URL: a Spark Connect server runs the queries; this process is a client."""
        return self.master.startswith("sc://")

    @property
    def uses_delta_spark(self) -> bool:
        """True when delta-spark is among the jars or packages: Delta is then read natively."""
        return any(_DELTA_ARTIFACTS.search(item) for item in (*self.jars, *self.packages))

    @property
    def driver_ip(self) -> str | None:
        """The ``SPARK_LOCAL_IP`` to use: the setting, else loopback in local mode."""
        return self.local_ip or ("127.0.0.1" if self.is_local else None)

    # ----------------------------------------------------------------------------- options

    def session_conf(self) -> dict[str, str]:
        """Runtime SQL options: what every session gets, Spark Connect included."""
        conf = {
            "spark.sql.shuffle.partitions": str(self.shuffle_partitions),
            "spark.sql.adaptive.enabled": str(self.adaptive).lower(),
            "spark.sql.adaptive.coalescePartitions.enabled": str(self.adaptive).lower(),
            # Timestamps with a zone come back in UTC, as on DuckDB.
            "spark.sql.session.timeZone": "UTC",
        }
        if self.uses_delta_spark:
            conf["spark.databricks.delta.optimizeWrite.enabled"] = str(self.delta_optimize_write).lower()
            conf["spark.databricks.delta.autoCompact.enabled"] = str(self.delta_auto_compact).lower()
        return conf

    def spark_conf(self) -> dict[str, str]:
        """Every option a classic (non-Connect) session starts with."""
        conf = {
            "spark.app.name": self.app_name,
            "spark.master": self.master,
            "spark.driver.memory": self.driver_memory,
            "spark.executor.memory": self.executor_memory,
            "spark.executor.cores": str(self.executor_cores),
            "spark.default.parallelism": str(self.default_parallelism),
            "spark.ui.enabled": str(self.ui_enabled).lower(),
            "spark.ui.showConsoleProgress": str(self.console_progress).lower(),
            # Second wall: no `parquet.`/any/path`` queries, whatever SQL reaches Spark.
            "spark.sql.runSQLOnFiles": "false",
            **self.session_conf(),
        }
        if self.driver_ip is not None:
            conf["spark.driver.host"] = self.driver_ip
            conf["spark.driver.bindAddress"] = self.driver_ip
        if self.jars:
            conf["spark.jars"] = ",".join(self.jars)
        if self.packages:
            conf["spark.jars.packages"] = ",".join(self.packages)
        if self.uses_delta_spark:
            conf["spark.sql.extensions"] = "io.delta.sql.DeltaSparkSessionExtension"
            conf["spark.sql.catalog.spark_catalog"] = "org.apache.spark.sql.delta.catalog.DeltaCatalog"
        if self.s3 is not None:
            conf.update(self.s3.hadoop_conf())
        conf.update(self.extra)
        return conf
