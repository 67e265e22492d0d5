"""Writes from SQL with write permission: every one goes through the storage manager."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pytest

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import QueryValidationError, SchemaMismatchError, TableNotFoundError

from .conftest import Lake


def _write(lake: Lake, sql: str, params: object = None) -> tuple[object, ...]:
    result = lake.engine.execute_sql(sql, params, allow_write=True)  # type: ignore[arg-type]
    assert result.columns == ["operation", "table", "rows_affected", "version"]
    return result.rows[0]


def test_insert_values_and_select_append_a_delta_version(own_lake: Lake) -> None:
    values = _write(own_lake, "INSERT INTO customers (id, name) VALUES (6, 'Fy'), (7, $n)", {"n": "Gus"})
    selected = _write(own_lake, "INSERT INTO products SELECT sku || '2', price * 2 FROM products WHERE price < 5")

    assert values == ("INSERT", "customers", 2, 1)
    assert selected == ("INSERT", "products", 2, 1)
    rows = own_lake.engine.execute_sql("SELECT id, name, country FROM customers WHERE id > 5 ORDER BY id").rows
    assert rows == [(6, "Fy", None), (7, "Gus", None)]
    history = own_lake.storage.history("customers")
    assert history[0]["version"] == 1 and history[0]["operation"] == "WRITE"
    with own_lake.catalog.session() as session:
        assert tables_repo.get_table(session, "customers").current_version == 1  # type: ignore[union-attr]


def test_insert_by_name_and_type_checks(own_lake: Lake) -> None:
    _write(own_lake, "INSERT INTO products BY NAME SELECT 9.5 AS price, 'z' AS sku")

    assert own_lake.engine.execute_sql("SELECT price FROM products WHERE sku = 'z'").rows == [(9.5,)]
    with pytest.raises(SchemaMismatchError):
        own_lake.engine.execute_sql("INSERT INTO products VALUES ('bad', 'not a number')", allow_write=True)
    with pytest.raises(QueryValidationError, match="names 1 column"):
        own_lake.engine.execute_sql("INSERT INTO products (sku) VALUES ('a', 1.0)", allow_write=True)
    with pytest.raises(TableNotFoundError):
        own_lake.engine.execute_sql("INSERT INTO nowhere VALUES (1)", allow_write=True)
    assert own_lake.storage.current_version("products") == 1


def test_delete_with_parameters(own_lake: Lake) -> None:
    deleted = _write(own_lake, "DELETE FROM orders WHERE status = ? AND amount < ?", ["paid", 50])

    assert deleted == ("DELETE", "orders", 2, 3)
    assert own_lake.engine.execute_sql("SELECT id FROM orders ORDER BY id").rows == [(1,), (3,), (4,), (5,)]
    assert own_lake.engine.execute_sql("SELECT count(*) FROM orders VERSION AS OF 2").rows == [(6,)]


def test_update_with_expressions_and_parameters(own_lake: Lake) -> None:
    updated = _write(own_lake, "UPDATE orders SET amount = amount * 2, status = $s WHERE id IN (3, 5)", {"s": "late"})

    assert updated == ("UPDATE", "orders", 2, 3)
    rows = own_lake.engine.execute_sql("SELECT id, amount, status FROM orders WHERE id IN (3, 5) ORDER BY id").rows
    assert rows == [(3, Decimal("14.50"), "late"), (5, Decimal("110.00"), "late")]


def test_merge_upserts_from_a_query(own_lake: Lake) -> None:
    merged = _write(
        own_lake,
        "MERGE INTO products AS t USING (SELECT 'a' AS sku, 9.0 AS price UNION ALL SELECT 'new', 3.0) AS s "
        "ON t.sku = s.sku WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *",
    )

    assert merged == ("MERGE", "products", 2, 1)
    rows = own_lake.engine.execute_sql("SELECT sku, price FROM products ORDER BY sku").rows
    assert rows == [("a", 9.0), ("b", 2.0), ("c", 10.0), ("new", 3.0)]


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM orders WHERE id IN (SELECT id FROM customers)", "Subqueries"),
        ("UPDATE orders SET amout = 1", "Did you mean 'amount'"),
        ("DELETE FROM orders WHERE x.id = 1", "does not refer to table"),
        ("MERGE INTO products t USING products s ON t.sku = s.sku WHEN MATCHED THEN DELETE", "upsert form"),
        ("INSERT INTO orders SELECT * FROM orders RETURNING id", "RETURNING"),
        ("INSERT OR REPLACE INTO products VALUES ('a', 1.0)", "plain INSERT"),
    ],
)
def test_unsupported_write_shapes_are_refused_without_writing(own_lake: Lake, sql: str, message: str) -> None:
    before = own_lake.state()
    with pytest.raises(QueryValidationError, match=message):
        own_lake.engine.execute_sql(sql, allow_write=True)

    assert own_lake.state() == before


def test_read_only_setting_off_lets_writes_through(own_lake: Lake) -> None:
    own_lake.engine.config.read_only = False

    result = own_lake.engine.execute_sql("DELETE FROM products WHERE sku = 'a'")

    assert result.rows[0][2] == 1


def test_write_results_are_recorded_with_the_tables_read(own_lake: Lake) -> None:
    own_lake.engine.execute_sql("INSERT INTO products SELECT name, 1.0 FROM customers WHERE id = 1", allow_write=True)

    entry = own_lake.engine.history(limit=1)[0]
    assert entry.status == "succeeded" and entry.tables_read == {"customers": [0]}
    assert own_lake.engine.execute_sql("SELECT count(*) FROM products").rows == [(4,)]
    assert isinstance(own_lake.storage.read_table("products"), pa.Table)
