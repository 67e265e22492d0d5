"""Checks on every rewrite: time travel clauses and positional parameters survive."""

from __future__ import annotations

import pytest
from sqlglot import exp, parse_one

from neurolake.optimizer.invariants import check_rewrite, parameter_order, tag_positional_parameters, time_travel
from neurolake.optimizer.outputs import UnsafeRewrite


def _tagged(sql: str) -> exp.Expr:
    tree = parse_one(sql, read="duckdb")
    tag_positional_parameters(tree)
    return tree


def test_time_travel_reads_are_counted_per_table_and_version() -> None:
    tree = parse_one(
        "SELECT * FROM orders VERSION AS OF 3 JOIN orders AS o2 ON TRUE JOIN c TIMESTAMP AS OF '2024-01-01'",
        read="duckdb",
    )

    reads = time_travel(tree)

    assert reads[("orders", "FOR VERSION AS OF 3")] == 1
    assert reads[("orders", "")] == 1
    assert reads[("c", "FOR TIMESTAMP AS OF '2024-01-01'")] == 1


def test_dropping_a_version_is_refused() -> None:
    before = parse_one("SELECT id FROM orders VERSION AS OF 3", read="duckdb")
    after = before.copy()
    after.find(exp.Table).set("version", None)  # type: ignore[union-attr]

    with pytest.raises(UnsafeRewrite, match="orders"):
        check_rewrite(before, after, dialect="duckdb")


def test_dropping_a_table_is_allowed() -> None:
    before = parse_one("WITH unused AS (SELECT * FROM t VERSION AS OF 2) SELECT 1 AS x", read="duckdb")

    check_rewrite(before, parse_one("SELECT 1 AS x"), dialect="duckdb")


def test_parameters_are_followed_in_text_order() -> None:
    tree = _tagged("SELECT a FROM (SELECT a FROM t WHERE b = ?) s JOIN u ON u.k = s.a AND u.c = ? WHERE s.a > ?")

    assert parameter_order(tree, dialect="duckdb") == [0, 1, 2]


def test_moving_a_parameter_ahead_of_another_is_refused() -> None:
    before = _tagged("SELECT a FROM t WHERE a = ? AND b = ?")
    after = before.copy()
    where = after.args["where"]
    first, second = where.this.left, where.this.right
    where.set("this", exp.and_(second.copy(), first.copy()))

    with pytest.raises(UnsafeRewrite, match="positional parameter"):
        check_rewrite(before, after, dialect="duckdb")


def test_copying_a_parameter_is_refused() -> None:
    before = _tagged("SELECT a FROM t WHERE a = ?")
    after = before.copy()
    after.set("where", exp.Where(this=exp.and_(after.args["where"].this.copy(), after.args["where"].this.copy())))

    with pytest.raises(UnsafeRewrite, match="positional parameter"):
        check_rewrite(before, after, dialect="duckdb")


def test_named_parameters_may_move() -> None:
    before = _tagged("SELECT a FROM t WHERE a = $x AND b = $y")
    after = parse_one("SELECT a FROM t WHERE b = $y AND a = $x", read="duckdb")

    check_rewrite(before, after, dialect="duckdb")


def test_a_rewrite_must_stay_a_query() -> None:
    with pytest.raises(UnsafeRewrite, match="no longer a query"):
        check_rewrite(parse_one("SELECT 1"), parse_one("DELETE FROM t"), dialect="duckdb")


def test_the_reads_before_can_be_given_once_counted() -> None:
    before = parse_one("SELECT id FROM orders VERSION AS OF 3", read="duckdb")
    after = before.copy()
    after.find(exp.Table).set("version", None)  # type: ignore[union-attr]

    with pytest.raises(UnsafeRewrite, match="orders"):
        check_rewrite(before, after, dialect="duckdb", reads_before=time_travel(before))
    check_rewrite(after, after.copy(), dialect="duckdb", reads_before=time_travel(after))


def test_a_query_without_parameters_skips_their_order() -> None:
    before = parse_one("SELECT a FROM t WHERE a = 1", read="duckdb")
    after = parse_one("SELECT a FROM t WHERE a = 1 AND b = ?", read="duckdb")  # untagged: made up

    check_rewrite(before, after, dialect="duckdb", parameters=False)
    check_rewrite(before, after, dialect="duckdb")  # an untagged ? has no order to keep either
