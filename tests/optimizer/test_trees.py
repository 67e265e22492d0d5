"""Cheaper snapshots: shared scalar metadata, the exact tree comparison, and how the optimizer uses them."""

from __future__ import annotations

from copy import deepcopy

import pytest
from sqlglot import exp, parse_one

from neurolake.engine.optimization import default_optimizer
from neurolake.optimizer import RULES, FunctionRule, QueryOptimizer, register_rule
from neurolake.optimizer.trees import ScalarMeta, same_tree, share_scalar_meta
from tests.optimizer.cases import load_queries

QUERIES = load_queries("analytic_queries")


def _parse(sql: str) -> exp.Expr:
    return parse_one(sql, read="duckdb")


def _find(tree: exp.Expr, kind: type[exp.Expr]) -> exp.Expr:
    node = tree.find(kind)
    assert node is not None
    return node


def test_a_copy_of_scalar_meta_shares_scalars_and_copies_the_rest() -> None:
    parts = ["db", "t"]
    meta = ScalarMeta(line=1, name="Orders", final=True, none=None, parts=parts)

    copied = deepcopy(meta)

    assert copied == meta and type(copied) is ScalarMeta and copied is not meta
    assert copied["parts"] == parts and copied["parts"] is not parts
    copied["line"] = 2
    assert meta["line"] == 1


def test_share_scalar_meta_keeps_every_item_and_drops_empty_dicts() -> None:
    tree = _parse("SELECT Amount FROM orders WHERE id = 1")
    _find(tree, exp.Where).meta  # noqa: B018  (reading meta creates an empty dict)
    before = {id(node): dict(node._meta or {}) for node in tree.walk()}

    share_scalar_meta(tree)

    assert {id(node): dict(node._meta or {}) for node in tree.walk()} == before
    assert all(node._meta is None or type(node._meta) is ScalarMeta for node in tree.walk())
    assert _find(tree, exp.Where)._meta is None
    copied = tree.copy()
    assert all(node._meta is None or type(node._meta) is ScalarMeta for node in copied.walk())
    assert copied.sql() == tree.sql() and same_tree(copied, tree)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("SELECT a FROM t", "SELECT A FROM t"),  # sqlglot's == ignores the case of names
        ("SELECT a FROM t", 'SELECT "a" FROM t'),
        ("SELECT 'x' AS a FROM t", "SELECT 'X' AS a FROM t"),
        ("SELECT a FROM t /* one */", "SELECT a FROM t /* two */"),
        ("SELECT a FROM t WHERE b = 1", "SELECT a FROM t WHERE b = 1.0"),
        ("SELECT a, b FROM t", "SELECT a FROM t"),
    ],
)
def test_same_tree_tells_apart_trees_that_print_differently(left: str, right: str) -> None:
    assert not same_tree(_parse(left), _parse(right))
    assert _parse(left).sql("duckdb") != _parse(right).sql("duckdb")


def test_same_tree_compares_metadata_and_types() -> None:
    tree = _parse("SELECT a FROM t")
    copied = tree.copy()
    assert same_tree(tree, copied)

    _find(copied, exp.Column).meta  # noqa: B018  (an empty dict is no metadata)
    assert same_tree(tree, copied)
    _find(copied, exp.Column).meta["inline"] = True
    assert not same_tree(tree, copied)

    typed = tree.copy()
    _find(typed, exp.Column).type = "INT"
    assert not same_tree(tree, typed)
    other = tree.copy()
    _find(other, exp.Column).type = "TEXT"
    assert not same_tree(typed, other)
    _find(other, exp.Column).type = "INT"
    assert same_tree(typed, other)


@pytest.mark.parametrize(("name", "sql"), QUERIES, ids=[name for name, _ in QUERIES])
def test_trees_the_optimizer_calls_the_same_print_the_same_sql(
    name: str, sql: str, schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> None:
    tree = QueryOptimizer().optimize(_parse(sql), schema=schema, row_counts=counts).tree
    copied = tree.copy()

    assert same_tree(copied, tree)
    assert copied.sql("duckdb") == tree.sql("duckdb")
    assert copied.sql("spark") == tree.sql("spark")


def _records(received: list[exp.Expr]) -> FunctionRule:
    def record_input(tree: exp.Expr) -> exp.Expr:
        received.append(tree)
        return tree

    return FunctionRule(record_input)


def _no_op(tree: exp.Expr) -> exp.Expr:
    return tree


def _damage_then_raise(tree: exp.Expr) -> exp.Expr:
    tree.set("where", None)
    raise RuntimeError("rule bug")


def test_an_unchanged_rules_output_is_the_next_rules_snapshot(schema: dict[str, dict[str, str]]) -> None:
    received: list[exp.Expr] = []
    outputs: list[exp.Expr] = []

    def no_op(tree: exp.Expr) -> exp.Expr:
        outputs.append(tree)
        return tree

    rules = (*RULES[:1], FunctionRule(no_op), _records(received))
    result = QueryOptimizer(rules).optimize(_parse("SELECT id FROM orders WHERE 1 = 1"), schema=schema)

    assert [c.changed for c in result.changes] == [True, False, False]
    assert received[0] is outputs[0]  # no copy made for the recording rule


def test_a_damaged_snapshot_is_never_handed_on(schema: dict[str, dict[str, str]]) -> None:
    received: list[exp.Expr] = []
    rules = register_rule(FunctionRule(_no_op), after="qualify")
    rules = register_rule(FunctionRule(_damage_then_raise), after="_no_op", rules=rules)
    rules = register_rule(_records(received), after="_damage_then_raise", rules=rules)

    result = QueryOptimizer(rules).optimize(_parse("SELECT id FROM orders WHERE amount > 1"), schema=schema)

    assert result.errors == {"_damage_then_raise": "RuntimeError: rule bug"}
    assert received[0].args.get("where") is not None
    assert "WHERE" in result.sql


def test_the_optimized_sql_is_generated_when_first_read(schema: dict[str, dict[str, str]]) -> None:
    result = default_optimizer().optimize(_parse("SELECT id FROM orders WHERE 1 = 1"), schema=schema)

    assert result.applied == ["constant_folding"]
    assert result._sql is None
    assert result.sql == result.tree.sql("duckdb")
    assert "WHERE" not in result.sql and result._sql == result.sql


def test_the_callers_tree_and_its_metadata_are_left_alone(schema: dict[str, dict[str, str]]) -> None:
    tree = _parse("SELECT o.Amount FROM orders AS o WHERE 1 = 1 AND o.id > ?")
    before = tree.copy()
    metas = [node._meta for node in tree.walk()]

    QueryOptimizer().optimize(tree, schema=schema)

    assert same_tree(tree, before)
    assert [node._meta for node in tree.walk()] == metas
    assert all(node._meta is None or type(node._meta) is dict for node in tree.walk())
