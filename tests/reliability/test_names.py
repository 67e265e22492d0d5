"""Names the storage layout or SQL reserves are refused at every door, and one bad folder in
the lake never breaks `neurolake tables`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake
from pydantic import ValidationError

from app.uploads import ingest_upload, table_name_for
from neurolake.config import load_settings
from neurolake.errors import StorageInputError
from neurolake.pipelines.definition import PipelineSpec
from neurolake.platform import NeuroLake
from tests.reliability.storage_helpers import admin_api, assert_one_clear_error, run_cli

SMALL_CSV = "id,name\n1,ann\n2,bob\n"


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "small.csv"
    path.write_text(SMALL_CSV)
    return path


def test_the_cli_refuses_delta_folders_and_reserved_words_as_table_names(tmp_path: Path, small_csv: Path) -> None:
    home = tmp_path / "home"
    delta_log = run_cli(home, "ingest", str(small_csv), "--table", "_delta_log")
    assert_one_clear_error(delta_log, "'_delta_log' is not a valid table name", "reserved for Delta")
    reserved = run_cli(home, "ingest", str(small_csv), "--table", "select")
    assert_one_clear_error(reserved, "'select' is not a valid table name", "reserved SQL word", "select_data")
    lake = home / "lakehouse"
    assert not (lake / "_delta_log").exists() and not (lake / "select").exists()
    listing = run_cli(home, "tables")
    assert listing.code == 0 and "No tables yet" in listing.out, listing


@pytest.mark.parametrize("name", ["_delta_log", "_change_data", "_anything", "order", "select", "left", "values"])
def test_one_rule_names_every_reserved_name(name: str, tmp_path: Path) -> None:
    from neurolake.catalog import Catalog
    from neurolake.storage import DeltaStorageManager

    storage = DeltaStorageManager(str(tmp_path / "lake"), Catalog(f"sqlite:///{tmp_path / 'c.db'}"))
    with pytest.raises(StorageInputError, match="is not a valid table name"):
        storage.write_table(pa.table({"id": [1]}), name)
    assert list((tmp_path / "lake").iterdir()) == []


def test_the_api_upload_refuses_reserved_names(tmp_path: Path) -> None:
    with admin_api(tmp_path / "home") as api:
        for name, reason in (("_delta_log", "reserved for Delta"), ("select", "reserved SQL word")):
            response = api.client.post(
                "/api/v1/tables",
                headers=api.headers,
                files={"file": ("small.csv", SMALL_CSV.encode(), "text/csv")},
                data={"name": name},
            )
            assert response.status_code == 400, response.text
            assert reason in json.dumps(response.json())
        assert api.platform.storage.list_tables() == []
        assert not (Path(api.platform.storage.root) / "_delta_log").exists()


def test_a_chat_upload_named_like_a_reserved_word_becomes_a_usable_table(tmp_path: Path) -> None:
    assert table_name_for("select.csv", set()) == "t_select"
    assert table_name_for("Order.csv", set()) == "t_order"
    platform = NeuroLake.from_settings(load_settings(home=tmp_path / "home", environment="test"))
    try:
        upload = tmp_path / "upload-0001"
        upload.write_text(SMALL_CSV)
        result = ingest_upload(platform.storage, platform.catalog, upload, "select.csv")
        assert result.table.name == "t_select"
        rows = platform.engine.execute_sql("SELECT count(*) AS n FROM t_select").table.to_pylist()
        assert rows == [{"n": 2}]
    finally:
        platform.close()


@pytest.mark.parametrize("name", ["_delta_log", "select"])
def test_a_pipeline_cannot_target_a_reserved_name(name: str) -> None:
    with pytest.raises(ValidationError, match="is not a valid table name"):
        PipelineSpec(name="nightly", sql="SELECT 1 AS x", target_table=name)


def test_one_bad_folder_never_breaks_the_listing(tmp_path: Path, small_csv: Path) -> None:
    home = tmp_path / "home"
    assert run_cli(home, "ingest", str(small_csv), "--table", "people").code == 0
    lake = home / "lakehouse"
    # What older versions let through: a table inside Delta's own folder name, and a reserved word.
    for folder in ("_delta_log", "select"):
        write_deltalake(str(tmp_path / "elsewhere" / folder.strip("_")), pa.table({"id": [1]}))
        shutil.move(tmp_path / "elsewhere" / folder.strip("_"), lake / folder)
    # And a table whose log is garbage.
    broken = lake / "broken"
    (broken / "_delta_log").mkdir(parents=True)
    (broken / "_delta_log" / "00000000000000000000.json").write_text("{not json\n")

    listing = run_cli(home, "tables")
    assert listing.code == 0, listing
    assert "people" in listing.out
    for folder in ("select", "broken"):
        assert f"│ {folder} " not in listing.out
    skipped = {line.split("'")[1]: line for line in listing.err.splitlines() if line.startswith("Skipped")}
    assert set(skipped) == {"_delta_log", "select", "broken"}, listing.err
    assert "reserved for Delta" in skipped["_delta_log"] and str(lake / "_delta_log") in skipped["_delta_log"]
    assert "reserved SQL word" in skipped["select"]
    assert "Traceback" not in listing.err
    as_json = run_cli(home, "tables", "--format", "json")
    assert [row["name"] for row in json.loads(as_json.out)] == ["people"]
