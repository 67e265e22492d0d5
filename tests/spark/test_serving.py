"""A server (``neurolake serve``, the chat) starts Spark at launch and keeps one session for every query."""

from __future__ import annotations

import time
from pathlib import Path

from agents.warming import WarmingService
from neurolake.config import load_settings
from neurolake.engine.spark import SparkBackend
from neurolake.platform import NeuroLake

from .conftest import TEST_SPARK_SETTINGS, shared_spark_session


def test_a_server_starts_spark_at_launch_and_answers_every_query_on_that_session(tmp_path: Path) -> None:
    context = shared_spark_session().sparkContext
    platform = NeuroLake.from_settings(
        load_settings(home=tmp_path / "home", engine={"backend": "spark"}, spark=TEST_SPARK_SETTINGS)
    )
    warming = WarmingService(platform)
    backend = platform.engine.backend
    assert isinstance(backend, SparkBackend)
    try:
        warming.warm_up()  # what the chat and `neurolake serve` do at launch
        deadline = time.monotonic() + 120
        while backend._spark is None and time.monotonic() < deadline:
            time.sleep(0.1)
        started = backend._spark

        answers = [platform.engine.execute_sql(f"SELECT {n} AS n", use_cache=False).rows for n in (1, 2)]

        assert started is not None, "the server did not start Spark at launch"
        assert answers == [[(1,)], [(2,)]]
        assert backend.spark is started and started.sparkContext.applicationId == context.applicationId
    finally:
        warming.close()
        platform.close()
