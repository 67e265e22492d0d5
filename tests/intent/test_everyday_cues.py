"""Everyday words for an order, an age and a piece of text.

- "sorted by the budget from large to small", "from low to high": the order's direction;
- "sorted by year": an order by the year column, not a grouping by year;
- "pilots aged 30 or younger": "aged" is the age;
- "whose name has substring 'Hall'": a text match, like "contains";
- "the maximum price and score": the maximum of each;
- "the maximum number of points": the maximum of the points (not a count); "the total number of
  students" is not the sum of a student capacity (refused, the column is not what is counted).

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
    "climber": {"climber_id": [1, 2, 3], "country": ["UK", "UK", "Peru"], "points": [12.0, 30.0, 8.0]},
    "dorm_room": {"room_no": [1, 2], "student_capacity": [200, 50], "gender": ["M", "F"]},
    "competition": {
        "competition_id": [1, 2, 3],
        "theme": ["Aliens", "Carnival", "Barnyard"],
        "year": [2013, 2006, 2009],
    },
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


def test_the_maximum_number_of_a_number_is_its_maximum(tables_answerer: QuestionAnswerer) -> None:
    assert rows_of(tables_answerer, "Return the maximum number of points for climbers from the UK.") == [(30.0,)]


def test_the_number_of_a_noun_is_not_a_column_it_only_begins(tables_answerer: QuestionAnswerer) -> None:
    answer = tables_answerer.answer("Find the total number of students living in rooms with gender M.")
    assert answer.result is None and answer.refusal is not None, answer.sql
    assert "'number' (a computed number)" in answer.refusal


def test_sorted_by_year_is_an_order_not_a_grouping(tables_answerer: QuestionAnswerer) -> None:
    rows = rows_of(tables_answerer, "Return the themes of competitions, sorted by year ascending.")
    assert rows == [("Carnival",), ("Barnyard",), ("Aliens",)]
