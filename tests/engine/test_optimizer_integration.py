"""The optimizer inside the engine: it runs after snapshots are pinned and never changes a result."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlglot import exp, parse_one
from typer.testing import CliRunner

from neurolake.cli import app
from neurolake.cli.context import state
from neurolake.config import load_settings
from neurolake.engine import NeuroLakeEngine
from neurolake.engine.snapshots import SnapshotResolver
from neurolake.optimizer import FunctionRule, OptimizationResult, QueryOptimizer

from .conftest import Lake

# name: (SQL, parameters, rules that must fire)
QUERIES: dict[str, tuple[str, Any, set[str]]] = {
    "inner join": (
        "SELECT o.id, c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE c.country = 'FR' AND 1 = 1 ORDER BY o.id",
        None,
        {"constant_folding", "predicate_pushdown", "join_reordering"},
    ),
    "left join": (
        "SELECT c.name, o.id FROM customers c LEFT JOIN orders o ON o.customer_id = c.id AND o.status = 'paid' "
        "WHERE c.signup >= DATE '2023-01-01' ORDER BY c.name, o.id",
        None,
        set(),
    ),
    "group by": (
        "SELECT c.country, count(*) AS n, sum(o.amount) AS Total FROM orders o JOIN customers c "
        "ON c.id = o.customer_id WHERE o.amount > 5 + 5 GROUP BY c.country HAVING count(*) > 0 "
        "ORDER BY c.country NULLS LAST",
        None,
        {"constant_folding", "join_reordering"},
    ),
    "windows": (
        "SELECT id, customer_id, rank() OVER (PARTITION BY customer_id ORDER BY amount DESC) AS r, "
        "sum(amount) OVER (ORDER BY id) AS running FROM orders WHERE TRUE ORDER BY id",
        None,
        {"constant_folding"},
    ),
    "derived table": (
        "SELECT s.customer_id, s.total FROM (SELECT customer_id, sum(amount) AS total, max(status) AS st "
        "FROM orders GROUP BY customer_id) s WHERE s.total > 10 ORDER BY 1",
        None,
        {"projection_pruning"},
    ),
    "IN subquery": (
        "SELECT name FROM customers WHERE id IN "
        "(SELECT customer_id FROM orders WHERE status = 'open' AND 1 = 1) ORDER BY name",
        None,
        {"constant_folding"},
    ),
    "EXISTS": (
        "SELECT c.name FROM customers c WHERE EXISTS "
        "(SELECT 1 FROM orders o WHERE o.customer_id = c.id AND o.amount > 50 * 2) ORDER BY 1",
        None,
        {"constant_folding"},
    ),
    "scalar subquery": (
        "SELECT id, amount - (SELECT avg(amount) FROM orders WHERE TRUE) AS diff FROM orders ORDER BY id",
        None,
        {"constant_folding"},
    ),
    "CTEs": (
        "WITH big AS (SELECT * FROM orders WHERE amount >= 20), unused AS (SELECT * FROM products) "
        "SELECT b.id, c.name FROM big b JOIN customers c ON b.customer_id = c.id ORDER BY b.id",
        None,
        {"redundant_subquery_elimination"},
    ),
    "union": (
        "SELECT name AS label FROM customers WHERE country = 'FR' UNION ALL "
        "SELECT sku FROM products WHERE price > 1 + 1 ORDER BY label",
        None,
        {"constant_folding"},
    ),
    "star": ("SELECT * FROM orders WHERE 1 = 1 ORDER BY id", None, {"constant_folding"}),
    "time travel join": (
        "SELECT now.id, old.amount AS before, now.amount AS after FROM orders now "
        "JOIN orders VERSION AS OF 0 AS old ON old.id = now.id WHERE now.amount <> old.amount ORDER BY 1",
        None,
        {"predicate_pushdown"},
    ),
    "timestamp as of": (
        "SELECT count(*) AS n FROM orders TIMESTAMP AS OF '2999-01-01 00:00:00' WHERE 2 > 1",
        None,
        {"constant_folding"},
    ),
    "named parameters": (
        "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE c.country = $country AND o.amount > $min ORDER BY o.id",
        {"country": "FR", "min": 10},
        {"predicate_pushdown", "join_reordering"},
    ),
    "positional parameters": (
        "SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE o.amount > ? AND c.country = ? ORDER BY o.id",
        [10, "FR"],
        {"join_reordering"},
    ),
    "version parameter": ("SELECT * FROM orders VERSION AS OF $v WHERE 1 = 1 ORDER BY id", {"v": 1}, set()),
    "limit": ("SELECT id, amount FROM orders WHERE 1 = 1 ORDER BY amount DESC LIMIT 3", None, {"constant_folding"}),
}


# Every query runs on DuckDB; Spark (seconds per query) runs one per kind of rewrite.
SPARK_SUBSET = {"inner join", "left join", "windows", "CTEs", "time travel join", "positional parameters"}


@pytest.mark.parametrize("name", list(QUERIES))
def test_results_are_identical_with_the_optimizer_on_and_off(engine: NeuroLakeEngine, name: str) -> None:
    if engine.backend.name == "spark" and name not in SPARK_SUBSET:
        pytest.skip("the whole set runs on DuckDB; Spark runs SPARK_SUBSET")
    sql, params, expected_rules = QUERIES[name]

    on = engine.execute_sql(sql, params)
    off = engine.execute_sql(sql, params, optimize=False)

    assert on.table.equals(off.table), name  # names, types, values and order
    assert on.table.schema.equals(off.table.schema)
    assert expected_rules <= set(on.metrics.rules_applied)
    assert off.metrics.rules_applied == ()


def test_explain_shows_each_rule_that_fired_and_the_sql_it_produced(engine: NeuroLakeEngine) -> None:
    sql = QUERIES["inner join"][0]

    plan = engine.explain(sql)
    plain = engine.explain(sql, optimize=False)

    assert plan.optimizer.enabled and plan.optimizer.applied == (
        "constant_folding",
        "predicate_pushdown",
        "join_reordering",
    )
    folded, pushed, reordered = plan.optimizer.rules
    assert "1 = 1" not in folded.sql and "WHERE c.country = 'FR'" in folded.sql
    assert "WHERE" not in pushed.sql and "c.country = 'FR'" in pushed.sql
    assert reordered.sql.startswith("SELECT") and "FROM customers AS c JOIN orders AS o" in reordered.sql
    for change in plan.optimizer.rules:
        parse_one(change.sql, read="duckdb")  # each step is SQL that parses
    assert plan.optimizer_changes[0] == f"constant_folding: {folded.sql}"
    assert plan.optimized_sql is not None and "FROM customers AS c JOIN orders AS o" in plan.optimized_sql
    # The plan follows the rewrite: customers (5 rows) is joined first, as the physical plan shows.
    assert [t.name for t in plan.tables] == ["customers", "orders"]
    text = str(plan)
    assert "├── Optimizer: 3 rule(s) fired in" in text
    assert "│   ├── constant_folding: SELECT" in text and "│   └── join_reordering: SELECT" in text
    assert plan.to_dict()["optimizer"]["rules"][0]["rule"] == "constant_folding"
    assert "├── Optimizer: off" in str(plain) and [t.name for t in plain.tables] == ["orders", "customers"]


def test_the_explain_statement_shows_the_rules_too(engine: NeuroLakeEngine) -> None:
    result = engine.execute_sql("EXPLAIN SELECT id FROM orders WHERE 1 = 1")

    text = "\n".join(row[0] for row in result.rows)
    assert "Optimizer: 1 rule(s) fired" in text
    assert "constant_folding: SELECT orders.id AS id FROM orders AS orders" in text


def test_metrics_name_the_rules_applied(engine: NeuroLakeEngine) -> None:
    sql = QUERIES["inner join"][0]

    result = engine.execute_sql(sql)

    assert result.metrics.rules_applied == engine.explain(sql).optimizer.applied
    assert result.to_dict()["metrics"]["rules_applied"] == ["constant_folding", "predicate_pushdown", "join_reordering"]
    assert engine.execute_sql("SELECT 1 AS one").metrics.rules_applied == ()


def test_subqueries_are_left_for_the_backend_to_decorrelate(own_lake: Lake) -> None:
    sql = QUERIES["EXISTS"][0]
    unnesting = NeuroLakeEngine(
        own_lake.catalog, own_lake.storage, backend=own_lake.engine.backend, optimizer=QueryOptimizer()
    )

    kept = own_lake.engine.explain(sql)
    unnested = unnesting.explain(sql)

    assert kept.optimized_sql is not None and "EXISTS" in kept.optimized_sql and "_u_" not in kept.optimized_sql
    # An optimizer handed to the engine runs as it is: sqlglot's unnesting turns EXISTS into a join.
    assert "redundant_subquery_elimination" in unnested.optimizer.applied
    assert unnested.optimized_sql is not None and "EXISTS" not in unnested.optimized_sql
    assert unnesting.execute_sql(sql).table.equals(own_lake.engine.execute_sql(sql).table)


def test_row_counts_for_join_order_come_from_the_delta_log(lake: Lake) -> None:
    resolver = SnapshotResolver(lake.storage)

    counts = {name: resolver.pin(name).row_count for name in ("orders", "customers", "products", "empty_events")}

    assert counts == {"orders": 6, "customers": 5, "products": 3, "empty_events": 0}


def test_a_table_that_gains_a_column_is_optimized_again(own_lake: Lake) -> None:
    engine = own_lake.engine
    sql = "SELECT * FROM products WHERE 1 = 1 ORDER BY sku"
    before = engine.execute_sql(sql)
    own_lake.storage.write_table(
        pa.table({"sku": ["d"], "price": [4.0], "category": ["toys"]}), "products", schema_mode="merge"
    )

    after = engine.execute_sql(sql)
    plan = engine.explain(sql)

    assert before.columns == ["sku", "price"] and before.metrics.rules_applied == ("constant_folding",)
    assert after.columns == ["sku", "price", "category"]
    assert after.rows[-1] == ("d", 4.0, "toys") and after.rows[0] == ("a", 1.5, None)
    assert plan.optimized_sql is not None and "category" in plan.optimized_sql
    assert after.table.equals(engine.execute_sql(sql, optimize=False).table)


def test_time_travel_to_an_older_schema_with_the_optimizer_on(own_lake: Lake) -> None:
    engine = own_lake.engine
    own_lake.storage.write_table(
        pa.table({"sku": ["d"], "price": [4.0], "category": ["toys"]}), "products", schema_mode="merge"
    )
    old = "SELECT * FROM products VERSION AS OF 0 WHERE 1 = 1 ORDER BY sku"
    # One table at two versions with different columns: the star must expand per version.
    mixed = (
        "SELECT now.*, past.price AS old_price FROM products now "
        "LEFT JOIN products VERSION AS OF 0 AS past ON past.sku = now.sku WHERE 1 = 1 ORDER BY now.sku"
    )

    old_result = engine.execute_sql(old)
    mixed_result = engine.execute_sql(mixed)

    assert old_result.columns == ["sku", "price"] and old_result.metrics.rules_applied == ("constant_folding",)
    assert old_result.rows == [("a", 1.5), ("b", 2.0), ("c", 10.0)]
    assert mixed_result.columns == ["sku", "price", "category", "old_price"]
    assert mixed_result.rows[-1] == ("d", 4.0, "toys", None)
    assert mixed_result.table.equals(engine.execute_sql(mixed, optimize=False).table)
    assert mixed_result.metrics.tables_read == {"products": [0, 1]}


class _CountingOptimizer(QueryOptimizer):
    """The real optimizer, counting how often the engine asks it."""

    calls = 0

    def optimize(self, tree: exp.Expr, **options: Any) -> OptimizationResult:
        self.calls += 1
        return super().optimize(tree, **options)


def _orders(ids: range, amount: str = "3.00") -> pa.Table:
    return pa.table(
        {
            "id": pa.array(list(ids), pa.int64()),
            "customer_id": pa.array([2] * len(ids), pa.int64()),
            "amount": pa.array([Decimal(amount)] * len(ids), pa.decimal128(10, 2)),
            "status": ["open"] * len(ids),
            "ordered_at": pa.array([None] * len(ids), pa.timestamp("us")),
        }
    )


def test_a_rewrite_is_reused_until_the_tables_change_shape(own_lake: Lake) -> None:
    optimizer = _CountingOptimizer()
    engine = NeuroLakeEngine(own_lake.catalog, own_lake.storage, backend=own_lake.engine.backend, optimizer=optimizer)
    sql = "SELECT c.name, count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY 1 ORDER BY 1"
    calls = []

    first = engine.execute_sql(sql)
    engine.execute_sql(sql)
    engine.execute_sql(sql.replace(" JOIN ", "\n  join  ") + "  -- the same query, spelled differently")
    calls.append(optimizer.calls)
    own_lake.storage.write_table(_orders(range(7, 8)), "orders")  # an append: same columns, about as many rows
    after_append = engine.execute_sql(sql)
    calls.append(optimizer.calls)
    own_lake.storage.write_table(_orders(range(8, 40)), "orders")  # 39 rows instead of 7: join order may change
    engine.execute_sql(sql)
    calls.append(optimizer.calls)
    own_lake.storage.write_table(
        pa.table({"id": pa.array([6], pa.int64()), "tier": ["gold"]}), "customers", schema_mode="merge"
    )
    after_new_column = engine.execute_sql(sql)
    calls.append(optimizer.calls)

    assert calls == [1, 1, 2, 3]
    assert ("Bo", 1) in first.rows and ("Bo", 2) in after_append.rows and ("Bo", 34) in after_new_column.rows
    assert first.metrics.rules_applied == after_append.metrics.rules_applied == ("join_reordering",)
    assert after_new_column.table.equals(engine.execute_sql(sql, optimize=False).table)


def test_the_setting_and_the_per_query_switch(own_lake: Lake, tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", engine={"optimizer_enabled": False})
    off_by_setting = NeuroLakeEngine(
        own_lake.catalog, own_lake.storage, backend=own_lake.engine.backend, settings=settings
    )
    sql = "SELECT id FROM orders WHERE 1 = 1 ORDER BY id"

    assert off_by_setting.execute_sql(sql).metrics.rules_applied == ()
    assert off_by_setting.execute_sql(sql, optimize=True).metrics.rules_applied == ("constant_folding",)
    assert "Optimizer: off" in str(off_by_setting.explain(sql))
    assert own_lake.engine.execute_sql(sql, optimize=False).metrics.rules_applied == ()
    switched_off = NeuroLakeEngine(
        own_lake.catalog, own_lake.storage, backend=own_lake.engine.backend, optimizer=QueryOptimizer(enabled=False)
    )
    assert switched_off.execute_sql(sql).metrics.rules_applied == ()


class _BrokenOptimizer(QueryOptimizer):
    """An optimizer with a bug outside any rule."""

    def optimize(self, tree: exp.Expr, **options: Any) -> OptimizationResult:
        raise RuntimeError("optimizer bug")


def _broken_rule(tree: exp.Expr) -> exp.Expr:
    raise ValueError("rule bug")


def test_an_optimizer_failure_never_fails_a_query(own_lake: Lake, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    broken = NeuroLakeEngine(
        own_lake.catalog, own_lake.storage, backend=own_lake.engine.backend, optimizer=_BrokenOptimizer()
    )
    with_broken_rule = QueryOptimizer()
    with_broken_rule.register(FunctionRule(_broken_rule), after="constant_folding")
    half_broken = NeuroLakeEngine(
        own_lake.catalog, own_lake.storage, backend=own_lake.engine.backend, optimizer=with_broken_rule
    )
    sql = "SELECT id FROM orders WHERE 1 = 1 ORDER BY id"

    result = broken.execute_sql(sql)
    plan = broken.explain(sql)
    partly = half_broken.execute_sql(sql)
    partly_plan = half_broken.explain(sql)

    assert [r[0] for r in result.rows] == [1, 2, 3, 4, 5, 6] and result.metrics.rules_applied == ()
    assert plan.optimizer.notes == ("optimizer not applied: RuntimeError: optimizer bug",)
    assert "optimizer not applied: RuntimeError: optimizer bug" in str(plan)
    assert "the optimizer failed, the query runs as written" in caplog.text
    assert partly.rows == result.rows and partly.metrics.rules_applied == ("constant_folding",)
    assert "_broken_rule not applied: ValueError: rule bug" in partly_plan.optimizer.notes


@pytest.fixture
def numbers_home(cli_home: Path) -> Path:
    state.platform.storage.write_table(pa.table({"id": pa.array([1, 2, 3], pa.int64())}), "numbers")
    return cli_home


def test_the_sql_command_can_switch_the_optimizer_off(numbers_home: Path) -> None:
    runner = CliRunner()
    sql = "SELECT id FROM numbers WHERE 1 = 1 ORDER BY id"

    on = runner.invoke(app, ["sql", sql, "-f", "json", "--no-cache"])
    off = runner.invoke(app, ["sql", sql, "-f", "json", "--no-cache", "--no-optimize"])

    assert on.exit_code == 0 and off.exit_code == 0, (on.output, off.output)
    assert json.loads(on.output)["metrics"]["rules_applied"] == ["constant_folding"]
    assert json.loads(off.output)["metrics"]["rules_applied"] == []
    assert json.loads(on.output)["rows"] == json.loads(off.output)["rows"] == [[1], [2], [3]]
