"""SnapshotReader: Delta snapshots read by Spark from the file lists delta-rs resolves."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from neurolake.catalog import Catalog
from neurolake.engine.snapshots import SnapshotResolver, VersionSpec
from neurolake.errors import QueryExecutionError
from neurolake.spark.reader import SnapshotReader, _discoverable, spark_path
from neurolake.storage import DeltaStorageManager

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[DeltaStorageManager]:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    manager = DeltaStorageManager(str(tmp_path / "lakehouse"), catalog)
    yield manager
    manager.close()
    catalog.dispose()


@pytest.fixture
def reader(spark: SparkSession) -> SnapshotReader:
    return SnapshotReader(spark.newSession())


def rows(reader: SnapshotReader, storage: DeltaStorageManager, name: str, version: int | None = None) -> list[dict]:
    spec = VersionSpec("version", version) if version is not None else None
    frame = reader.dataframe(SnapshotResolver(storage).pin(name, spec))
    return sorted(frame.toArrow().to_pylist(), key=lambda r: [(v is None, str(v)) for v in r.values()])


def test_partition_values_come_from_the_add_actions(reader: SnapshotReader, storage: DeltaStorageManager) -> None:
    storage.write_table(
        pa.table(
            {
                "id": pa.array([1, 2, 3, 4], pa.int64()),
                "region": ["north", "x/y", None, "a b"],
                "day": [date(2024, 1, 1), date(2024, 1, 2), date(2024, 1, 1), date(2024, 1, 3)],
            }
        ),
        "visits",
        partition_by=["region", "day"],
    )
    snapshot = SnapshotResolver(storage).pin("visits")
    frame = reader.dataframe(snapshot)

    assert frame.columns == ["id", "region", "day"]  # the table's order, not partitions last
    assert rows(reader, storage, "visits") == [
        {"id": 1, "region": "north", "day": date(2024, 1, 1)},
        {"id": 2, "region": "x/y", "day": date(2024, 1, 2)},
        {"id": 3, "region": None, "day": date(2024, 1, 1)},
        {"id": 4, "region": "a b", "day": date(2024, 1, 3)},
    ]
    # One scan with Spark's partition discovery: a filter on a partition column prunes files.
    plan = frame.where("region = 'north'")._jdf.queryExecution().executedPlan().toString()  # type: ignore[attr-defined]
    assert "PartitionFilters: [isnotnull(region" in plan


def test_values_spark_would_misread_from_folder_names_are_added_as_literals(
    reader: SnapshotReader, storage: DeltaStorageManager
) -> None:
    # Spark decodes %C3%A9 in a folder name byte by byte ("Ã©"); the add action says "é".
    storage.write_table(
        pa.table({"n": pa.array([1, 2, 3], pa.int64()), "city": ["Zürich", "Orléans", "Oslo"]}),
        "cities",
        partition_by=["city"],
    )
    snapshot = SnapshotResolver(storage).pin("cities")
    root, files = reader._files(snapshot)

    assert not _discoverable(snapshot, root, files)
    assert rows(reader, storage, "cities") == [
        {"n": 1, "city": "Zürich"},
        {"n": 2, "city": "Orléans"},
        {"n": 3, "city": "Oslo"},
    ]


def test_evolved_schemas_read_each_version_with_its_own_columns(
    reader: SnapshotReader, storage: DeltaStorageManager
) -> None:
    storage.write_table(pa.table({"id": pa.array([1], pa.int64()), "price": [Decimal("1.50")]}), "items")
    storage.write_table(
        pa.table({"id": pa.array([2], pa.int64()), "price": [Decimal("2.00")], "note": ["new"]}),
        "items",
        schema_mode="merge",
    )

    assert rows(reader, storage, "items", 0) == [{"id": 1, "price": Decimal("1.50")}]
    assert rows(reader, storage, "items") == [
        {"id": 1, "price": Decimal("1.50"), "note": None},
        {"id": 2, "price": Decimal("2.00"), "note": "new"},
    ]


def test_an_empty_table_has_its_schema(reader: SnapshotReader, storage: DeltaStorageManager) -> None:
    storage.create_table("events", {"id": "bigint", "at": "timestamp_ntz"})

    frame = reader.dataframe(SnapshotResolver(storage).pin("events"))

    assert frame.toArrow().schema == pa.schema([("id", pa.int64()), ("at", pa.timestamp("us"))])


def test_tables_needing_delta_features_are_refused_without_delta_spark(
    reader: SnapshotReader, storage: DeltaStorageManager
) -> None:
    uri = storage.table_uri("mapped")
    DeltaTable.create(
        uri,
        pa.schema([("id", pa.int64())]),
        configuration={
            "delta.columnMapping.mode": "name",
            "delta.minReaderVersion": "2",
            "delta.minWriterVersion": "5",
        },
    )
    write_deltalake(uri, pa.table({"id": [1]}), mode="append")

    with pytest.raises(QueryExecutionError, match="only through delta-spark") as refused:
        reader.dataframe(SnapshotResolver(storage).pin("mapped"))
    assert "NEUROLAKE_SPARK__PACKAGES" in str(refused.value)


def test_paths_spark_reads() -> None:
    assert spark_path("file:///tmp/lake%20one/t") == "/tmp/lake one/t"
    assert spark_path("s3://bucket/lake/t/part-0.parquet") == "s3a://bucket/lake/t/part-0.parquet"
    assert spark_path("/tmp/lake/t") == "/tmp/lake/t"
