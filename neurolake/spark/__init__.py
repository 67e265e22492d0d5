"""Spark for the scale-out engine: session configuration, the session factory, snapshot reading.

``SparkConfig.from_settings(settings)`` turns ``settings.spark`` (and S3 from
``settings.storage``) into Spark options; ``SparkSessionFactory(config).get_spark_session()``
starts the process's one session on first use. The engine backend is
``neurolake.engine.spark.SparkBackend``; docs/spark.md explains clusters, jars and limits.
PySpark is imported only when a session starts.
"""

from neurolake.spark.config import S3Options, SparkConfig
from neurolake.spark.session import SparkSessionFactory

__all__ = ["S3Options", "SparkConfig", "SparkSessionFactory"]
