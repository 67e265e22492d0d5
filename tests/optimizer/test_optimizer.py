"""QueryOptimizer: rule order and registry, the on/off switch, metrics, the log, failure isolation."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from sqlglot import exp, parse_one

from neurolake.config import load_settings
from neurolake.optimizer import (
    RULES,
    FunctionRule,
    OptimizationContext,
    OptimizationRule,
    QueryOptimizer,
    RuleSkipped,
    register_rule,
)
from tests.optimizer.cases import assert_same_results, load_cases

JOIN = (
    "SELECT o.id, c.name FROM orders o JOIN customers c ON o.customer_id = c.id "
    "WHERE c.region_id = 2 AND 1 = 1 ORDER BY o.id"
)


def _parse(sql: str) -> exp.Expr:
    return parse_one(sql, read="duckdb")


class Records(logging.Handler):
    """Collects the optimizer's log records, whatever the root logger is set to."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[list[logging.LogRecord]]:
    logger = logging.getLogger("neurolake.optimizer")
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler.records
    logger.removeHandler(handler)
    logger.setLevel(level)


def _raising(tree: exp.Expr) -> exp.Expr:
    tree.set("where", None)  # damage the snapshot first: the optimizer must not keep it
    raise RuntimeError("rule bug")


def _rename_first_column(tree: exp.Expr) -> exp.Expr:
    first = tree.find(exp.Alias)
    assert first is not None
    first.replace(exp.alias_(first.unalias(), "renamed"))
    return tree


def _drop_time_travel(tree: exp.Expr) -> exp.Expr:
    for table in tree.find_all(exp.Table):
        table.set("version", None)
    return tree


def _not_applicable(tree: exp.Expr) -> exp.Expr:
    raise RuleSkipped("nothing to do here")


class UppercaseStrings:
    """A rule written as a class instead of a function."""

    name = "uppercase_strings"

    def apply(self, tree: exp.Expr, *, context: OptimizationContext) -> exp.Expr:
        for literal in tree.find_all(exp.Literal):
            if literal.is_string:
                literal.set("this", literal.this.upper())
        return tree


def test_default_rules_run_in_order() -> None:
    assert [rule.name for rule in RULES] == [
        "qualify",
        "constant_folding",
        "redundant_subquery_elimination",
        "predicate_pushdown",
        "projection_pruning",
        "join_reordering",
    ]
    assert all(isinstance(rule, OptimizationRule) for rule in RULES)


def test_rules_chain_and_each_change_records_sql_before_and_after(
    shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    result = QueryOptimizer().optimize(_parse(JOIN), schema=schema, row_counts=counts)

    assert result.applied == ["constant_folding", "predicate_pushdown", "join_reordering"]
    assert [c.rule for c in result.changes] == [rule.name for rule in RULES]
    for previous, change in zip(result.changes, result.changes[1:], strict=False):
        assert change.sql_before == previous.sql_after
    assert all(c.duration_ms >= 0 for c in result.changes)
    assert set(result.timings) == {rule.name for rule in RULES}
    assert result.sql == (
        "SELECT o.id AS id, c.name AS name FROM customers AS c JOIN orders AS o "
        "ON c.id = o.customer_id AND c.region_id = 2 ORDER BY o.id"
    )
    assert_same_results(shop, JOIN, result.sql)


def test_the_optimizer_can_be_switched_off_by_default_and_per_query(schema: dict[str, dict[str, str]]) -> None:
    off = QueryOptimizer(enabled=False)
    on = QueryOptimizer()

    skipped = off.optimize(_parse(JOIN), schema=schema)
    forced = off.optimize(_parse(JOIN), schema=schema, enabled=True)
    declined = on.optimize(_parse(JOIN), schema=schema, enabled=False)

    assert (skipped.enabled, skipped.changes, skipped.applied) == (False, [], [])
    assert skipped.sql == _parse(JOIN).sql("duckdb")
    assert forced.applied and forced.enabled
    assert declined.applied == [] and not declined.enabled


def test_from_settings_reads_engine_optimizer_enabled(tmp_path: Path) -> None:
    off = load_settings(home=tmp_path / "home", environment="test", engine={"optimizer_enabled": False})
    on = load_settings(home=tmp_path / "home", environment="test")

    assert QueryOptimizer.from_settings(off).enabled is False
    assert QueryOptimizer.from_settings(on).enabled is True


def test_each_rewrite_is_logged_at_debug_with_sql_before_and_after(
    records: list[logging.LogRecord], schema: dict[str, dict[str, str]]
) -> None:
    QueryOptimizer().optimize(_parse("SELECT id FROM orders WHERE 1 = 1"), schema=schema)

    rewrites = [r for r in records if "rewrote the query" in r.getMessage()]
    assert [r.rule for r in rewrites] == ["qualify", "constant_folding"]  # type: ignore[attr-defined]
    assert all(r.levelno == logging.DEBUG for r in rewrites)
    message = rewrites[1].getMessage()
    assert "before: SELECT orders.id AS id FROM orders AS orders WHERE 1 = 1" in message
    assert "after:  SELECT orders.id AS id FROM orders AS orders" in message


def test_a_rule_that_raises_is_skipped_and_the_query_still_runs(
    shop: duckdb.DuckDBPyConnection, records: list[logging.LogRecord], schema: dict[str, dict[str, str]]
) -> None:
    rules = register_rule(FunctionRule(_raising), after="constant_folding")
    sql = "SELECT id, amount FROM orders WHERE amount > 2 * 100 AND status = 'shipped'"

    result = QueryOptimizer(rules).optimize(_parse(sql), schema=schema)

    failed = next(c for c in result.changes if c.rule == "_raising")
    assert failed.error == "RuntimeError: rule bug"
    assert not failed.changed and failed.sql_after == failed.sql_before
    assert "WHERE" in failed.sql_after  # the snapshot it damaged was thrown away
    assert result.errors == {"_raising": "RuntimeError: rule bug"}
    assert "constant_folding" in result.applied  # rules before and after it still count
    assert_same_results(shop, sql, result.sql)
    warnings = [r for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "_raising" in warnings[0].getMessage()


def test_a_rewrite_that_renames_a_result_column_is_refused(
    records: list[logging.LogRecord], schema: dict[str, dict[str, str]]
) -> None:
    rules = register_rule(FunctionRule(_rename_first_column), after="qualify")

    result = QueryOptimizer(rules).optimize(_parse("SELECT id, amount FROM orders WHERE 1 = 1"), schema=schema)

    assert result.errors["_rename_first_column"] == "result column 'id' was renamed to 'renamed'"
    refusals = [r for r in records if "was refused" in r.getMessage()]
    assert [r.levelno for r in refusals] == [logging.INFO]
    assert result.sql == "SELECT orders.id AS id, orders.amount AS amount FROM orders AS orders"


def test_a_rewrite_that_loses_time_travel_is_refused(schema: dict[str, dict[str, str]]) -> None:
    rules = (FunctionRule(_drop_time_travel),)

    result = QueryOptimizer(rules).optimize(_parse("SELECT id FROM orders VERSION AS OF 1"), schema=schema)

    assert "orders" in result.errors["_drop_time_travel"]
    assert result.tree.find(exp.Version) is not None


def test_a_rewrite_that_reorders_positional_parameters_is_refused(
    shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]
) -> None:
    # pushing `s.id > ?` into the derived table would put it before the `?` of the join
    sql = (
        "SELECT s.id FROM (SELECT DISTINCT id, customer_id FROM orders) s "
        "JOIN customers c ON c.id = s.customer_id AND c.region_id = ? WHERE s.id > ?"
    )

    result = QueryOptimizer().optimize(_parse(sql), schema=schema)

    assert "positional parameter" in result.errors["predicate_pushdown"]
    assert_same_results(shop, sql, result.sql, [2, 10])


def test_a_rule_may_decline_with_a_reason(schema: dict[str, dict[str, str]]) -> None:
    result = QueryOptimizer((FunctionRule(_not_applicable),)).optimize(_parse("SELECT 1 AS x"), schema=schema)

    assert result.changes[0].skipped == "nothing to do here"
    assert result.errors == {} and result.applied == []


def test_rules_that_need_a_schema_are_skipped_without_one() -> None:
    sql = "SELECT o.id, name FROM orders o JOIN customers c ON o.customer_id = c.id WHERE region_id = 2 AND 1 = 1"

    result = QueryOptimizer().optimize(_parse(sql))

    skipped = {c.rule: c.skipped for c in result.changes if c.skipped}
    assert skipped["qualify"] == "no schema was given, so columns cannot be tied to tables"
    assert set(skipped) == {"qualify", *(r.name for r in RULES if getattr(r, "needs_qualified_tree", False))}
    assert result.applied == ["constant_folding"]
    assert (
        result.sql
        == "SELECT o.id, name FROM orders AS o JOIN customers AS c ON o.customer_id = c.id WHERE region_id = 2"
    )


def test_a_table_missing_from_the_schema_stops_qualification(schema: dict[str, dict[str, str]]) -> None:
    result = QueryOptimizer().optimize(_parse("SELECT id FROM orders_v1 JOIN orders USING (id)"), schema=schema)

    assert result.changes[0].skipped == "the schema does not describe orders_v1"


def test_a_query_nothing_improves_comes_back_as_written(schema: dict[str, dict[str, str]]) -> None:
    sql = "SELECT status, count(*) FROM orders GROUP BY status"

    result = QueryOptimizer().optimize(_parse(sql), schema=schema)

    assert result.applied == []
    assert result.changes[0].changed  # qualify ran, but alone it is not worth the rewrite
    assert result.sql == "SELECT status, COUNT(*) FROM orders GROUP BY status"


def test_only_queries_are_rewritten(schema: dict[str, dict[str, str]]) -> None:
    result = QueryOptimizer().optimize(_parse("INSERT INTO regions SELECT id, name FROM regions WHERE 1 = 1"))

    assert result.changes == [] and result.applied == []
    assert result.sql == "INSERT INTO regions SELECT id, name FROM regions WHERE 1 = 1"


def test_the_callers_tree_is_never_modified(schema: dict[str, dict[str, str]]) -> None:
    tree = _parse(JOIN)
    before = repr(tree)

    QueryOptimizer().optimize(tree, schema=schema)

    assert repr(tree) == before


def test_rules_can_be_registered_at_a_position() -> None:
    extra = UppercaseStrings()

    assert [r.name for r in register_rule(extra, before="qualify")][:2] == ["uppercase_strings", "qualify"]
    assert [r.name for r in register_rule(extra)][-1] == "uppercase_strings"
    optimizer = QueryOptimizer()
    optimizer.register(extra, after="predicate_pushdown")
    names = [r.name for r in optimizer.rules]
    assert names.index("uppercase_strings") == names.index("predicate_pushdown") + 1
    with pytest.raises(ValueError, match="already registered"):
        optimizer.register(extra)
    with pytest.raises(ValueError, match="no rule named 'nope'"):
        register_rule(FunctionRule(_raising), after="nope")
    with pytest.raises(ValueError, match="unique"):
        QueryOptimizer([extra, extra])


def test_a_class_based_rule_runs_like_any_other(schema: dict[str, dict[str, str]]) -> None:
    result = QueryOptimizer((UppercaseStrings(),)).optimize(
        _parse("SELECT name AS n FROM regions WHERE name = 'north'"), schema=schema
    )

    assert isinstance(UppercaseStrings(), OptimizationRule)
    assert result.applied == ["uppercase_strings"]
    assert result.sql == "SELECT name AS n FROM regions WHERE name = 'NORTH'"


class BrokenFlags:
    """A rule whose attributes fail when the optimizer reads them, outside any apply()."""

    name = "broken_flags"

    @property
    def needs_qualified_tree(self) -> bool:
        raise RuntimeError("flag bug")

    def apply(self, tree: exp.Expr, *, context: OptimizationContext) -> exp.Expr:
        return tree


def test_a_failure_outside_the_rules_leaves_the_query_as_written(
    records: list[logging.LogRecord], schema: dict[str, dict[str, str]]
) -> None:
    rules = (*RULES[:2], BrokenFlags())

    result = QueryOptimizer(rules).optimize(_parse("SELECT id FROM orders WHERE 1 = 1"), schema=schema)

    assert result.error == "RuntimeError: flag bug"
    assert result.sql == "SELECT id FROM orders WHERE 1 = 1"
    assert any(r.levelno == logging.WARNING and "flag bug" in r.getMessage() for r in records)


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT s.id FROM (SELECT id, customer_id FROM orders VERSION AS OF 3 WHERE 1 = 1) s "
        "JOIN customers c ON c.id = s.customer_id WHERE c.region_id = 2",
        "WITH old AS (SELECT * FROM orders TIMESTAMP AS OF '2024-01-01 00:00:00') "
        "SELECT o.id, old.status FROM orders o JOIN old ON old.id = o.id WHERE old.amount > 2 * 50",
    ],
)
def test_time_travel_clauses_survive_the_whole_pipeline(sql: str, schema: dict[str, dict[str, str]]) -> None:
    result = QueryOptimizer().optimize(_parse(sql), schema=schema, row_counts={"orders": 60, "customers": 24})

    assert result.applied and result.errors == {}
    versions = sorted(v.sql("duckdb") for v in result.tree.find_all(exp.Version))
    assert versions == sorted(v.sql("duckdb") for v in _parse(sql).find_all(exp.Version))
    assert all(isinstance(v.parent, exp.Table) and v.parent.name == "orders" for v in result.tree.find_all(exp.Version))


def test_named_parameters_survive(shop: duckdb.DuckDBPyConnection, schema: dict[str, dict[str, str]]) -> None:
    sql = (
        "SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id "
        "WHERE c.region_id = $region AND o.amount > $least AND 1 = 1"
    )

    result = QueryOptimizer().optimize(_parse(sql), schema=schema)

    assert "predicate_pushdown" in result.applied
    assert_same_results(shop, sql, result.sql, {"region": 2, "least": 100})


def test_every_rule_has_fixtures_that_run_and_a_section_in_the_docs() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "optimizer.md").read_text()

    for rule in RULES:
        assert f"### {rule.name}" in docs, f"docs/optimizer.md does not describe {rule.name}"
        if getattr(rule, "preparatory", False):
            continue
        cases = load_cases(rule.name)
        assert len(cases) >= 5 and all(case.execute for case in cases), rule.name


def test_describe_gives_one_line_per_rewrite_and_refusal(schema: dict[str, dict[str, str]]) -> None:
    rules = register_rule(FunctionRule(_raising), after="constant_folding")

    result = QueryOptimizer(rules).optimize(_parse("SELECT id FROM orders WHERE 1 = 1"), schema=schema)

    assert result.describe() == [
        "qualify: SELECT orders.id AS id FROM orders AS orders WHERE 1 = 1",
        "constant_folding: SELECT orders.id AS id FROM orders AS orders",
        "_raising not applied: RuntimeError: rule bug",
    ]
