"""SparkSessionFactory: one lazily started, thread-safe session per process, as configured."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from neurolake.config import load_settings
from neurolake.spark import SparkSessionFactory

from .conftest import TEST_SPARK_SETTINGS, spark_test_config

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def test_the_session_runs_with_the_configured_settings(spark: SparkSession) -> None:
    conf = dict(spark.sparkContext.getConf().getAll())

    assert conf["spark.master"] == "local[2]" and spark.sparkContext.master == "local[2]"
    assert conf["spark.driver.memory"] == "1g" and conf["spark.executor.memory"] == "1g"
    assert conf["spark.default.parallelism"] == "2"
    assert conf["spark.ui.enabled"] == "false" and spark.sparkContext.uiWebUrl is None
    assert conf["spark.ui.showConsoleProgress"] == "false"
    assert conf["spark.driver.host"] == "127.0.0.1" and os.environ["SPARK_LOCAL_IP"] == "127.0.0.1"
    # SQL options are in force in the session (and in the backends' new sessions).
    assert spark.conf.get("spark.sql.shuffle.partitions") == "2"
    assert spark.conf.get("spark.sql.adaptive.enabled") == "true"
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.newSession().conf.get("spark.sql.runSQLOnFiles") == "false"
    assert all(conf[key] == value for key, value in spark_test_config().spark_conf().items())


def test_one_session_per_process_whoever_asks(spark: SparkSession) -> None:
    sessions: list[SparkSession] = []
    workers = [
        threading.Thread(target=lambda: sessions.append(SparkSessionFactory(spark_test_config()).get_spark_session()))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # A factory with other settings gets the running session too: Spark cannot run two.
    other = SparkSessionFactory.from_settings(load_settings(spark={**TEST_SPARK_SETTINGS, "shuffle_partitions": 7}))

    assert len(sessions) == 4 and all(s is spark for s in sessions)
    assert other.get_spark_session() is spark


def test_reading_and_writing_parquet(spark: SparkSession, tmp_path: os.PathLike[str]) -> None:
    import pyarrow.parquet as pq

    target = os.path.join(tmp_path, "numbers")
    spark.range(0, 10).selectExpr("id", "id * id AS square").write.parquet(target)
    from_spark = spark.read.parquet(target).orderBy("id").toArrow()
    from_arrow = pq.read_table(target).sort_by("id")

    assert from_spark.column("square").to_pylist() == [i * i for i in range(10)]
    assert from_arrow.column("square").to_pylist() == from_spark.column("square").to_pylist()
