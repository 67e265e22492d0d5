"""Tables on S3 (an S3 API server on loopback): scanned through delta-rs's Arrow dataset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from neurolake.catalog import Catalog
from neurolake.engine import NeuroLakeEngine
from neurolake.storage import DeltaStorageManager
from tests.storage.conftest import s3_bucket, s3_endpoint, s3_options  # noqa: F401 - fixtures

from .conftest import make_backend


@pytest.fixture
def s3_engine(
    backend_name: str,
    tmp_path: Path,
    s3_bucket: str,  # noqa: F811 - the imported fixture
    s3_options: dict[str, str],  # noqa: F811 - the imported fixture
) -> Iterator[NeuroLakeEngine]:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    storage = DeltaStorageManager(f"s3://{s3_bucket}/lake", catalog, storage_options=s3_options)
    storage.write_table(pa.table({"id": pa.array([1, 2], pa.int64()), "city": ["Oslo", "Lima"]}), "places")
    storage.write_table(pa.table({"id": pa.array([3], pa.int64()), "city": ["Pune"]}), "places")
    engine = NeuroLakeEngine(catalog, storage, backend=make_backend(backend_name, storage))
    yield engine
    engine.close()
    catalog.dispose()


def test_s3_tables_query_and_time_travel(s3_engine: NeuroLakeEngine) -> None:
    now = s3_engine.execute_sql("SELECT city FROM places ORDER BY id")
    before = s3_engine.execute_sql("SELECT count(*) FROM places VERSION AS OF 0")
    plan = s3_engine.explain("SELECT * FROM places")

    assert now.rows == [("Oslo",), ("Lima",), ("Pune",)]
    assert before.rows == [(2,)]
    assert plan.tables[0].scan == "dataset" and "lives in an object store" in str(plan)
