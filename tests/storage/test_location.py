"""Tables on S3 (a real moto S3 API server on loopback) and the commit modes."""

from __future__ import annotations

import threading

import pyarrow as pa
import pytest

from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.config import load_settings
from neurolake.errors import CommitConflictError, ConfigurationError, TableNotFoundError, VersionNotFoundError
from neurolake.storage import DeltaStorageManager
from neurolake.storage.location import commit_mode_options, join, normalize_root, options_from_settings


def _s3_manager(bucket: str, options: dict[str, str], catalog: Catalog, mode: str) -> DeltaStorageManager:
    return DeltaStorageManager(f"s3://{bucket}/lake", catalog, storage_options=options, s3_commit_mode=mode)


def test_round_trip_time_travel_and_catalog_on_s3(s3_bucket: str, s3_options: dict[str, str], catalog: Catalog) -> None:
    storage = _s3_manager(s3_bucket, s3_options, catalog, "conditional_put")
    assert storage.list_tables() == []
    storage.write_table(pa.table({"id": [1, 2], "country": ["NO", "SE"]}), "customers", partition_by=["country"])
    storage.merge(pa.table({"id": [2, 3], "country": ["SE", "DK"]}), "customers", on="id")

    assert storage.list_tables() == ["customers"]
    assert storage.table_uri("customers") == f"s3://{s3_bucket}/lake/customers"
    assert sorted(storage.read_table("customers")["id"].to_pylist()) == [1, 2, 3]
    assert sorted(storage.read_table("customers", version=0)["id"].to_pylist()) == [1, 2]
    assert storage.stats("customers").rows == 3
    with catalog.session() as s:
        row = tables_repo.get_table(s, "customers")
        assert row is not None
        assert (row.location, row.current_version) == (f"s3://{s3_bucket}/lake/customers", 1)
    with pytest.raises(TableNotFoundError, match="Did you mean 'customers'"):
        storage.read_table("customer")


def test_vacuum_on_s3_makes_old_versions_a_clear_error(
    s3_bucket: str, s3_options: dict[str, str], catalog: Catalog
) -> None:
    storage = _s3_manager(s3_bucket, s3_options, catalog, "single_writer")
    storage.write_table(pa.table({"id": [1]}), "t")
    storage.write_table(pa.table({"id": [2]}), "t", mode="overwrite")
    assert len(storage.vacuum("t", retention_hours=0, dry_run=False)) == 1
    with pytest.raises(VersionNotFoundError, match="VACUUM"):
        storage.read_table("t", version=0)
    assert storage.read_table("t")["id"].to_pylist() == [2]


def _concurrent_appends(storage: DeltaStorageManager, writers: int) -> list[BaseException]:
    storage.create_table("events", {"writer": "int"})
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def append(writer: int) -> None:
        barrier.wait()
        try:
            storage.write_table(pa.table({"writer": [writer] * 1000}), "events")
        except BaseException as e:  # collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_conditional_put_lets_concurrent_writers_all_land(
    s3_bucket: str, s3_options: dict[str, str], catalog: Catalog
) -> None:
    storage = _s3_manager(s3_bucket, s3_options, catalog, "conditional_put")
    assert _concurrent_appends(storage, 4) == []
    assert storage.read_table("events").num_rows == 4000
    assert storage.current_version("events") == 4


def test_single_writer_mode_refuses_concurrent_writers_and_names_the_safe_setting(
    s3_bucket: str, s3_options: dict[str, str], catalog: Catalog
) -> None:
    storage = _s3_manager(s3_bucket, s3_options, catalog, "single_writer")
    errors = _concurrent_appends(storage, 4)
    assert errors, "overlapping writers were not refused"
    for error in errors:
        assert isinstance(error, CommitConflictError)
        assert "NEUROLAKE_STORAGE__S3_COMMIT_MODE=conditional_put" in str(error)
    # Whatever was refused wrote nothing; whatever landed is all there.
    landed = 4 - len(errors)
    assert storage.read_table("events").num_rows == 1000 * landed
    assert storage.current_version("events") == landed


def test_single_writer_mode_refuses_a_race_lost_to_another_writer(
    s3_bucket: str, s3_options: dict[str, str], catalog: Catalog
) -> None:
    # Separate managers share no in-process guard, like separate processes.
    writers = [_s3_manager(s3_bucket, s3_options, catalog, "single_writer") for _ in range(3)]
    writers[0].create_table("events", {"writer": "int"})
    barrier = threading.Barrier(len(writers))
    errors: list[BaseException] = []
    landed = []

    def append(index: int) -> None:
        barrier.wait()
        for _ in range(2):
            try:
                writers[index].write_table(pa.table({"writer": [index] * 100}), "events")
                landed.append(index)
            except BaseException as e:  # collected and asserted on below
                errors.append(e)

    threads = [threading.Thread(target=append, args=(i,)) for i in range(len(writers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(isinstance(e, CommitConflictError) and "S3_COMMIT_MODE=conditional_put" in str(e) for e in errors)
    assert writers[0].read_table("events").num_rows == 100 * len(landed)
    assert writers[0].current_version("events") == len(landed)


def test_settings_map_to_s3_storage_options(s3_endpoint: str) -> None:
    settings = load_settings(
        storage={
            "root": "s3://bucket/lake",
            "s3_endpoint": s3_endpoint,
            "s3_access_key_id": "key",
            "s3_secret_access_key": "secret",
            "s3_allow_http": True,
            "s3_region": "eu-north-1",
        }
    )
    assert options_from_settings(settings) == {
        "AWS_REGION": "eu-north-1",
        "AWS_ENDPOINT_URL": s3_endpoint,
        "AWS_ACCESS_KEY_ID": "key",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_ALLOW_HTTP": "true",
    }


def test_from_settings_on_s3_carries_commit_mode_and_retries(
    s3_bucket: str, s3_endpoint: str, catalog: Catalog
) -> None:
    settings = load_settings(
        storage={
            "root": f"s3a://{s3_bucket}/lake/",
            "s3_endpoint": s3_endpoint,
            "s3_access_key_id": "neurolake-test",
            "s3_secret_access_key": "neurolake-test-secret",
            "s3_allow_http": True,
            "s3_commit_mode": "conditional_put",
            "commit_retries": 2,
        }
    )
    storage = DeltaStorageManager.from_settings(settings, catalog=catalog)
    assert storage.root == f"s3://{s3_bucket}/lake"
    assert storage.commit_retries == 2
    assert storage.storage_options["aws_conditional_put"] == "etag"
    storage.write_table(pa.table({"x": [1]}), "t")
    assert storage.read_table("t")["x"].to_pylist() == [1]


def test_commit_modes() -> None:
    assert commit_mode_options("conditional_put") == {"aws_conditional_put": "etag"}
    assert commit_mode_options("single_writer") == {}
    with pytest.raises(ConfigurationError, match="conditional_put"):
        commit_mode_options("dynamodb")
    with pytest.raises(ConfigurationError):
        commit_mode_options("yolo")


def test_root_normalization() -> None:
    assert normalize_root("file:///data/lake/") == "/data/lake"
    assert normalize_root("s3a://b/p/") == "s3://b/p"
    assert join("s3://b/p", "orders") == "s3://b/p/orders"
