"""The rule interface: a function becomes a rule that receives only the options it names."""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp, parse_one

from neurolake.optimizer import FunctionRule, OptimizationContext, OptimizationRule


def count_options(tree: exp.Expr, *, dialect: str, row_counts: Mapping[str, int]) -> exp.Expr:
    """Leaves a note of the options it got."""
    tree.set("limit", exp.Limit(expression=exp.Literal.number(len(row_counts))))
    return tree if dialect == "duckdb" else parse_one("SELECT 0")


def test_a_function_rule_is_named_after_its_function_and_gets_its_options() -> None:
    rule = FunctionRule(count_options, needs_qualified_tree=True)
    context = OptimizationContext(dialect="duckdb", row_counts={"a": 1, "b": 2})

    tree = rule.apply(parse_one("SELECT 1 AS x"), context=context)

    assert isinstance(rule, OptimizationRule)
    assert rule.name == "count_options" and rule.needs_qualified_tree and not rule.preparatory
    assert tree.sql() == "SELECT 1 AS x LIMIT 2"


def test_a_rule_can_have_its_own_name() -> None:
    assert FunctionRule(count_options, name="limits").name == "limits"
