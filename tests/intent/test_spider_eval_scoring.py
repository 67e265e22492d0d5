"""The scoring of bench/spider_eval.py: value normalisation, strict and lenient matches, order,
and the question classes read from gold SQL. Needs no Spider data and no lakehouse."""

from __future__ import annotations

import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from spider_eval import (  # noqa: E402
    compare_columns,
    gold_ordered,
    gold_tables,
    normalize_value,
    question_classes,
    to_duckdb,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("NULL", None),
        (date(2009, 1, 5), "2009-01-05"),
        (datetime(2009, 1, 5), "2009-01-05 00:00:00"),
        (datetime(2009, 1, 5, 10, 30), "2009-01-05T10:30:00"),
        (3, 3.0),
        (Decimal("2.50"), 2.5),
        (1 / 3, 0.33333333333),
        (True, 1),
    ],
)
def test_values_equal_whatever_their_spelling(a: object, b: object) -> None:
    assert normalize_value(a) == normalize_value(b)


@pytest.mark.parametrize(("a", "b"), [("null", None), (3, 3.01), ("2009-01-05", "2009-01-06"), ("x", "x ")])
def test_different_values_stay_different(a: object, b: object) -> None:
    assert normalize_value(a) != normalize_value(b)


def test_null_text_and_real_null_match_in_a_result() -> None:
    score = compare_columns([["a", "NULL"]], [[None, "a"]], ordered=False)
    assert score.strict and score.lenient


def test_same_rows_in_another_column_order_are_strict() -> None:
    gold: list[list[Any]] = [["x", "y"], [1, 2]]
    pred: list[list[Any]] = [[1.0, 2.0], ["x", "y"]]
    assert compare_columns(gold, pred, ordered=False).strict


def test_extra_columns_are_lenient_only() -> None:
    gold = [["x", "y"]]
    pred: list[list[Any]] = [["x", "y"], [10, 20]]
    score = compare_columns(gold, pred, ordered=False)
    assert score.lenient and not score.strict


def test_rows_must_pair_up_not_only_columns() -> None:
    gold: list[list[Any]] = [["x", "y"], [1, 2]]
    pred: list[list[Any]] = [["x", "y"], [2, 1]]
    score = compare_columns(gold, pred, ordered=False)
    assert not score.lenient and not score.strict


def test_duplicate_rows_count() -> None:
    assert not compare_columns([["x", "x", "y"]], [["x", "y", "y"]], ordered=False).lenient


def test_row_count_and_missing_columns_are_wrong() -> None:
    assert not compare_columns([["x", "y"]], [["x"]], ordered=False).lenient
    assert not compare_columns([["x"], [1]], [["x"]], ordered=False).lenient


def test_order_matters_only_when_the_gold_sorts() -> None:
    gold = [["a", "b", "c"]]
    pred = [["c", "b", "a"]]
    assert compare_columns(gold, pred, ordered=False).strict
    score = compare_columns(gold, pred, ordered=True)
    assert not score.strict and not score.lenient


def test_gold_columns_with_equal_values_find_the_right_pairing() -> None:
    gold: list[list[Any]] = [[1, 2], [2, 1]]
    pred: list[list[Any]] = [[2, 1], [1, 2], ["p", "q"]]
    score = compare_columns(gold, pred, ordered=True)
    assert score.lenient and not score.strict


def test_floats_close_enough() -> None:
    assert compare_columns([[2.0 / 3.0]], [[0.6666667]], ordered=False).strict
    assert not compare_columns([[2.0 / 3.0]], [[0.667]], ordered=False).lenient


def test_empty_results_match() -> None:
    assert compare_columns([[]], [[], []], ordered=False).lenient


def test_ordered_follows_the_outermost_query() -> None:
    assert gold_ordered(to_duckdb("SELECT name FROM t ORDER BY age DESC LIMIT 1"))
    assert gold_ordered(to_duckdb("SELECT a FROM t UNION SELECT a FROM u ORDER BY a"))
    assert not gold_ordered(to_duckdb("SELECT a FROM t WHERE b IN (SELECT b FROM u ORDER BY b LIMIT 3)"))


def test_the_database_prefix_is_dropped() -> None:
    sql = to_duckdb("SELECT T1.a FROM shop.Orders AS T1", "shop")
    assert "shop." not in sql.lower() and "Orders" in sql


def test_gold_tables_as_upload_names() -> None:
    from sqlglot import parse_one

    tree = parse_one("SELECT * FROM `Faculty_Participates_in` AS T1 JOIN Student ON 1 = 1", read="mysql")
    assert gold_tables(tree) == {"faculty_participates_in", "student"}


@pytest.mark.parametrize(
    ("gold", "expected"),
    [
        ("SELECT name FROM singer", {"simple"}),
        ("SELECT * FROM singer", {"select-star"}),
        ("SELECT name, age FROM singer ORDER BY age DESC", {"multi-column"}),
        ("SELECT DISTINCT country FROM singer", {"distinct"}),
        ("SELECT count(*) FROM singer WHERE age > 30", {"aggregate", "comparison"}),
        ("SELECT country, count(*) FROM singer GROUP BY country", {"multi-column", "group-by"}),
        ("SELECT country FROM singer GROUP BY country HAVING count(*) > 2", {"group-by", "having"}),
        ("SELECT name FROM singer ORDER BY age DESC LIMIT 1", {"order-limit", "order-by-other"}),
        ("SELECT name FROM singer ORDER BY name", {"simple"}),
        ("SELECT name FROM singer WHERE country = 'France' OR country = 'Spain'", {"or-values"}),
        ("SELECT name FROM singer WHERE country IN ('France', 'Spain')", {"or-values"}),
        ("SELECT name FROM singer WHERE age > (SELECT avg(age) FROM singer)", {"comparison", "compare-aggregate"}),
        ("SELECT name FROM singer WHERE country != 'France'", {"negation"}),
        ("SELECT name FROM singer WHERE id NOT IN (SELECT singer_id FROM concert)", {"negation", "join"}),
        ("SELECT name FROM singer UNION SELECT name FROM band", {"set-op", "join"}),
        ("SELECT name FROM singer EXCEPT SELECT name FROM band", {"set-op", "negation", "join"}),
        ("SELECT T1.name FROM singer AS T1 JOIN concert AS T2 ON T1.id = T2.singer_id", {"join"}),
        ("SELECT name FROM singer WHERE name LIKE '%Hey%'", {"like"}),
    ],
)
def test_question_classes(gold: str, expected: set[str]) -> None:
    assert set(question_classes(gold)) == expected
