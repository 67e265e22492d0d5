"""NeuroLakeEngine.execute_sql on real Delta tables: the SQL people and models write."""

from __future__ import annotations

import threading
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from neurolake.config import load_settings
from neurolake.engine import NeuroLakeEngine, QueryResult
from neurolake.engine.base import BackendJob
from neurolake.errors import QueryValidationError

from .conftest import Lake


def ids(result: QueryResult, column: int = 0) -> list[object]:
    return [row[column] for row in result.rows]


def test_select_returns_arrow_backed_rows_in_table_column_order(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT * FROM orders ORDER BY id")

    assert isinstance(result.table, pa.Table)
    assert result.columns == ["id", "customer_id", "amount", "status", "ordered_at"]
    assert result.column_types == ["BIGINT", "BIGINT", "DECIMAL(10,2)", "VARCHAR", "TIMESTAMP"]
    assert result.rows[0] == (1, 1, Decimal("150.00"), "paid", datetime(2024, 1, 1, 10))
    assert ids(result) == [1, 2, 3, 4, 5, 6]
    assert result.truncated is False
    assert list(result.to_pandas()["status"]) == ["paid", "paid", "open", "cancelled", "open", "paid"]


def test_partition_filter_and_null_values(engine: NeuroLakeEngine) -> None:
    paid = engine.execute_sql("SELECT id FROM orders WHERE status = 'paid' ORDER BY id")
    unknown_country = engine.execute_sql("SELECT name FROM customers WHERE country IS NULL")

    assert ids(paid) == [1, 2, 6]
    assert unknown_country.rows == [("Ed",)]


@pytest.mark.parametrize(
    ("join", "expected"),
    [
        ("JOIN", [(1, "Ada"), (2, "Ada"), (3, "Bo"), (4, "Cy"), (5, "Di")]),
        ("LEFT JOIN", [(1, "Ada"), (2, "Ada"), (3, "Bo"), (4, "Cy"), (5, "Di"), (6, None)]),
        ("RIGHT JOIN", [(1, "Ada"), (2, "Ada"), (3, "Bo"), (4, "Cy"), (5, "Di"), (None, "Ed")]),
        ("FULL OUTER JOIN", [(1, "Ada"), (2, "Ada"), (3, "Bo"), (4, "Cy"), (5, "Di"), (6, None), (None, "Ed")]),
    ],
)
def test_joins(engine: NeuroLakeEngine, join: str, expected: list[tuple[object, ...]]) -> None:
    result = engine.execute_sql(
        f"SELECT o.id, c.name FROM orders o {join} customers c ON o.customer_id = c.id ORDER BY o.id NULLS LAST, c.name"
    )

    assert result.rows == expected


def test_group_by_having(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql(
        "SELECT c.country, count(*) AS orders, sum(o.amount) AS total FROM orders o "
        "JOIN customers c ON c.id = o.customer_id GROUP BY c.country HAVING count(*) >= 2 ORDER BY c.country"
    )

    assert result.rows == [("FR", 3, Decimal("470.50"))]


def test_window_functions(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql(
        "SELECT id, customer_id, row_number() OVER (PARTITION BY customer_id ORDER BY ordered_at) AS n, "
        "sum(amount) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running "
        "FROM orders WHERE customer_id = 1 ORDER BY id"
    )

    assert result.rows == [(1, 1, 1, Decimal("150.00")), (2, 1, 2, Decimal("170.50"))]


def test_subqueries_and_ctes(engine: NeuroLakeEngine) -> None:
    scalar = engine.execute_sql("SELECT name FROM customers WHERE id = (SELECT customer_id FROM orders WHERE id = 4)")
    in_list = engine.execute_sql(
        "SELECT name FROM customers WHERE id IN (SELECT customer_id FROM orders WHERE status = 'open') ORDER BY 1"
    )
    exists = engine.execute_sql(
        "SELECT name FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)"
    )
    cte = engine.execute_sql(
        "WITH big AS (SELECT * FROM orders WHERE amount > 50), per AS (SELECT customer_id, count(*) AS n FROM big "
        "GROUP BY 1) SELECT c.name, per.n FROM per JOIN customers c ON c.id = per.customer_id ORDER BY 1"
    )
    derived = engine.execute_sql("SELECT max(t.total) FROM (SELECT sum(amount) AS total FROM orders GROUP BY status) t")

    assert scalar.rows == [("Cy",)]
    assert in_list.rows == [("Bo",), ("Di",)]
    assert exists.rows == [("Ed",)]
    assert cte.rows == [("Ada", 1), ("Cy", 1), ("Di", 1)]
    assert derived.rows == [(Decimal("300.00"),)]


def test_a_cte_may_shadow_a_table_name_and_read_the_table_inside(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql(
        "WITH orders AS (SELECT id FROM orders WHERE status = 'open') SELECT * FROM orders ORDER BY 1"
    )

    assert ids(result) == [3, 5]


def test_set_operations_values_and_generated_rows(engine: NeuroLakeEngine) -> None:
    union = engine.execute_sql("SELECT id FROM customers UNION SELECT id FROM orders ORDER BY 1")
    values = engine.execute_sql("SELECT * FROM (VALUES (1, 'x'), (2, 'y')) AS v(n, s) ORDER BY n")
    generated = engine.execute_sql("SELECT count(*) FROM range(5)")

    assert ids(union) == [1, 2, 3, 4, 5, 6]
    assert values.rows == [(1, "x"), (2, "y")]
    assert generated.rows == [(5,)]


def test_empty_table_has_its_columns(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT * FROM empty_events")

    assert result.columns == ["id", "kind"]
    assert result.rows == []


def test_row_limit_sets_truncated(engine: NeuroLakeEngine) -> None:
    capped = engine.execute_sql("SELECT id FROM orders ORDER BY id", limit=4)
    exact = engine.execute_sql("SELECT id FROM orders ORDER BY id", limit=6)
    own_limit = engine.execute_sql("SELECT id FROM orders ORDER BY id LIMIT 3", limit=10)
    own_limit_over_cap = engine.execute_sql("SELECT id FROM orders ORDER BY id LIMIT 5 OFFSET 1", limit=2)

    assert ids(capped) == [1, 2, 3, 4] and capped.truncated
    assert ids(exact) == [1, 2, 3, 4, 5, 6] and not exact.truncated
    assert ids(own_limit) == [1, 2, 3] and not own_limit.truncated
    assert ids(own_limit_over_cap) == [2, 3] and own_limit_over_cap.truncated


def test_default_limit_comes_from_settings(lake: Lake) -> None:
    lake.engine.config.row_limit = 3
    try:
        result = lake.engine.execute_sql("SELECT * FROM range(10)")
    finally:
        lake.engine.config.row_limit = 10_000

    assert result.row_count == 3 and result.truncated


def test_pagination_walks_every_row_once(engine: NeuroLakeEngine) -> None:
    pages = [engine.execute_sql("SELECT id FROM orders ORDER BY id DESC", page=p, page_size=4) for p in (1, 2, 3)]

    assert [ids(p) for p in pages] == [[6, 5, 4, 3], [2, 1], []]
    assert [p.truncated for p in pages] == [True, False, False]
    assert (pages[1].page, pages[1].page_size) == (2, 4)


def test_pagination_combines_with_the_query_own_limit_and_offset(engine: NeuroLakeEngine) -> None:
    first = engine.execute_sql("SELECT id FROM orders ORDER BY id LIMIT 5 OFFSET 1", page=1, page_size=3)
    second = engine.execute_sql("SELECT id FROM orders ORDER BY id LIMIT 5 OFFSET 1", page=2, page_size=3)

    assert ids(first) == [2, 3, 4] and first.truncated
    assert ids(second) == [5, 6] and not second.truncated


def test_page_size_is_capped_by_limit_and_checked(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT * FROM range(10)", page=1, page_size=50, limit=4)

    assert result.row_count == 4 and result.page_size == 4
    with pytest.raises(QueryValidationError, match="page must be"):
        engine.execute_sql("SELECT 1", page=0)


def test_duplicate_output_names_survive_the_row_window(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT o.id, c.id FROM orders o JOIN customers c ON c.id = o.customer_id LIMIT 1")

    assert result.columns == ["id", "id"]


def test_metrics_name_backend_versions_rows_and_bytes(lake: Lake) -> None:
    result = lake.engine.execute_sql("SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id")

    metrics = result.metrics
    assert metrics.backend == lake.engine.backend.name
    assert metrics.tables_read == {"orders": [2], "customers": [0]}
    assert metrics.rows == 5 == result.row_count
    assert metrics.bytes == result.table.nbytes > 0
    assert metrics.duration_ms > 0 and metrics.cache_hit is False
    assert len(metrics.query_id) == 32


def test_a_table_named_twice_is_pinned_once(own_lake: Lake) -> None:
    engine = own_lake.engine
    storage = own_lake.storage
    original = engine._snapshots.pin

    def pin_then_commit(name, spec=None, params=None):  # type: ignore[no-untyped-def]
        snapshot = original(name, spec, params)
        if name == "customers":
            storage.write_table(pa.table({"id": pa.array([9], pa.int64())}), "customers")
        return snapshot

    engine._snapshots.pin = pin_then_commit  # type: ignore[method-assign]
    result = engine.execute_sql("SELECT count(*) FROM customers a JOIN customers b ON a.id = b.id")

    assert result.rows == [(5,)]
    assert result.metrics.tables_read == {"customers": [0]}
    assert storage.current_version("customers") == 1


def test_new_commits_are_seen_by_the_next_query(own_lake: Lake) -> None:
    engine, storage = own_lake.engine, own_lake.storage
    before = engine.execute_sql("SELECT count(*) FROM products")
    storage.write_table(pa.table({"sku": ["d"], "price": [4.0]}), "products")
    after = engine.execute_sql("SELECT count(*) FROM products")

    assert (before.rows, after.rows) == ([(3,)], [(4,)])
    assert after.metrics.tables_read == {"products": [1]}


def test_statements_are_prepared_once_per_text(engine: NeuroLakeEngine) -> None:
    sql = "SELECT count(*) FROM orders WHERE amount > $min"
    first = engine._preparer.prepare(sql)
    results = [engine.execute_sql(sql, {"min": m}).rows for m in (0, 100)]

    assert engine._preparer.prepare(sql) is first
    assert results == [[(6,)], [(2,)]]


def test_concurrent_queries_on_one_engine(engine: NeuroLakeEngine) -> None:
    results: list[object] = []

    def run(n: int) -> None:
        results.append(engine.execute_sql("SELECT count(*) FROM orders WHERE id <= $n", {"n": n}).rows[0][0])

    threads = [threading.Thread(target=run, args=(n,)) for n in range(1, 7)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(results) == [1, 2, 3, 4, 5, 6]  # type: ignore[type-var]


def test_show_tables_and_describe(engine: NeuroLakeEngine) -> None:
    tables = engine.execute_sql("SHOW TABLES")
    described = engine.execute_sql("DESCRIBE customers")
    described_query = engine.execute_sql("DESCRIBE SELECT id, amount * 2 AS double FROM orders")

    assert ids(tables) == ["customers", "empty_events", "orders", "products"]
    assert described.rows[:2] == [("id", "BIGINT", True), ("name", "VARCHAR", True)]
    assert [r[:2] for r in described_query.rows] == [("id", "BIGINT"), ("double", "DECIMAL(18,2)")]


def test_explain_statement_returns_the_plan_as_rows(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("EXPLAIN SELECT count(*) FROM orders")

    text = "\n".join(r[0] for r in result.rows)
    assert result.columns == ["plan"]
    assert "orders@v2" in text and "Physical plan" in text


def test_query_results_convert_to_python_values(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("SELECT signup FROM customers WHERE id = 3")

    assert result.rows == [(date(2024, 2, 29),)]
    assert len(result) == 1


def test_from_settings_applies_engine_settings(own_lake: Lake, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", engine={"memory_limit": "256m", "row_limit": 5, "threads": 1})
    engine = NeuroLakeEngine.from_settings(settings, catalog=own_lake.catalog, storage=own_lake.storage)
    try:
        result = engine.execute_sql("SELECT * FROM range(10)")
        limit = engine.backend.execute(BackendJob("check", "SELECT current_setting('memory_limit') AS m")).to_pylist()
    finally:
        engine.close()

    assert result.row_count == 5 and result.truncated
    assert limit == [{"m": "256.0 MiB"}] or limit == [{"m": "244.1 MiB"}]
    spark = load_settings(home=tmp_path / "home", engine={"backend": "spark"})
    spark_engine = NeuroLakeEngine.from_settings(spark, catalog=own_lake.catalog, storage=own_lake.storage)
    spark_engine.close()  # built without starting Spark: its session starts on the first query
    assert (spark_engine.backend.name, spark_engine.backend.capabilities.memory_limit) == ("spark", False)
