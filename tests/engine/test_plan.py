"""explain(): what a query would read and how, rendered as a tree."""

from __future__ import annotations

import pytest

from neurolake.engine import NeuroLakeEngine, QueryPlan
from neurolake.errors import PermissionDeniedError, QueryValidationError


def test_explain_lists_tables_versions_and_the_physical_plan(engine: NeuroLakeEngine) -> None:
    plan = engine.explain(
        "SELECT c.name, sum(o.amount) FROM orders o JOIN customers VERSION AS OF 0 AS c ON c.id = o.customer_id "
        "GROUP BY 1",
        optimize=False,
    )

    assert isinstance(plan, QueryPlan)
    assert [(t.name, t.alias, t.version, t.scan) for t in plan.tables] == [
        ("orders", "o", 2, "files"),
        ("customers", "c", 0, "files"),
    ]
    assert plan.optimizer_changes == () and plan.optimized_sql is None
    assert plan.backend == engine.backend.name and plan.physical.strip()
    text = str(plan)
    assert text.splitlines()[0] == f"Query plan ({engine.backend.name})"
    assert "├── Tables read" in text and "│   ├── orders@v2 AS o: " in text and "│   └── customers@v0 AS c" in text
    assert "├── Optimizer: off\n└── Physical plan" in text
    assert plan.to_dict()["tables"][0]["version"] == 2


def test_explain_runs_nothing_and_checks_like_execute(engine: NeuroLakeEngine) -> None:
    assert engine.explain("EXPLAIN SELECT count(*) FROM orders").tables[0].name == "orders"
    with pytest.raises(PermissionDeniedError):
        engine.explain("DROP TABLE orders")
    for not_a_query in ("DELETE FROM orders", "SHOW TABLES"):
        with pytest.raises(QueryValidationError, match="Only queries"):
            engine.explain(not_a_query)
    with pytest.raises(QueryValidationError, match="Did you mean 'amount'"):
        engine.explain("SELECT amout FROM orders")
    with pytest.raises(QueryValidationError, match="EXPLAIN ANALYZE"):
        engine.execute_sql("EXPLAIN ANALYZE SELECT 1")


def test_explain_binds_parameters(engine: NeuroLakeEngine) -> None:
    plan = engine.explain("SELECT * FROM orders WHERE id = $id", {"id": 3})

    assert plan.tables[0].name == "orders"
