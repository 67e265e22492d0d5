"""DeltaStorageManager on real Delta tables in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from deltalake import DeltaTable, write_deltalake

from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import (
    NeuroLakeError,
    SchemaMismatchError,
    StorageInputError,
    TableNotFoundError,
)
from neurolake.storage import DeltaStorageManager


def _people(ids: list[int], names: list[str] | None = None) -> pa.Table:
    names = names or [f"p{i}" for i in ids]
    return pa.table({"id": pa.array(ids, pa.int64()), "name": names})


def _catalog_row(catalog: Catalog, name: str) -> tables_repo.CatalogTable | None:  # type: ignore[name-defined]
    with catalog.session() as s:
        return tables_repo.get_table(s, name)


def test_create_table_from_type_mapping_registers_it_in_the_catalog(
    manager: DeltaStorageManager, catalog: Catalog
) -> None:
    table = manager.create_table(
        "sales", {"id": "bigint", "region": "string", "amount": "decimal(10,2)"}, partition_by=["region"]
    )

    assert table.version() == 0
    assert manager.list_tables() == ["sales"]
    row = _catalog_row(catalog, "sales")
    assert row is not None
    assert row.current_version == 0
    assert row.partition_by == ["region"]
    assert [(c.name, c.type) for c in row.columns] == [
        ("id", "BIGINT"),
        ("region", "VARCHAR"),
        ("amount", "DECIMAL(10,2)"),
    ]
    assert row.location == manager.table_uri("sales")


def test_create_table_twice_is_refused_unless_exist_ok(manager: DeltaStorageManager) -> None:
    manager.create_table("t", {"id": "int"})
    with pytest.raises(StorageInputError, match="already exists"):
        manager.create_table("t", {"id": "int"})
    assert manager.create_table("t", {"id": "int"}, exist_ok=True).version() == 0


def test_create_table_with_unknown_type_or_partition_column_is_refused(manager: DeltaStorageManager) -> None:
    with pytest.raises(StorageInputError, match="Unknown column type 'money'"):
        manager.create_table("t", {"id": "money"})
    with pytest.raises(StorageInputError, match="partition"):
        manager.create_table("t", {"id": "int"}, partition_by=["nope"])
    assert manager.list_tables() == []


@pytest.mark.parametrize("bad", ["Orders", "1st", "my-table", "a b", "", "x" * 64, "../etc"])
def test_bad_table_names_are_value_errors(manager: DeltaStorageManager, bad: str) -> None:
    with pytest.raises(StorageInputError) as info:
        manager.write_table(_people([1]), bad)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, NeuroLakeError)
    assert "not a valid table name" in str(info.value)


def test_write_creates_then_appends_and_overwrites(manager: DeltaStorageManager, catalog: Catalog) -> None:
    assert manager.write_table(_people([1, 2]), "people") == 0
    assert manager.write_table(_people([3]), "people") == 1
    assert sorted(manager.read_table("people")["id"].to_pylist()) == [1, 2, 3]

    assert manager.write_table(_people([9]), "people", mode="overwrite") == 2
    assert manager.read_table("people")["id"].to_pylist() == [9]
    row = _catalog_row(catalog, "people")
    assert row is not None
    assert (row.current_version, row.row_count) == (2, 1)
    assert row.size_bytes and row.size_bytes > 0


def test_overwrite_with_predicate_replaces_only_matching_rows(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": [1, 2, 3], "day": ["mon", "tue", "tue"]}), "visits")
    manager.write_table(pa.table({"id": [7], "day": ["tue"]}), "visits", mode="overwrite", predicate="day = 'tue'")
    assert sorted(manager.read_table("visits")["id"].to_pylist()) == [1, 7]


def test_write_accepts_pandas_and_record_batch_readers(manager: DeltaStorageManager) -> None:
    manager.write_table(pd.DataFrame({"id": [1, 2], "name": ["a", "b"]}), "people")
    reader = pa.RecordBatchReader.from_batches(_people([3]).schema, _people([3]).to_batches())
    manager.write_table(reader, "people")
    frame = manager.read_pandas("people")
    assert sorted(frame["id"]) == [1, 2, 3]


def test_write_refuses_non_data(manager: DeltaStorageManager) -> None:
    with pytest.raises(StorageInputError, match="Cannot write data of type"):
        manager.write_table([1, 2, 3], "people")


def test_partitioned_table_keeps_partitions_and_reads_back(manager: DeltaStorageManager, catalog: Catalog) -> None:
    data = pa.table({"id": [1, 2, 3], "country": ["United States", "France", "France"]})
    manager.write_table(data, "customers", partition_by=["country"])
    table = manager.open_table("customers")
    assert table.metadata().partition_columns == ["country"]
    assert sorted(table.partitions(), key=str) == [{"country": "France"}, {"country": "United States"}]
    assert manager.read_table("customers").num_rows == 3
    with pytest.raises(StorageInputError, match="partitioned by"):
        manager.write_table(data, "customers", partition_by=["id"])


def test_new_columns_need_schema_mode_merge(manager: DeltaStorageManager, catalog: Catalog) -> None:
    manager.write_table(_people([1]), "people")
    wider = pa.table({"id": [2], "name": ["b"], "email": ["b@example.com"]})

    with pytest.raises(SchemaMismatchError, match="schema_mode='merge'"):
        manager.write_table(wider, "people")
    assert manager.current_version("people") == 0

    manager.write_table(wider, "people", schema_mode="merge")
    rows = sorted(manager.read_table("people").to_pylist(), key=lambda r: r["id"])
    assert rows == [
        {"id": 1, "name": "p1", "email": None},
        {"id": 2, "name": "b", "email": "b@example.com"},
    ]
    row = _catalog_row(catalog, "people")
    assert row is not None
    assert [c.name for c in row.columns] == ["id", "name", "email"]


def test_incompatible_type_change_is_refused_and_table_unchanged(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1, 2]), "people")
    before = manager.read_table("people")
    bad = pa.table({"id": ["three"], "name": ["c"]})

    for schema_mode in (None, "merge"):
        with pytest.raises(SchemaMismatchError, match="'id' is BIGINT in the table but VARCHAR") as info:
            manager.write_table(bad, "people", schema_mode=schema_mode)
        assert "left unchanged" in str(info.value)
    assert manager.current_version("people") == 0
    assert manager.read_table("people").equals(before)


def test_compatible_types_are_widened_and_missing_columns_null_filled(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": pa.array([1], pa.int64()), "score": pa.array([1.5], pa.float64())}), "m")
    manager.write_table(pa.table({"id": pa.array([2], pa.int32()), "score": pa.array([3], pa.int16())}), "m")
    manager.write_table(pa.table({"id": pa.array([3], pa.int8())}), "m")
    table = manager.read_table("m")
    assert table.schema.field("id").type == pa.int64()
    assert sorted(table.to_pylist(), key=lambda r: r["id"]) == [
        {"id": 1, "score": 1.5},
        {"id": 2, "score": 3.0},
        {"id": 3, "score": None},
    ]


def test_values_that_overflow_the_column_are_refused(manager: DeltaStorageManager) -> None:
    manager.create_table("small", {"n": "tinyint"})
    with pytest.raises(SchemaMismatchError):
        manager.write_table(pa.table({"n": pa.array([1000], pa.int64())}), "small")
    assert manager.current_version("small") == 0


def test_a_bad_batch_late_in_a_stream_writes_nothing(manager: DeltaStorageManager) -> None:
    manager.create_table("small", {"n": "tinyint"})
    schema = pa.schema([("n", pa.int64())])
    batches = [pa.record_batch([pa.array([1, 2])], schema=schema), pa.record_batch([pa.array([999])], schema=schema)]
    with pytest.raises(SchemaMismatchError, match="small"):
        manager.write_table(pa.RecordBatchReader.from_batches(schema, batches), "small")
    assert manager.current_version("small") == 0
    assert manager.read_table("small").num_rows == 0


def test_merge_upserts_and_counts(manager: DeltaStorageManager) -> None:
    assert manager.merge(_people([1, 2]), "people", on="id") == {"inserted": 2, "updated": 0, "version": 0}
    result = manager.merge(_people([2, 3], ["TWO", "three"]), "people", on=["id"])
    assert result == {"inserted": 1, "updated": 1, "version": 1}
    rows = sorted(manager.read_table("people").to_pylist(), key=lambda r: r["id"])
    assert rows == [{"id": 1, "name": "p1"}, {"id": 2, "name": "TWO"}, {"id": 3, "name": "three"}]


def test_merge_on_quoted_multi_column_keys(manager: DeltaStorageManager) -> None:
    first = pa.table({"Order ID": [1, 1], "line": [1, 2], "qty": [5, 6]})
    manager.merge(first, "lines", on=["Order ID", "line"])
    result = manager.merge(pa.table({"Order ID": [1], "line": [2], "qty": [60]}), "lines", on=["Order ID", "line"])
    assert result == {"inserted": 0, "updated": 1, "version": 1}
    assert sorted(manager.read_table("lines")["qty"].to_pylist()) == [5, 60]


def test_merge_refuses_duplicate_or_unknown_keys_without_writing(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1]), "people")
    with pytest.raises(StorageInputError, match="more than once"):
        manager.merge(_people([2, 2]), "people", on="id")
    with pytest.raises(StorageInputError, match="Unknown merge key"):
        manager.merge(_people([2]), "people", on="email")
    assert manager.current_version("people") == 0


def test_merge_with_new_column_needs_schema_mode(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1]), "people")
    wider = pa.table({"id": [1], "name": ["one"], "vip": [True]})
    with pytest.raises(SchemaMismatchError):
        manager.merge(wider, "people", on="id")
    assert manager.merge(wider, "people", on="id", schema_mode="merge") == {"inserted": 0, "updated": 1, "version": 1}
    assert manager.read_table("people").to_pylist() == [{"id": 1, "name": "one", "vip": True}]


def test_delete_and_update_return_counts(manager: DeltaStorageManager, catalog: Catalog) -> None:
    manager.write_table(pa.table({"id": [1, 2, 3], "price": [10.0, 20.0, 30.0], "tag": ["a", "b", "c"]}), "p")

    assert manager.update("p", {"price": "price * 2", "tag": "'sale'"}, "id >= 2") == {"updated": 2, "version": 1}
    assert manager.update("p", {"tag": None}, "id = 1") == {"updated": 1, "version": 2}
    assert manager.delete("p", "price > 50") == {"deleted": 1, "version": 3}

    rows = sorted(manager.read_table("p").to_pylist(), key=lambda r: r["id"])
    assert rows == [{"id": 1, "price": 10.0, "tag": None}, {"id": 2, "price": 40.0, "tag": "sale"}]
    row = _catalog_row(catalog, "p")
    assert row is not None
    assert (row.current_version, row.row_count) == (3, 2)


def test_update_of_unknown_column_and_bad_predicate_are_clear_errors(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1]), "people")
    with pytest.raises(StorageInputError, match="Unknown updated column"):
        manager.update("people", {"nope": 1})
    with pytest.raises(NeuroLakeError, match="people"):
        manager.delete("people", "no_such_column = 1")
    assert manager.current_version("people") == 0


def test_unknown_table_suggests_close_names(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1]), "orders")
    manager.write_table(_people([1]), "order_items")
    with pytest.raises(TableNotFoundError, match="Did you mean 'orders'") as info:
        manager.read_table("order")
    assert isinstance(info.value, LookupError)
    with pytest.raises(TableNotFoundError, match="neurolake tables"):
        manager.open_table("zzz")
    with pytest.raises(TableNotFoundError):
        manager.delete("ordrs", "id = 1")


def test_read_selected_columns(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1, 2]), "people")
    assert manager.read_table("people", columns=["name"]).column_names == ["name"]


def test_history_lists_commits_newest_first(manager: DeltaStorageManager) -> None:
    manager.write_table(_people([1]), "people")
    manager.write_table(_people([2]), "people")
    manager.delete("people", "id = 1")
    history = manager.history("people")
    assert [h["version"] for h in history] == [2, 1, 0]
    assert [h["operation"] for h in history] == ["DELETE", "WRITE", "WRITE"]
    assert history[0]["timestamp"].tzinfo is not None
    assert history[0]["timestamp"] >= history[-1]["timestamp"]
    assert history[1]["metrics"]["num_added_rows"] == 1
    assert len(manager.history("people", limit=1)) == 1


def test_optimize_compacts_and_zorders(manager: DeltaStorageManager, catalog: Catalog) -> None:
    for i in range(4):
        manager.write_table(_people([i]), "people")
    assert manager.stats("people").files == 4

    metrics = manager.optimize("people")
    assert metrics["numFilesRemoved"] == 4
    assert metrics["numFilesAdded"] == 1
    assert manager.stats("people").files == 1
    assert sorted(manager.read_table("people")["id"].to_pylist()) == [0, 1, 2, 3]

    zordered = manager.optimize("people", zorder_by=["id", "name"])
    assert zordered["version"] == manager.current_version("people")
    row = _catalog_row(catalog, "people")
    assert row is not None
    assert row.current_version == zordered["version"]
    with pytest.raises(StorageInputError, match="Z-order"):
        manager.optimize("people", zorder_by=["nope"])


def test_stats_come_from_the_delta_log(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": [1, 2, None], "city": ["Oslo", "Bergen", "Oslo"]}), "c")
    manager.write_table(pa.table({"id": [10], "city": [None]}), "c")
    stats = manager.stats("c")
    assert (stats.rows, stats.files, stats.version) == (4, 2, 1)
    assert stats.size_bytes == sum(pa.table(manager.open_table("c").get_add_actions())["size_bytes"].to_pylist())
    assert (stats.columns["id"].min, stats.columns["id"].max, stats.columns["id"].null_count) == (1, 10, 1)
    assert (stats.columns["city"].min, stats.columns["city"].max, stats.columns["city"].null_count) == (
        "Bergen",
        "Oslo",
        1,
    )
    assert stats.to_dict()["columns"]["id"] == {"min": 1, "max": 10, "null_count": 1}


def test_stats_of_partition_columns_use_partition_values(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": [1, 2], "year": [2023, 2024]}), "y", partition_by=["year"])
    stats = manager.stats("y")
    assert (stats.columns["year"].min, stats.columns["year"].max) == (2023, 2024)


def test_stats_of_empty_table(manager: DeltaStorageManager) -> None:
    manager.create_table("empty", {"id": "bigint"})
    stats = manager.stats("empty")
    assert (stats.rows, stats.files, stats.size_bytes) == (0, 0, 0)
    assert stats.columns["id"].min is None


def test_discover_registers_tables_written_outside_neurolake(
    manager: DeltaStorageManager, catalog: Catalog, lake_root: Path
) -> None:
    write_deltalake(str(lake_root / "imported"), pa.table({"x": [1, 2, 3]}))
    write_deltalake(str(lake_root / "imported"), pa.table({"x": [4]}), mode="append")
    (lake_root / "Not_A_Table").mkdir()
    (lake_root / "plain_folder").mkdir()

    assert manager.list_tables() == ["imported"]
    assert _catalog_row(catalog, "imported") is None
    assert manager.discover() == ["imported"]
    row = _catalog_row(catalog, "imported")
    assert row is not None
    assert (row.current_version, row.row_count) == (1, 4)
    assert manager.discover() == []


def test_discover_repairs_a_catalog_that_lags_and_forgets_removed_tables(
    manager: DeltaStorageManager, catalog: Catalog, lake_root: Path
) -> None:
    manager.write_table(_people([1]), "people")
    manager.write_table(_people([1]), "gone")
    # Another program commits behind the manager's back; the catalog now lags.
    write_deltalake(str(lake_root / "people"), _people([2]), mode="append")
    import shutil

    shutil.rmtree(lake_root / "gone")

    assert manager.discover() == ["people"]
    row = _catalog_row(catalog, "people")
    assert row is not None
    assert row.current_version == 1
    assert _catalog_row(catalog, "gone") is None


def test_catalog_failure_does_not_lose_the_write_and_is_repaired(
    manager: DeltaStorageManager, catalog: Catalog, lake_root: Path
) -> None:
    manager.write_table(_people([1]), "people")
    # Break the catalog for real (its tables table disappears), write, then mend it.
    with catalog.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE tables RENAME TO tables_away")
    assert manager.write_table(_people([2]), "people") == 1
    assert DeltaTable(str(lake_root / "people")).version() == 1
    with catalog.engine.begin() as conn:
        conn.exec_driver_sql("ALTER TABLE tables_away RENAME TO tables")
    row = _catalog_row(catalog, "people")
    assert row is not None
    assert row.current_version == 0  # lagging, never ahead

    manager.open_table("people")  # the next use repairs the stale row
    row = _catalog_row(catalog, "people")
    assert row is not None
    assert (row.current_version, row.row_count) == (1, 2)


def test_from_settings_uses_the_lakehouse_root(settings, catalog: Catalog) -> None:  # type: ignore[no-untyped-def]
    storage = DeltaStorageManager.from_settings(settings, catalog=catalog)
    assert storage.root == settings.lakehouse_root
    assert storage.storage_options == {}
    storage.write_table(_people([1]), "people")
    assert Path(settings.lakehouse_root, "people", "_delta_log").is_dir()
