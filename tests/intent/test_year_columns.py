"""'For each year' over rows with both a date and a number named ``year``: by the year the rows
are filed under (a season, a fiscal year), not the calendar year of the date.

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from neurolake.intent.answer import QuestionAnswerer
from tests.intent.checks import rows_of

#: The tables the questions below are asked over (the ``tables_answerer`` fixture writes them).
TABLES: dict[str, dict[str, list[Any]]] = {
    "home_game": {
        "year": [1990, 1990, 1991],
        "span_first": [date(1989, 12, 30), date(1990, 5, 1), date(1991, 4, 2)],
        "attendance": [100, 300, 50],
    },
}


def test_each_year_is_the_year_column_over_a_date(tables_answerer: QuestionAnswerer) -> None:
    # The 1989-12-30 game is filed under 1990: by the date's year it would be a 1989 group.
    rows = rows_of(tables_answerer, "What is the average attendance at home games for each year?")
    assert sorted(rows) == [(1990, 200.0), (1991, 50.0)]


def test_the_year_listed_and_grouped_by_is_shown_once(tables_answerer: QuestionAnswerer) -> None:
    answer = tables_answerer.answer("For each year, return the year and the average attendance at home games.")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns) == ["year", "avg_attendance"]
