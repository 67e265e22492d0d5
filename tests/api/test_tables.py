"""/api/v1/tables: list, describe, history, time travel, uploads, maintenance."""

from __future__ import annotations

import io
import json

import pyarrow as pa
import pyarrow.parquet as pq

from tests.api.conftest import Api


def test_lists_and_describes_tables(api: Api) -> None:
    listed = api.client.get("/api/v1/tables", headers=api.headers("viewer")).json()
    described = api.client.get("/api/v1/tables/orders", headers=api.headers("viewer")).json()

    assert [t["name"] for t in listed] == ["orders"]
    assert described["version"] == 0 and described["row_count"] == 4
    assert [c["name"] for c in described["columns"]] == ["id", "region", "amount"]
    assert described["updated_at"].endswith("Z")


def test_an_unknown_table_is_404_with_a_suggestion(api: Api) -> None:
    response = api.client.get("/api/v1/tables/order", headers=api.headers("viewer"))
    assert response.status_code == 404 and "orders" in (response.json().get("hint") or response.json()["message"])


def test_reads_rows_as_of_a_version(api: Api) -> None:
    api.platform.storage.write_table(pa.table({"id": [9], "region": ["US"], "amount": [90]}), "orders")

    latest = api.client.get("/api/v1/tables/orders/rows", headers=api.headers("analyst")).json()
    first = api.client.get("/api/v1/tables/orders/rows?version=0", headers=api.headers("analyst")).json()
    history = api.client.get("/api/v1/tables/orders/history", headers=api.headers("viewer")).json()

    assert latest["row_count"] == 5 and first["row_count"] == 4
    assert [c["version"] for c in history] == [1, 0]
    missing = api.client.get("/api/v1/tables/orders/rows?version=7", headers=api.headers("analyst"))
    assert missing.status_code == 404


def test_creates_tables_from_csv_parquet_and_jsonl_uploads(api: Api) -> None:
    parquet = io.BytesIO()
    pq.write_table(pa.table({"k": [1, 2], "v": ["a", "b"]}), parquet)
    uploads = {
        "from_csv": ("data.csv", b"k,v\n1,a\n2,b\n"),
        "from_parquet": ("data.parquet", parquet.getvalue()),
        "from_jsonl": ("data.jsonl", b'{"k": 1, "v": "a"}\n{"k": 2, "v": "b"}\n'),
    }
    for table, file in uploads.items():
        response = api.client.post(
            "/api/v1/tables", files={"file": file}, data={"name": table}, headers=api.headers("admin")
        )
        assert response.status_code == 201, response.text
        assert response.json()["rows"] == 2 and response.json()["created"] is True

    rows = api.client.post(
        "/api/v1/queries", json={"sql": "SELECT v FROM from_jsonl ORDER BY k"}, headers=api.headers("analyst")
    ).json()["rows"]
    assert rows == [["a"], ["b"]]


def test_a_malformed_upload_is_400_and_changes_nothing(api: Api) -> None:
    before = api.platform.storage.current_version("orders")
    response = api.client.post(
        "/api/v1/tables",
        files={"file": ("bad.csv", b"id,region,amount\n5,EU,not-a-number\n")},
        data={"name": "orders"},
        headers=api.headers("admin"),
    )

    assert response.status_code == 400, response.text
    assert api.platform.storage.current_version("orders") == before
    unknown = api.client.post(
        "/api/v1/tables", files={"file": ("notes.docx", b"x")}, data={"name": "t"}, headers=api.headers("admin")
    )
    assert unknown.status_code == 400


def test_merge_upload_upserts_on_the_key(api: Api) -> None:
    response = api.client.post(
        "/api/v1/tables",
        files={"file": ("upd.csv", b"id,region,amount\n1,EU,11\n7,US,70\n")},
        data={"name": "orders", "mode": "merge", "key": "id"},
        headers=api.headers("admin"),
    )

    assert response.status_code == 201, response.text
    assert response.json()["updated"] == 1 and response.json()["inserted"] == 1 and response.json()["created"] is False


def test_admins_optimize_and_vacuum(api: Api) -> None:
    api.platform.storage.write_table(pa.table({"id": [5], "region": ["EU"], "amount": [50]}), "orders")
    optimized = api.client.post("/api/v1/tables/orders/optimize", json={}, headers=api.headers("admin"))
    vacuumed = api.client.post(
        "/api/v1/tables/orders/vacuum", json={"retention_hours": 0, "dry_run": True}, headers=api.headers("admin")
    )

    assert optimized.status_code == 200 and optimized.json()["version"] == 2
    assert vacuumed.status_code == 200 and vacuumed.json()["dry_run"] is True
    assert len(vacuumed.json()["files"]) == 2  # the two small files the compaction replaced
    json.dumps(optimized.json())
