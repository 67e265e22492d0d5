"""Concurrent writers on one table: every committed row lands, lost races are retried."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake.exceptions import CommitFailedError

from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import CommitConflictError
from neurolake.storage import DeltaStorageManager
from neurolake.storage.commits import backoff_delay, run_with_retries


def _run_threads(count: int, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(index: int) -> None:
        barrier.wait()
        try:
            work(index)
        except BaseException as e:  # collected and asserted on below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_threads_appending_lose_no_rows(manager: DeltaStorageManager, catalog: Catalog) -> None:
    manager.create_table("events", {"writer": "int", "seq": "int"})

    def append(writer: int) -> None:
        for seq in range(5):
            manager.write_table(pa.table({"writer": [writer], "seq": [seq]}), "events")

    assert _run_threads(4, append) == []
    rows = manager.read_table("events")
    assert sorted(zip(rows["writer"].to_pylist(), rows["seq"].to_pylist(), strict=True)) == [
        (w, s) for w in range(4) for s in range(5)
    ]
    assert manager.current_version("events") == 20
    with catalog.session() as s:
        row = tables_repo.get_table(s, "events")
        assert row is not None
        assert (row.current_version, row.row_count) == (20, 20)


def test_conflicting_updates_are_retried_so_no_increment_is_lost(manager: DeltaStorageManager) -> None:
    # Read-modify-write on one row: a lost race must re-read the winner's value, or counts vanish.
    manager.write_table(pa.table({"id": [1], "counter": [0]}), "counters")

    def increment(_: int) -> None:
        for _ in range(5):
            manager.update("counters", {"counter": "counter + 1"}, "id = 1")

    assert _run_threads(3, increment) == []
    assert manager.read_table("counters")["counter"].to_pylist() == [15]
    operations = [h["operation"] for h in manager.history("counters")]
    assert operations.count("UPDATE") == 15


def test_concurrent_merges_upsert_every_key(manager: DeltaStorageManager) -> None:
    manager.write_table(pa.table({"k": [0], "v": ["seed"]}), "kv")

    def upsert(writer: int) -> None:
        for i in range(4):
            key = writer * 100 + i + 1
            manager.merge(pa.table({"k": [key, 0], "v": [f"w{writer}", f"w{writer}"]}), "kv", on="k")

    assert _run_threads(3, upsert) == []
    keys = sorted(manager.read_table("kv")["k"].to_pylist())
    assert keys == [0, *sorted(w * 100 + i + 1 for w in range(3) for i in range(4))]


def _process_writer(root: str, catalog_url: str, writer: int, batches: int) -> None:
    # The parent already migrated the catalog; skipping the check saves seconds per process.
    storage = DeltaStorageManager(root, Catalog(catalog_url, auto_upgrade=False))
    for seq in range(batches):
        storage.write_table(pa.table({"writer": [writer] * 3, "seq": [seq] * 3}), "shared")
        storage.update("shared_counter", {"n": "n + 1"}, "id = 1")


@pytest.mark.slow
def test_processes_writing_the_same_tables_lose_nothing(
    manager: DeltaStorageManager, lake_root: Path, catalog: Catalog
) -> None:
    manager.create_table("shared", {"writer": "int", "seq": "int"})
    manager.write_table(pa.table({"id": [1], "n": [0]}), "shared_counter")
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_process_writer, args=(str(lake_root), catalog.url, w, 3)) for w in range(2)]
    for p in processes:
        p.start()
    for p in processes:
        p.join(timeout=120)
    assert [p.exitcode for p in processes] == [0, 0]

    assert manager.read_table("shared").num_rows == 2 * 3 * 3
    assert manager.read_table("shared_counter")["n"].to_pylist() == [6]
    manager.discover()
    with catalog.session() as s:
        row = tables_repo.get_table(s, "shared")
        assert row is not None
        assert (row.current_version, row.row_count) == (manager.current_version("shared"), 18)


def test_retries_stop_with_a_conflict_error_naming_the_table() -> None:
    calls = []

    def always_loses() -> None:
        calls.append(1)
        raise CommitFailedError("Commit failed: a concurrent transaction won")

    with pytest.raises(CommitConflictError, match="table 'orders'; gave up after 2 retries") as info:
        run_with_retries(always_loses, table="orders", retries=2)
    assert len(calls) == 3
    assert info.value.status_code == 409


def test_retry_returns_the_first_success() -> None:
    attempts = iter([CommitFailedError("lost"), None])

    def flaky() -> str:
        error = next(attempts)
        if error is not None:
            raise error
        return "ok"

    assert run_with_retries(flaky, table="t", retries=1) == "ok"


def test_backoff_grows_exponentially_and_is_capped() -> None:
    upper = [max(backoff_delay(n) for _ in range(50)) for n in (1, 2, 3, 4)]
    assert upper[0] <= 0.05 < upper[2] <= 0.2
    assert upper == sorted(upper)
    assert backoff_delay(30) <= 2.0
