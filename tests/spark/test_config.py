"""SparkConfig: the options settings turn into (no JVM needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolake.config import load_settings
from neurolake.errors import ConfigurationError
from neurolake.spark import SparkConfig, SparkSessionFactory


def test_defaults_follow_the_settings(tmp_path: Path) -> None:
    config = SparkConfig.from_settings(load_settings(home=tmp_path))
    conf = config.spark_conf()

    assert (config.master, config.executor_memory, config.driver_memory) == ("local[2]", "8g", "4g")
    assert conf["spark.master"] == "local[2]" and conf["spark.app.name"] == "neurolake"
    assert conf["spark.executor.memory"] == "8g" and conf["spark.driver.memory"] == "4g"
    assert conf["spark.executor.cores"] == "2" and conf["spark.default.parallelism"] == "4"
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.sql.adaptive.enabled"] == "true"
    assert conf["spark.ui.enabled"] == "false" and conf["spark.ui.showConsoleProgress"] == "false"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.runSQLOnFiles"] == "false"
    # Local mode binds the driver to loopback.
    assert config.driver_ip == "127.0.0.1" and conf["spark.driver.host"] == "127.0.0.1"
    # No delta-spark configured: no Delta extension, catalog or Delta write options.
    assert not config.uses_delta_spark
    assert not any("delta" in key for key in conf)
    assert not any(key.startswith("spark.hadoop.fs.s3a") for key in conf)


def test_every_spark_setting_reaches_the_conf(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path,
        spark={
            "master": "spark://10.0.0.5:7077",
            "app_name": "nightly",
            "executor_memory": "16g",
            "driver_memory": "2g",
            "executor_cores": 4,
            "default_parallelism": 32,
            "shuffle_partitions": 64,
            "adaptive_enabled": False,
            "ui_enabled": True,
            "local_ip": "10.0.0.9",
            "jars": ["/opt/jars/extra.jar"],
            "packages": ["org.example:thing:1.0"],
        },
    )
    config = SparkConfig.from_settings(settings)
    conf = config.spark_conf()

    assert conf["spark.master"] == "spark://10.0.0.5:7077" and conf["spark.app.name"] == "nightly"
    assert (conf["spark.executor.memory"], conf["spark.driver.memory"]) == ("16g", "2g")
    assert (conf["spark.executor.cores"], conf["spark.default.parallelism"]) == ("4", "32")
    assert conf["spark.sql.shuffle.partitions"] == "64" and conf["spark.sql.adaptive.enabled"] == "false"
    assert conf["spark.ui.enabled"] == "true"
    assert conf["spark.jars"] == "/opt/jars/extra.jar" and conf["spark.jars.packages"] == "org.example:thing:1.0"
    assert not config.is_local and config.driver_ip == "10.0.0.9" and conf["spark.driver.host"] == "10.0.0.9"


def test_a_cluster_master_does_not_force_loopback(tmp_path: Path) -> None:
    config = SparkConfig.from_settings(load_settings(home=tmp_path, spark={"master": "spark://head:7077"}))

    assert config.driver_ip is None and "spark.driver.host" not in config.spark_conf()


@pytest.mark.parametrize(
    "artifacts",
    [
        {"packages": ["io.delta:delta-spark_2.13:4.0.0"]},
        {"jars": ["/opt/spark/jars/delta-spark_2.13-4.0.0.jar", "/opt/spark/jars/delta-storage-4.0.0.jar"]},
    ],
)
def test_delta_spark_switches_on_the_delta_extension_and_write_options(tmp_path: Path, artifacts: dict) -> None:
    config = SparkConfig.from_settings(load_settings(home=tmp_path, spark={**artifacts, "delta_auto_compact": False}))
    conf = config.spark_conf()

    assert config.uses_delta_spark
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.sql.catalog.spark_catalog"] == "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    assert conf["spark.databricks.delta.optimizeWrite.enabled"] == "true"
    assert conf["spark.databricks.delta.autoCompact.enabled"] == "false"


def test_s3_endpoint_credentials_and_path_style_come_from_storage_settings(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path,
        storage={
            "root": "s3://lake/prod",
            "s3_endpoint": "http://127.0.0.1:9000",
            "s3_region": "eu-west-1",
            "s3_access_key_id": "minio",
            "s3_secret_access_key": "minio-secret",
        },
    )
    config = SparkConfig.from_settings(settings)
    conf = config.spark_conf()

    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "eu-west-1"
    assert conf["spark.hadoop.fs.s3a.access.key"] == "minio"
    assert conf["spark.hadoop.fs.s3a.secret.key"] == "minio-secret"
    assert conf["spark.hadoop.fs.s3.impl"] == "org.apache.hadoop.fs.s3a.S3AFileSystem"
    assert "minio-secret" not in repr(config)  # secrets stay out of logs and tracebacks


def test_aws_s3_without_an_endpoint_uses_virtual_hosts(tmp_path: Path) -> None:
    config = SparkConfig.from_settings(load_settings(home=tmp_path, storage={"root": "s3://lake/prod"}))
    conf = config.spark_conf()

    assert "spark.hadoop.fs.s3a.path.style.access" not in conf and "spark.hadoop.fs.s3a.access.key" not in conf
    assert conf["spark.hadoop.fs.s3a.endpoint.region"] == "us-east-1"


def test_extra_options_win(tmp_path: Path) -> None:
    config = SparkConfig.from_settings(
        load_settings(home=tmp_path), extra={"spark.sql.shuffle.partitions": "3", "spark.eventLog.enabled": "true"}
    )

    assert config.spark_conf()["spark.sql.shuffle.partitions"] == "3"
    assert config.spark_conf()["spark.eventLog.enabled"] == "true"


def test_spark_connect_builds_a_remote_session_without_starting_it(tmp_path: Path) -> None:
    # No Spark Connect server runs here: the builder is checked, never asked for a session.
    factory = SparkSessionFactory.from_settings(load_settings(home=tmp_path, spark={"master": "sc://spark-head:15002"}))
    builder = factory.builder()
    options = dict(builder._options)  # type: ignore[attr-defined]

    assert factory.config.is_connect and not factory.config.is_local
    assert options["spark.remote"] == "sc://spark-head:15002"
    assert options["spark.sql.shuffle.partitions"] == "8" and options["spark.sql.session.timeZone"] == "UTC"
    # Resources and the master belong to the server, not to a Connect client.
    assert "spark.master" not in options and "spark.driver.memory" not in options


def test_a_bad_master_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="not a Spark master"):
        load_settings(home=tmp_path, spark={"master": "http://head:7077"})
