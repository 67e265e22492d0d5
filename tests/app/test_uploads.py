"""Dropped files become new tables through the ingest, or are refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from app.uploads import ingest_upload, is_table_file, table_name_for
from neurolake.errors import IngestError
from neurolake.platform import NeuroLake


@pytest.mark.parametrize(
    ("file_name", "existing", "table"),
    [
        ("Sales 2024.csv", set(), "sales_2024"),
        ("2024-sales.CSV", set(), "t_2024_sales"),
        ("sales.csv", {"sales", "sales_2"}, "sales_3"),
        ("***.csv", set(), "upload"),
    ],
)
def test_table_names_come_from_file_names(file_name: str, existing: set[str], table: str) -> None:
    assert table_name_for(file_name, existing) == table


def test_only_table_formats_are_taken() -> None:
    assert is_table_file("a.csv") and is_table_file("b.PARQUET") and is_table_file("c.jsonl")
    assert not is_table_file("notes.pdf")


def test_a_csv_becomes_a_table_with_its_schema(platform: NeuroLake, tmp_path: Path) -> None:
    # Chainlit keeps uploads under a random name without extension: the format comes from the name.
    upload = tmp_path / "5f0c2a"
    upload.write_text("Region,Amount,Sold On\nNorth,10.5,2024-01-02\nSouth,3,2024-02-03\n")

    done = ingest_upload(platform.storage, platform.catalog, upload, "Q1 Sales.csv")

    assert done.table.name == "q1_sales" and done.rows == 2 and done.table.rows == 2
    assert [(c.name, c.type) for c in done.table.columns] == [
        ("region", "VARCHAR"),
        ("amount", "DOUBLE"),
        ("sold_on", "DATE"),
    ]
    assert platform.engine.execute_sql("SELECT sum(amount) FROM q1_sales").rows == [(13.5,)]


def test_a_second_file_of_the_same_name_gets_its_own_table(platform: NeuroLake, tmp_path: Path) -> None:
    path = tmp_path / "data.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3]}), path)

    first = ingest_upload(platform.storage, platform.catalog, path, "data.parquet")
    second = ingest_upload(platform.storage, platform.catalog, path, "data.parquet")

    assert (first.table.name, second.table.name) == ("data", "data_2")
    assert platform.engine.execute_sql("SELECT count(*) FROM data_2").rows == [(3,)]


def test_a_bad_file_creates_nothing(platform: NeuroLake, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3\n")

    with pytest.raises(IngestError, match=r"bad\.csv"):
        ingest_upload(platform.storage, platform.catalog, path, "bad.csv")
    assert "bad" not in platform.storage.list_tables()
