"""Every write reports the version its own commit produced, and a streamed ingest that loses a
commit race is re-run as NEUROLAKE_STORAGE__COMMIT_RETRIES says (or says truly that it was not)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable

from neurolake.catalog import Catalog
from neurolake.errors import CommitConflictError
from neurolake.storage import DeltaStorageManager
from neurolake.storage.ingest import ingest_file
from tests.reliability.storage_helpers import run_cli, start_cli

WRITERS = 10
WRITER_KEY = "neurolake.writer"  # what each commit's info records about the process that wrote it
_VERSION = re.compile(r"now at version (\d+)")


def _seed(home: Path, tmp_path: Path) -> None:
    seed = tmp_path / "seed.csv"
    seed.write_text("id,writer\n0,seed\n")
    assert run_cli(home, "ingest", str(seed), "--table", "shared").code == 0


def _run_concurrently(home: Path, tmp_path: Path, *mode: str) -> dict[int, int]:
    """{pid: version printed} of WRITERS ``neurolake ingest`` processes started together."""
    processes = []
    for writer in range(1, WRITERS + 1):
        path = tmp_path / f"writer{writer}.csv"
        path.write_text(f"id,writer\n{writer},w{writer}\n")
        # Plenty of retries: this test is about what each writer reports, not about giving up.
        processes.append(
            start_cli(home, "ingest", str(path), "--table", "shared", *mode, NEUROLAKE_STORAGE__COMMIT_RETRIES="50")
        )
    printed = {}
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, (out, err)
        found = _VERSION.search(out)
        assert found, out
        printed[process.pid] = int(found.group(1))
    return printed


def _assert_each_version_is_its_own(home: Path, printed: dict[int, int]) -> None:
    assert len(set(printed.values())) == WRITERS, printed
    history = {entry["version"]: entry for entry in DeltaTable(str(home / "lakehouse" / "shared")).history()}
    for pid, version in printed.items():
        writer = history[version].get(WRITER_KEY, "")
        assert writer.endswith(f":{pid}"), (pid, version, history[version])


def test_ten_concurrent_merges_each_print_their_own_version(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _seed(home, tmp_path)
    printed = _run_concurrently(home, tmp_path, "--mode", "merge", "--key", "id")
    _assert_each_version_is_its_own(home, printed)


def test_ten_concurrent_appends_each_print_their_own_version(tmp_path: Path) -> None:
    home = tmp_path / "home"
    _seed(home, tmp_path)
    printed = _run_concurrently(home, tmp_path)
    _assert_each_version_is_its_own(home, printed)


# ------------------------------------------------------------------- streamed ingests


@pytest.fixture
def two_row_groups(tmp_path: Path) -> Path:
    """A Parquet file read in two steps, so another writer can commit while it streams."""
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"id": list(range(10)), "name": [f"n{i}" for i in range(10)]}), path, row_group_size=5)
    return path


def _storage(tmp_path: Path, retries: int) -> DeltaStorageManager:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    return DeltaStorageManager(str(tmp_path / "lake"), catalog, commit_retries=retries)


def _changes_metadata(uri: str, *, times: int = 1) -> tuple[list[int], object]:
    """An ``on_read`` that, on its first call in each of the first ``times`` readings of the
    file, lets another writer change the table's metadata (a commit no concurrent write can be
    reconciled with); and the calls it saw."""
    calls: list[int] = []

    def on_read(size: int) -> None:
        calls.append(size)
        if len(calls) % 2 == 1 and len(calls) < 2 * times:  # two row groups per reading
            # delta-rs is pulling our batches on this thread, so the other writer needs its own.
            other = threading.Thread(target=lambda: DeltaTable(uri).alter.set_table_description("changed"))
            other.start()
            other.join()

    return calls, on_read


def test_a_streamed_ingest_that_loses_a_commit_race_is_retried(tmp_path: Path, two_row_groups: Path) -> None:
    storage = _storage(tmp_path, retries=2)
    storage.write_table(pa.table({"id": [100], "name": ["seed"]}), "people")
    calls, on_read = _changes_metadata(storage.table_uri("people"))
    result = ingest_file(storage, two_row_groups, "people", mode="overwrite", on_read=on_read)
    assert result.version == 2 and result.rows == 10  # v1 is the other writer's
    assert len(calls) > 2  # the file was read a second time
    assert sorted(storage.read_table("people")["id"].to_pylist()) == list(range(10))
    assert DeltaTable(storage.table_uri("people")).metadata().description == "changed"


def test_a_streamed_ingest_out_of_retries_says_how_many_it_made(tmp_path: Path, two_row_groups: Path) -> None:
    storage = _storage(tmp_path, retries=1)
    storage.write_table(pa.table({"id": [100], "name": ["seed"]}), "people")
    _, on_read = _changes_metadata(storage.table_uri("people"), times=2)
    with pytest.raises(CommitConflictError, match="gave up after 1 retries"):
        ingest_file(storage, two_row_groups, "people", mode="append", on_read=on_read)
    assert storage.read_table("people")["id"].to_pylist() == [100]


def test_a_one_pass_stream_that_loses_a_race_says_it_was_not_retried(tmp_path: Path) -> None:
    storage = _storage(tmp_path, retries=5)
    storage.write_table(pa.table({"id": [100]}), "numbers")
    uri = storage.table_uri("numbers")

    def batches() -> Iterator[pa.RecordBatch]:
        yield pa.record_batch({"id": [1]})
        other = threading.Thread(target=lambda: DeltaTable(uri).alter.set_table_description("changed"))
        other.start()
        other.join()
        yield pa.record_batch({"id": [2]})

    stream = pa.RecordBatchReader.from_batches(pa.schema([("id", pa.int64())]), batches())
    with pytest.raises(CommitConflictError, match="cannot be read twice, so it was not re-run") as info:
        storage.write_table(stream, "numbers")
    assert "retries" not in str(info.value)
    assert storage.read_table("numbers")["id"].to_pylist() == [100]
