"""Time travel by version and by timestamp, and what VACUUM does to old versions."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest

from neurolake.errors import StorageInputError, VersionNotFoundError
from neurolake.storage import DeltaStorageManager


def _three_versions(manager: DeltaStorageManager) -> list[datetime]:
    """Versions 0, 1, 2 of table ``t`` with ids [1], [1,2], [2]; returns a time after each."""
    moments = []
    manager.write_table(pa.table({"id": [1]}), "t")
    time.sleep(0.02)
    moments.append(datetime.now(UTC))
    time.sleep(0.02)
    manager.write_table(pa.table({"id": [2]}), "t")
    time.sleep(0.02)
    moments.append(datetime.now(UTC))
    time.sleep(0.02)
    manager.delete("t", "id = 1")
    time.sleep(0.02)
    moments.append(datetime.now(UTC))
    return moments


def _ids(table: pa.Table) -> list[int]:
    return sorted(table["id"].to_pylist())


def test_read_by_version(manager: DeltaStorageManager) -> None:
    _three_versions(manager)
    assert [_ids(manager.read_table("t", version=v)) for v in (0, 1, 2)] == [[1], [1, 2], [2]]
    assert manager.open_table("t", version=1).version() == 1
    assert _ids(manager.read_table("t")) == [2]


def test_read_by_timestamp(manager: DeltaStorageManager) -> None:
    after = _three_versions(manager)
    assert _ids(manager.read_table("t", timestamp=after[0])) == [1]
    assert _ids(manager.read_table("t", timestamp=after[1].isoformat())) == [1, 2]
    naive_utc = after[1].replace(tzinfo=None)
    assert manager.open_table("t", timestamp=naive_utc).version() == 1
    assert manager.open_table("t", timestamp=after[2] + timedelta(days=365)).version() == 2
    assert manager.open_table("t", timestamp=(after[2] + timedelta(days=2)).date()).version() == 2


def test_timestamp_before_the_first_commit_is_a_clear_error(manager: DeltaStorageManager) -> None:
    _three_versions(manager)
    with pytest.raises(VersionNotFoundError, match="no version at 2000-01-01") as info:
        manager.read_table("t", timestamp="2000-01-01")
    assert "oldest available version 0" in str(info.value)
    assert isinstance(info.value, LookupError)
    with pytest.raises(VersionNotFoundError, match="not a timestamp"):
        manager.read_table("t", timestamp="yesterday-ish")


def test_version_out_of_range_names_the_available_range(manager: DeltaStorageManager) -> None:
    _three_versions(manager)
    with pytest.raises(VersionNotFoundError, match="no version 7; available versions are 0 to 2"):
        manager.read_table("t", version=7)
    with pytest.raises(VersionNotFoundError, match="available versions are 0 to 2"):
        manager.open_table("t", version=-1)
    with pytest.raises(StorageInputError, match="not both"):
        manager.open_table("t", version=1, timestamp="2024-01-01")


def test_vacuum_dry_run_lists_files_and_deletes_nothing(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": [1]}), "t")
    manager.write_table(pa.table({"id": [2]}), "t", mode="overwrite")
    assert manager.vacuum("t") == []  # everything is younger than a week
    listed = manager.vacuum("t", retention_hours=0)
    assert len(listed) == 1 and listed[0].endswith(".parquet")
    assert manager.current_version("t") == 1
    assert _ids(manager.read_table("t", version=0)) == [1]


def test_vacuum_makes_old_versions_unreadable_with_a_clear_error(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": [1]}), "t")
    manager.write_table(pa.table({"id": [2]}), "t", mode="overwrite")
    removed = manager.vacuum("t", retention_hours=0, dry_run=False)
    assert len(removed) == 1

    with pytest.raises(VersionNotFoundError, match="VACUUM removed 1 of its data files") as info:
        manager.read_table("t", version=0)
    assert "current version is" in str(info.value)
    with pytest.raises(VersionNotFoundError):
        manager.open_table("t", version=0)
    # The current version and versions after the vacuum still read.
    assert _ids(manager.read_table("t")) == [2]
    assert _ids(manager.read_table("t", version=1)) == [2]


def test_vacuum_keeps_files_of_partitioned_versions_consistent(manager: DeltaStorageManager) -> None:
    data = pa.table({"id": [1, 2], "country": ["Côte d'Ivoire", "United States"]})
    manager.write_table(data, "c", partition_by=["country"])
    manager.delete("c", "id = 1")
    assert _ids(manager.read_table("c", version=0)) == [1, 2]
    manager.vacuum("c", retention_hours=0, dry_run=False)
    with pytest.raises(VersionNotFoundError):
        manager.read_table("c", version=0)
    assert _ids(manager.read_table("c")) == [2]


def test_negative_retention_is_refused(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"id": [1]}), "t")
    with pytest.raises(StorageInputError):
        manager.vacuum("t", retention_hours=-1)
