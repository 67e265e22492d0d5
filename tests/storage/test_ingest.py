"""Ingesting CSV, Parquet and JSON-lines files into real Delta tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from neurolake.errors import IngestError, StorageInputError
from neurolake.storage import DeltaStorageManager
from neurolake.storage.ingest import detect_format, ingest_file, normalize_column_name


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _unchanged(manager: DeltaStorageManager, name: str, version: int, rows: list[dict]) -> None:
    assert manager.current_version(name) == version
    assert sorted(manager.read_table(name).to_pylist(), key=str) == sorted(rows, key=str)


def test_csv_is_typed_by_inference_and_headers_normalized(manager: DeltaStorageManager, tmp_path: Path) -> None:
    csv_file = _write(
        tmp_path / "orders.csv",
        "Order ID,Order Date,Amount (EUR),Paid,Note\n1,2024-01-05,10.5,true,\n2,2024-02-06,7,false,late\n",
    )
    result = ingest_file(manager, csv_file, "orders")

    assert (result.rows, result.version, result.format, result.mode) == (2, 0, "csv", "append")
    table = manager.read_table("orders")
    assert table.schema.names == ["order_id", "order_date", "amount_eur", "paid", "note"]
    assert table.schema.field("order_id").type == pa.int64()
    assert table.schema.field("order_date").type == pa.date32()
    assert table.schema.field("amount_eur").type == pa.float64()
    assert table.schema.field("paid").type == pa.bool_()
    rows = sorted(table.to_pylist(), key=lambda r: r["order_id"])
    assert rows[0] == {
        "order_id": 1,
        "order_date": dt.date(2024, 1, 5),
        "amount_eur": 10.5,
        "paid": True,
        "note": None,
    }


def test_append_then_overwrite_then_merge(manager: DeltaStorageManager, tmp_path: Path) -> None:
    ingest_file(manager, _write(tmp_path / "a.csv", "id,name\n1,ann\n2,bob\n"), "people")
    ingest_file(manager, _write(tmp_path / "b.csv", "id,name\n3,cy\n"), "people")
    assert manager.read_table("people").num_rows == 3

    result = ingest_file(
        manager, _write(tmp_path / "c.csv", "id,name\n2,BOB\n4,dee\n"), "people", mode="merge", key="id"
    )
    assert (result.inserted, result.updated, result.rows) == (1, 1, 2)
    assert sorted(manager.read_table("people")["name"].to_pylist()) == ["BOB", "ann", "cy", "dee"]

    result = ingest_file(manager, _write(tmp_path / "d.csv", "id,name\n9,zed\n"), "people", mode="overwrite")
    assert manager.read_table("people").to_pylist() == [{"id": 9, "name": "zed"}]
    assert result.version == manager.current_version("people")


def test_existing_column_types_are_used_when_parsing(manager: DeltaStorageManager, tmp_path: Path) -> None:
    manager.create_table("places", {"zip": "string", "city": "string"})
    ingest_file(manager, _write(tmp_path / "p.csv", "zip,city\n01234,Oslo\n"), "places")
    assert manager.read_table("places")["zip"].to_pylist() == ["01234"]


def test_parquet_and_jsonl(manager: DeltaStorageManager, tmp_path: Path) -> None:
    pq.write_table(pa.table({"ID": [1, 2, 3], "Price": [1.0, 2.0, 3.0]}), tmp_path / "p.parquet", row_group_size=1)
    seen: list[int] = []
    assert ingest_file(manager, tmp_path / "p.parquet", "prices", on_read=seen.append).rows == 3
    assert manager.read_table("prices").schema.names == ["id", "price"]
    assert len(seen) == 3 and all(n > 0 for n in seen)

    jsonl = _write(tmp_path / "e.jsonl", '{"id": 1, "kind": "click"}\n{"id": 2, "kind": null, "ms": 1.5}\n')
    assert ingest_file(manager, jsonl, "events").rows == 2
    rows = sorted(manager.read_table("events").to_pylist(), key=lambda r: r["id"])
    assert rows == [{"id": 1, "kind": "click", "ms": None}, {"id": 2, "kind": None, "ms": 1.5}]


def test_large_csv_streams_in_batches_and_reports_bytes(
    manager: DeltaStorageManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import neurolake.storage.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "BLOCK_SIZE", 64 * 1024)  # many batches from a small file
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("id,value\n")
        for i in range(40_000):
            f.write(f"{i},{i * 0.5}\n")
    progress: list[int] = []
    result = ingest_file(manager, path, "big", on_read=progress.append)
    assert result.rows == 40_000
    assert manager.stats("big").rows == 40_000
    assert len(progress) > 3
    assert sum(progress) == path.stat().st_size


def test_empty_and_header_only_files_are_refused(manager: DeltaStorageManager, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="empty"):
        ingest_file(manager, _write(tmp_path / "e.csv", ""), "t")
    with pytest.raises(IngestError, match="header but no data rows"):
        ingest_file(manager, _write(tmp_path / "h.csv", "id,name\n"), "t")
    with pytest.raises(IngestError, match="no header"):
        ingest_file(manager, _write(tmp_path / "blank.csv", "\n\n1,2\n"), "t")
    assert manager.list_tables() == []


def test_malformed_csv_row_late_in_the_file_leaves_the_table_unchanged(
    manager: DeltaStorageManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import neurolake.storage.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "BLOCK_SIZE", 16 * 1024)
    ingest_file(manager, _write(tmp_path / "ok.csv", "id,name\n1,a\n"), "t")
    body = "".join(f"{i},n{i}\n" for i in range(5000)) + "5001,x,EXTRA\n"
    with pytest.raises(IngestError, match=r"bad\.csv is malformed: .*Expected 2 columns") as info:
        ingest_file(manager, _write(tmp_path / "bad.csv", "id,name\n" + body), "t")
    assert "left unchanged" in str(info.value)
    _unchanged(manager, "t", 0, [{"id": 1, "name": "a"}])


def test_type_change_late_in_the_file_leaves_the_table_unchanged(
    manager: DeltaStorageManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import neurolake.storage.ingest as ingest_module

    monkeypatch.setattr(ingest_module, "BLOCK_SIZE", 16 * 1024)
    ingest_file(manager, _write(tmp_path / "ok.csv", "id,n\n1,1\n"), "t")
    body = "".join(f"{i},{i}\n" for i in range(5000)) + "5001,not-a-number\n"
    with pytest.raises(IngestError, match="malformed"):
        ingest_file(manager, _write(tmp_path / "bad.csv", "id,n\n" + body), "t")
    _unchanged(manager, "t", 0, [{"id": 1, "n": 1}])


def test_failed_merge_ingest_leaves_the_table_unchanged(manager: DeltaStorageManager, tmp_path: Path) -> None:
    ingest_file(manager, _write(tmp_path / "ok.csv", "id,name\n1,a\n"), "t")
    with pytest.raises(IngestError, match="malformed"):
        ingest_file(manager, _write(tmp_path / "bad.csv", "id,name\n2,b\n3\n"), "t", mode="merge", key="id")
    with pytest.raises(StorageInputError, match="more than once"):
        ingest_file(manager, _write(tmp_path / "dup.csv", "id,name\n2,b\n2,c\n"), "t", mode="merge", key="id")
    _unchanged(manager, "t", 0, [{"id": 1, "name": "a"}])


def test_header_mismatch_is_refused_with_the_difference(manager: DeltaStorageManager, tmp_path: Path) -> None:
    ingest_file(manager, _write(tmp_path / "ok.csv", "id,name\n1,a\n"), "t")
    with pytest.raises(IngestError, match=r"not in the table: nme; missing from the file: name"):
        ingest_file(manager, _write(tmp_path / "typo.csv", "id,nme\n2,b\n"), "t")
    with pytest.raises(IngestError, match="--evolve"):
        ingest_file(manager, _write(tmp_path / "wide.csv", "id,name,age\n2,b,30\n"), "t")
    _unchanged(manager, "t", 0, [{"id": 1, "name": "a"}])

    ingest_file(manager, tmp_path / "wide.csv", "t", evolve=True)
    assert manager.read_table("t").schema.names == ["id", "name", "age"]


def test_incompatible_types_against_the_table_are_refused(manager: DeltaStorageManager, tmp_path: Path) -> None:
    jsonl = _write(tmp_path / "a.jsonl", '{"id": 1, "name": "a"}\n')
    ingest_file(manager, jsonl, "t")
    with pytest.raises(IngestError, match="'id' is BIGINT in the table but VARCHAR"):
        ingest_file(manager, _write(tmp_path / "b.jsonl", '{"id": "x1", "name": "b"}\n'), "t")
    _unchanged(manager, "t", 0, [{"id": 1, "name": "a"}])


def test_bad_inputs_are_clear_errors(manager: DeltaStorageManager, tmp_path: Path) -> None:
    good = _write(tmp_path / "g.csv", "id\n1\n")
    with pytest.raises(IngestError, match="No such file"):
        ingest_file(manager, tmp_path / "missing.csv", "t")
    with pytest.raises(IngestError, match="needs --key"):
        ingest_file(manager, good, "t", mode="merge")
    with pytest.raises(IngestError, match="no key column"):
        ingest_file(manager, good, "t", mode="merge", key="email")
    with pytest.raises(StorageInputError, match="not a valid table name"):
        ingest_file(manager, good, "Bad Name")
    with pytest.raises(IngestError, match="format"):
        ingest_file(manager, _write(tmp_path / "x.xlsx", "id\n1\n"), "t")
    with pytest.raises(IngestError, match="both become 'a_b'"):
        ingest_file(manager, _write(tmp_path / "dup.csv", "a b,A-B\n1,2\n"), "t")
    with pytest.raises(IngestError, match="malformed"):
        ingest_file(manager, _write(tmp_path / "bad.parquet", "not parquet at all"), "t")
    with pytest.raises(IngestError, match="malformed"):
        ingest_file(manager, _write(tmp_path / "bad.jsonl", '{"id": 1}\n{"id": \n'), "t")
    assert manager.list_tables() == []


def test_helpers() -> None:
    assert normalize_column_name("  Amount (EUR) ") == "amount_eur"
    assert normalize_column_name("2024 sales") == "c_2024_sales"
    assert detect_format(Path("x.NDJSON")) == "jsonl"
    assert detect_format(Path("x.tsv")) == "csv"
