"""The demo lakehouse: realistic, deterministic, with history, and fast."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import StorageInputError
from neurolake.storage import DeltaStorageManager
from neurolake.storage.demo import DEFAULT_ORDERS, DEMO_TABLES, build_demo

SMALL = 1500


@pytest.fixture
def demo(manager: DeltaStorageManager) -> DeltaStorageManager:
    build_demo(manager, orders=SMALL)
    return manager


def test_demo_tables_rows_and_history(demo: DeltaStorageManager) -> None:
    assert demo.list_tables() == sorted(DEMO_TABLES)
    orders = demo.read_table("orders")
    assert orders.num_rows > SMALL  # the late batch came on top
    assert demo.read_table("orders", version=0).num_rows == SMALL
    assert demo.read_table("customers").schema.names == [
        "customer_id",
        "name",
        "email",
        "country",
        "city",
        "segment",
        "signup_date",
    ]
    assert demo.read_table("order_items").schema.names == [
        "order_id",
        "line_number",
        "product_id",
        "quantity",
        "unit_price",
        "discount",
        "line_total",
    ]
    for name in DEMO_TABLES:
        assert [h["version"] for h in demo.history(name)] == [1, 0]
    assert [h["operation"] for h in demo.history("products")] == ["UPDATE", "WRITE"]
    assert [h["operation"] for h in demo.history("customers")] == ["MERGE", "WRITE"]


def test_demo_orders_span_two_years_and_match_their_items(demo: DeltaStorageManager) -> None:
    orders = demo.read_table("orders")
    dates = orders["order_date"]
    assert (pc.min(dates).as_py(), pc.max(dates).as_py()) == (date(2023, 1, 1), date(2024, 12, 31))
    assert set(orders["status"].to_pylist()) <= {"delivered", "shipped", "processing", "cancelled", "returned"}
    items = demo.read_table("order_items")
    totals = items.group_by("order_id").aggregate([("line_total", "sum")])
    by_order = dict(zip(totals["order_id"].to_pylist(), totals["line_total_sum"].to_pylist(), strict=True))
    for row in orders.slice(0, 200).to_pylist():
        assert row["total_amount"] == pytest.approx(by_order[row["order_id"]], abs=0.011)
    assert pc.min(items["discount"]).as_py() == 0.0 and pc.max(items["discount"]).as_py() <= 0.2
    assert set(items["product_id"].to_pylist()) <= set(demo.read_table("products")["product_id"].to_pylist())


def test_demo_order_country_is_the_customers_country(demo: DeltaStorageManager) -> None:
    customers = demo.read_table("customers", version=0)
    country = dict(zip(customers["customer_id"].to_pylist(), customers["country"].to_pylist(), strict=True))
    orders = demo.read_table("orders")
    assert all(
        country[c] == k for c, k in zip(orders["customer_id"].to_pylist(), orders["country"].to_pylist(), strict=True)
    )
    signup = dict(zip(customers["customer_id"].to_pylist(), customers["signup_date"].to_pylist(), strict=True))
    assert all(signup[c] < date(2023, 1, 1) for c in set(orders["customer_id"].to_pylist()))


def test_demo_price_update_is_visible_by_time_travel(demo: DeltaStorageManager) -> None:
    before = demo.read_table("products", version=0).sort_by("product_id")
    after = demo.read_table("products").sort_by("product_id")
    for old, new in zip(before.to_pylist(), after.to_pylist(), strict=True):
        expected = round(old["price"] * 1.08, 2) if old["category"] == "Electronics" else old["price"]
        assert new["price"] == pytest.approx(expected)
    assert "Electronics" in before["category"].to_pylist()


def test_demo_is_deterministic(tmp_path: Path) -> None:
    tables = []
    for run in ("a", "b"):
        storage = DeltaStorageManager(str(tmp_path / run / "lake"), Catalog(f"sqlite:///{tmp_path / run}.db"))
        build_demo(storage, orders=500)
        tables.append({n: storage.read_table(n).sort_by(storage.read_table(n).column_names[0]) for n in DEMO_TABLES})
    for name in DEMO_TABLES:
        assert tables[0][name].equals(tables[1][name]), name


def test_demo_describes_tables_and_columns_in_the_catalog(demo: DeltaStorageManager, catalog: Catalog) -> None:
    with catalog.session() as s:
        orders = tables_repo.get_table(s, "orders")
        assert orders is not None
        assert orders.description and "order" in orders.description.lower()
        assert all(c.description for c in orders.columns)
        assert orders.row_count == demo.stats("orders").rows


def test_demo_if_missing_force_and_refusal(demo: DeltaStorageManager) -> None:
    assert build_demo(demo, orders=SMALL, if_missing=True).built is False
    assert demo.current_version("orders") == 1
    with pytest.raises(StorageInputError, match="--force"):
        build_demo(demo, orders=SMALL)
    steps: list[str] = []
    rebuilt = build_demo(demo, orders=SMALL, force=True, on_step=steps.append)
    assert rebuilt.built
    assert rebuilt.versions == dict.fromkeys(DEMO_TABLES, 1)  # history starts again
    assert any("Dropping" in s for s in steps) and any("Writing" in s for s in steps)


def test_demo_rebuilds_tables_that_are_partly_missing(demo: DeltaStorageManager) -> None:
    demo.drop_table("order_items")
    result = build_demo(demo, orders=SMALL, if_missing=True)
    assert result.built
    assert demo.list_tables() == sorted(DEMO_TABLES)


def test_full_size_demo_builds_well_under_a_minute(manager: DeltaStorageManager) -> None:
    started = time.perf_counter()
    result = build_demo(manager)
    elapsed = time.perf_counter() - started
    print(f"full demo: {elapsed:.2f}s, rows {result.rows}")
    assert result.rows["orders"] >= 100_000 and result.rows["orders"] > DEFAULT_ORDERS
    assert result.rows["order_items"] > result.rows["orders"]
    assert elapsed < 30


def test_drop_table_removes_files_and_catalog_row(manager: DeltaStorageManager, catalog: Catalog) -> None:
    manager.write_table(pa.table({"x": [1]}), "t")
    manager.drop_table("t")
    assert manager.list_tables() == []
    with catalog.session() as s:
        assert tables_repo.get_table(s, "t") is None
