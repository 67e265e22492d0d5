"""Failures of the disk and of processes end cleanly: what a killed ingest leaves, VACUUM
removes; a full disk, a read-only root and a folder NeuroLake may not read are each one
clear line naming the path (no Rust panic, no traceback); a failed create leaves no folder."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from neurolake.catalog import Catalog
from neurolake.errors import IngestError, StorageError
from neurolake.storage import DeltaStorageManager
from neurolake.storage.ingest import ingest_file
from tests.reliability.storage_helpers import (
    assert_one_clear_error,
    make_read_only,
    require_file_modes_to_bind,
    run_cli,
    small_tmpfs,
    start_cli,
)

SMALL_CSV = "id,name\n1,ann\n2,bob\n"


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 60 MB of ``id,name`` rows: long enough to kill an ingest halfway, too big for 8 MB."""
    rows = 1_000_000
    path = tmp_path_factory.mktemp("big") / "big.csv"
    names = pa.array([f"name-{i}-with-some-padding-to-make-the-file-big" for i in range(rows)])
    pa_csv.write_csv(pa.table({"id": pa.array(range(rows), pa.int64()), "name": names}), path)
    return path


def _referenced(table_folder: Path) -> set[str]:
    return {uri.removeprefix("file://") for uri in DeltaTable(str(table_folder)).file_uris()}


def _data_files(table_folder: Path) -> set[str]:
    return {
        str(path)
        for path in table_folder.rglob("*")
        if path.is_file() and "_delta_log" not in path.relative_to(table_folder).parts
    }


def _killed_mid_ingest(tmp_path: Path, big_csv: Path, attempt: int) -> tuple[Path, Path, set[str]] | None:
    """A home whose ingest was SIGKILLed while writing data, or None when the commit came first."""
    home = tmp_path / f"home{attempt}"
    small = tmp_path / "small.csv"
    small.write_text(SMALL_CSV)
    assert run_cli(home, "ingest", str(small), "--table", "people").code == 0
    folder = home / "lakehouse" / "people"
    before = _data_files(folder)

    ingest = start_cli(home, "ingest", str(big_csv), "--table", "people")
    deadline = time.monotonic() + 120
    while not (_data_files(folder) - before) and ingest.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ingest.poll() is None, "the ingest ended before it could be killed"
    ingest.kill()  # SIGKILL as soon as it writes data: no cleanup of any kind runs
    ingest.wait()
    table = DeltaTable(str(folder))
    if table.version() == 1 and table.to_pyarrow_table().num_rows == 2 + _csv_rows(big_csv):
        return None  # on a quiet machine the whole file committed before the kill landed: try again
    return home, folder, before


def _csv_rows(path: Path) -> int:
    return sum(1 for _ in path.open()) - 1


def test_vacuum_removes_what_a_killed_ingest_left(tmp_path: Path, big_csv: Path) -> None:
    killed = None
    for attempt in range(5):
        killed = _killed_mid_ingest(tmp_path, big_csv, attempt)
        if killed is not None:
            break
    assert killed is not None, "every ingest committed before it could be killed"
    home, folder, before = killed

    assert DeltaTable(str(folder)).version() == 0  # no partial version
    left = _data_files(folder) - _referenced(folder)
    assert left, "the killed ingest left nothing to clean up"
    dry = run_cli(home, "vacuum", "people", "--retention-hours", "0")
    assert dry.code == 0, dry
    for path in left:
        assert os.path.relpath(path, folder) in dry.out, dry.out
    deleted = run_cli(home, "vacuum", "people", "--retention-hours", "0", "--no-dry-run")
    assert deleted.code == 0 and f"Deleted {len(left)} file(s)" in deleted.out, deleted
    assert _data_files(folder) == _referenced(folder) == before
    count = run_cli(home, "sql", "SELECT count(*) AS n FROM people")
    assert count.code == 0 and "│ 2 │" in count.out, count


def test_vacuum_keeps_unreferenced_files_younger_than_the_retention(tmp_path: Path) -> None:
    storage = DeltaStorageManager(str(tmp_path / "lake"), Catalog(f"sqlite:///{tmp_path / 'c.db'}"))
    storage.write_table(pa.table({"id": [1]}), "t")
    partial = Path(storage.table_uri("t")) / "part-00000-unfinished.snappy.parquet#1"
    partial.write_bytes(b"PAR1 half a file")
    assert storage.vacuum("t", retention_hours=1, dry_run=False) == []
    assert partial.exists()
    assert storage.vacuum("t", retention_hours=0, dry_run=True) == [partial.name]
    assert storage.vacuum("t", retention_hours=0, dry_run=False) == [partial.name]
    assert not partial.exists()


def test_a_full_disk_is_one_clear_line_and_leaves_no_folder(tmp_path: Path, big_csv: Path) -> None:
    with small_tmpfs("8m") as disk:
        root = disk / "lake"
        run = run_cli(tmp_path / "home", "ingest", str(big_csv), "--table", "big", NEUROLAKE_STORAGE__ROOT=str(root))
        assert_one_clear_error(run, "No space left on the disk", str(root / "big"), "nothing was committed")
        assert not (root / "big").exists()


def test_a_read_only_root_is_named_as_such(tmp_path: Path) -> None:
    home = tmp_path / "home"
    small = tmp_path / "small.csv"
    small.write_text(SMALL_CSV)
    with small_tmpfs("16m") as disk:
        root = disk / "lake"
        lake = {"NEUROLAKE_STORAGE__ROOT": str(root)}
        assert run_cli(home, "ingest", str(small), "--table", "people", **lake).code == 0
        make_read_only(disk)

        for table in ("people", "newcomer"):
            run = run_cli(home, "ingest", str(small), "--table", table, **lake)
            line = assert_one_clear_error(run, "read-only file system", str(root))
            assert "does not exist" not in line
        write = run_cli(home, "sql", "INSERT INTO people VALUES (3, 'cy')", "--write", **lake)
        assert_one_clear_error(write, "read-only file system", str(root))
        read = run_cli(home, "sql", "SELECT count(*) AS n FROM people", **lake)
        assert read.code == 0 and "│ 2 │" in read.out, read


def test_an_unreadable_table_folder_is_named(tmp_path: Path) -> None:
    home = tmp_path / "home"
    small = tmp_path / "small.csv"
    small.write_text(SMALL_CSV)
    for table in ("people", "locked"):
        assert run_cli(home, "ingest", str(small), "--table", table).code == 0
    locked = home / "lakehouse" / "locked"
    locked.chmod(0)
    try:
        require_file_modes_to_bind(locked)
        listing = run_cli(home, "tables", obey_file_modes=True)
        assert listing.code == 0 and "people" in listing.out, listing
        assert f"Skipped 'locked': permission denied: the folder {locked} cannot be read" in listing.err
        described = run_cli(home, "describe", "locked", obey_file_modes=True)
        assert_one_clear_error(described, "Permission denied on table 'locked'", str(locked))
        queried = run_cli(home, "sql", "SELECT * FROM locked", obey_file_modes=True)
        assert_one_clear_error(queried, "Permission denied on table 'locked'", str(locked))
    finally:
        locked.chmod(0o755)


def test_vacuum_frees_a_folder_no_commit_reached(tmp_path: Path) -> None:
    storage = DeltaStorageManager(str(tmp_path / "lake"), Catalog(f"sqlite:///{tmp_path / 'c.db'}"))
    folder = tmp_path / "lake" / "halfway"
    folder.mkdir(parents=True)
    (folder / "part-00000-abc-c000.snappy.parquet").write_bytes(b"PAR1 whole but never committed")
    (folder / "part-00001-abc-c000.snappy.parquet#1").write_bytes(b"PAR1 half")
    assert storage.vacuum("halfway", retention_hours=1) == []
    left = storage.vacuum("halfway", retention_hours=0)
    assert left == ["part-00000-abc-c000.snappy.parquet", "part-00001-abc-c000.snappy.parquet#1"]
    assert storage.vacuum("halfway", retention_hours=0, dry_run=False) == left
    assert not folder.exists()


def test_a_failed_create_leaves_no_table_folder(tmp_path: Path) -> None:
    storage = DeltaStorageManager(str(tmp_path / "lake"), Catalog(f"sqlite:///{tmp_path / 'c.db'}"))
    durations = tmp_path / "durations.parquet"
    pq.write_table(pa.table({"id": [1], "took": pa.array([5], pa.duration("s"))}), durations)
    with pytest.raises((IngestError, StorageError)):
        ingest_file(storage, durations, "durations")
    assert not (tmp_path / "lake" / "durations").exists()
    assert storage.list_tables() == []


def test_an_unreadable_lakehouse_root_is_named(tmp_path: Path) -> None:
    root = tmp_path / "lake"
    root.mkdir()
    root.chmod(0)
    try:
        require_file_modes_to_bind(root)
        run = run_cli(tmp_path / "home", "tables", obey_file_modes=True, NEUROLAKE_STORAGE__ROOT=str(root))
        assert_one_clear_error(run, f"Permission denied on the lakehouse root {root}")
    finally:
        root.chmod(0o755)
