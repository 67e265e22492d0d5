"""Pinned snapshots and time travel in SQL: VERSION AS OF, TIMESTAMP AS OF, mixed with now."""

from __future__ import annotations

import shutil
from datetime import timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from neurolake.engine import NeuroLakeEngine
from neurolake.engine.snapshots import SnapshotResolver
from neurolake.errors import QueryValidationError, VersionNotFoundError

from .conftest import Lake


def test_version_as_of_reads_that_version(engine: NeuroLakeEngine) -> None:
    counts = [engine.execute_sql(f"SELECT count(*) FROM orders VERSION AS OF {v}").rows[0][0] for v in (0, 1, 2)]
    amount_v1 = engine.execute_sql("SELECT amount FROM orders VERSION AS OF 1 WHERE id = 1").rows

    assert counts == [4, 6, 6]
    assert amount_v1 == [(Decimal("100.00"),)]


def test_duckdb_at_version_syntax_is_the_same_request(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT count(*) FROM orders AT (VERSION => 0)")

    assert result.rows == [(4,)]
    assert result.metrics.tables_read == {"orders": [0]}


def test_timestamp_as_of_reads_the_version_current_then(lake: Lake) -> None:
    at_v0 = lake.times[0].strftime("%Y-%m-%d %H:%M:%S.%f")
    between = (lake.times[1] + (lake.times[2] - lake.times[1]) / 2).isoformat()

    first = lake.engine.execute_sql(f"SELECT count(*) FROM orders TIMESTAMP AS OF '{at_v0}'")
    middle = lake.engine.execute_sql(f"SELECT amount FROM orders TIMESTAMP AS OF '{between}' WHERE id = 1")

    assert first.rows == [(4,)] and first.metrics.tables_read == {"orders": [0]}
    assert middle.rows == [(Decimal("100.00"),)] and middle.metrics.tables_read == {"orders": [1]}


def test_time_travel_mixed_with_current_tables_in_one_query(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql(
        "SELECT now.id, old.amount AS before, now.amount AS after, c.name "
        "FROM orders now JOIN orders VERSION AS OF 0 AS old ON old.id = now.id "
        "JOIN customers c ON c.id = now.customer_id WHERE now.amount <> old.amount"
    )

    assert result.rows == [(1, Decimal("100.00"), Decimal("150.00"), "Ada")]
    assert result.metrics.tables_read == {"orders": [0, 2], "customers": [0]}


def test_unaliased_time_travel_keeps_the_table_name_for_columns(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT orders.id FROM orders VERSION AS OF 0 WHERE orders.id > 3")

    assert result.rows == [(4,)]


def test_versions_can_be_parameters(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT count(*) FROM orders VERSION AS OF $v WHERE amount > $min", {"v": 0, "min": 10})

    assert result.rows == [(3,)]


def test_unknown_versions_and_timestamps_are_clear_errors(lake: Lake) -> None:
    too_early = (lake.times[0] - timedelta(days=1)).isoformat()

    with pytest.raises(VersionNotFoundError, match="no version 7; available versions are 0 to 2"):
        lake.engine.execute_sql("SELECT * FROM orders VERSION AS OF 7")
    with pytest.raises(VersionNotFoundError, match="has no version at"):
        lake.engine.execute_sql(f"SELECT * FROM orders TIMESTAMP AS OF '{too_early}'")
    with pytest.raises(VersionNotFoundError, match="not a timestamp"):
        lake.engine.execute_sql("SELECT * FROM orders TIMESTAMP AS OF 'yesterday'")


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("SELECT * FROM orders VERSION AS OF 'two'", "needs a version number"),
        ("SELECT * FROM orders VERSION AS OF ?", "named parameter"),
        ("SELECT * FROM orders FOR VERSION BETWEEN 1 AND 2", "Only VERSION AS OF"),
        ("WITH x AS (SELECT 1) SELECT * FROM x VERSION AS OF 1", "lakehouse tables"),
    ],
)
def test_malformed_time_travel_is_a_validation_error(engine: NeuroLakeEngine, sql: str, message: str) -> None:
    with pytest.raises(QueryValidationError, match=message):
        engine.execute_sql(sql)


def test_snapshots_are_cached_and_brought_forward_incrementally(own_lake: Lake) -> None:
    resolver = SnapshotResolver(own_lake.storage)
    first = resolver.pin("products")
    again = resolver.pin("products")
    own_lake.storage.write_table(pa.table({"sku": ["d"], "price": [1.0]}), "products")
    newer = resolver.pin("products")

    assert again is first
    assert (first.version, newer.version) == (0, 1)
    assert len(newer.file_uris) == len(first.file_uris) + 1
    assert resolver.pin("products", None) is newer


def test_a_recreated_table_is_reloaded(own_lake: Lake) -> None:
    resolver = SnapshotResolver(own_lake.storage)
    before = resolver.pin("products")
    uri = own_lake.storage.table_uri("products")
    shutil.rmtree(uri)
    write_deltalake(uri, pa.table({"sku": ["only"], "price": [1.0]}))

    after = resolver.pin("products")

    assert before.version == after.version == 0
    assert after.file_uris != before.file_uris and len(after.file_uris) == 1
    assert own_lake.engine.execute_sql("SELECT sku FROM products").rows == [("only",)]


def test_partitioned_files_are_scanned_in_place_and_empty_tables_as_datasets(lake: Lake) -> None:
    resolver = SnapshotResolver(lake.storage)
    orders, empty = resolver.pin("orders"), resolver.pin("empty_events")

    assert orders.scan == "files" and orders.partition_columns == ("status",)
    assert all("/status=" in f for f in orders.file_uris)
    assert empty.scan == "dataset" and empty.scan_reason == "has no data files"


def test_column_mapped_tables_are_read_by_delta_rs_with_logical_names(own_lake: Lake) -> None:
    # Written by another Delta tool: files hold physical column names (col-<uuid>).
    uri = own_lake.storage.table_uri("mapped")
    DeltaTable.create(
        uri,
        pa.schema([("id", pa.int64()), ("full name", pa.string())]),
        configuration={
            "delta.columnMapping.mode": "name",
            "delta.minReaderVersion": "2",
            "delta.minWriterVersion": "5",
        },
    )
    write_deltalake(uri, pa.table({"id": [1, 2], "full name": ["Ada", "Bo"]}), mode="append")

    result = own_lake.engine.execute_sql('SELECT id, m."full name" FROM mapped m JOIN mapped n USING (id) ORDER BY id')
    plan = own_lake.engine.explain("SELECT * FROM mapped")

    assert result.rows == [(1, "Ada"), (2, "Bo")]
    assert plan.tables[0].scan == "delta" and "read by delta-rs (table uses column mapping)" in str(plan)
