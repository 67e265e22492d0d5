"""Everyday words for an order, an age and a piece of text.

- "sorted by the budget from large to small", "from low to high": the order's direction;
- "pilots aged 30 or younger": "aged" is the age;
- "whose name has substring 'Hall'": a text match, like "contains";
- "the maximum price and score": the maximum of each.

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.answer import QuestionAnswerer
from tests.intent.checks import rows_of

#: The tables the questions below are asked over (the ``tables_answerer`` fixture writes them).
TABLES: dict[str, dict[str, list[Any]]] = {
    "department": {"dept_name": ["Art", "Law", "Math"], "building": ["A", "L", "M"], "budget": [50.0, 90.0, 70.0]},
    "pilot": {"pilot_id": [1, 2, 3], "name": ["Ada", "Ben", "Cal"], "age": [28, 30, 41]},
    "dorm": {"dorm_id": [1, 2], "dorm_name": ["Smith Hall", "Anonymous Donor House"], "capacity": [100, 40]},
    "wine": {"wine_no": [1, 2, 3], "price": [20.0, 35.0, 12.0], "score": [91, 88, 95], "year": [2010, 2010, 2012]},
}


def test_from_large_to_small_and_from_low_to_high(tables_answerer: QuestionAnswerer) -> None:
    rows = rows_of(tables_answerer, "List the names of all departments sorted by the budget from large to small.")
    assert rows == [("Law",), ("Math",), ("Art",)]
    rows = rows_of(tables_answerer, "Show the names of departments ordered by their budget from low to high.")
    assert rows == [("Art",), ("Math",), ("Law",)]


def test_aged_is_the_age(tables_answerer: QuestionAnswerer) -> None:
    rows = rows_of(tables_answerer, "List names of all pilots aged 30 or younger in alphabetical order.")
    assert rows == [("Ada",), ("Ben",)]


def test_has_substring_is_a_text_match(tables_answerer: QuestionAnswerer) -> None:
    assert rows_of(tables_answerer, "Find the name of dorms whose name has substring 'Hall'.") == [("Smith Hall",)]


def test_one_function_over_two_numbers(tables_answerer: QuestionAnswerer) -> None:
    answer = tables_answerer.answer("What are the maximum price and score of wines in each year?")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns) == ["year", "max_price", "max_score"]
    assert sorted(tuple(r) for r in answer.result.rows) == [(2010, 35.0, 91), (2012, 12.0, 95)]
