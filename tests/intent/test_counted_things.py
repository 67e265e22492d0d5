"""What "how many" counts when the thing counted is a column of numbers, and one column named twice.

- "how many rooms" over ``room_number``: the rooms (rows), never the room numbers added up;
- "how many patients stayed" over ``stays.patient`` (a reference): each patient once;
- "count the number of rooms": one count, said twice;
- "the names of the sponsors" (``sponsor_name``): one column, not the same column twice.

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.answer import QuestionAnswerer
from tests.intent.checks import rows_of

#: The tables the questions below are asked over (the ``tables_answerer`` fixture writes them).
TABLES: dict[str, dict[str, list[Any]]] = {
    "classroom": {
        "building": ["Lamberton", "Lamberton", "Taylor", "Taylor", "Watson"],
        "room_number": [101, 102, 101, 300, 120],
        "capacity": [40, 80, 25, 60, 30],
    },
    "patient": {"ssn": [1, 2, 3], "patient_name": ["Ann", "Bo", "Cy"]},
    "stays": {"stay_id": [1, 2, 3, 4], "patient": [1, 1, 2, 3], "room": [112, 112, 112, 200]},
    "player": {
        "player_id": [1, 2, 3],
        "sponsor_name": ["Acme", "Bolt", "Cask"],
        "residence": ["Brandon", "Birtle", "Brandon"],
        "points": [10, 4, 7],
    },
}


def test_how_many_over_a_number_naming_rows_counts_the_rows(tables_answerer: QuestionAnswerer) -> None:
    # 101 + 102 would be 203: the rooms are two.
    assert rows_of(tables_answerer, "How many rooms does the Lamberton building have?") == [(2,)]


def test_how_many_over_a_reference_counts_each_once(tables_answerer: QuestionAnswerer) -> None:
    # Three stays in room 112, by two patients (1 + 1 + 2 would be 4).
    assert rows_of(tables_answerer, "How many patients stayed in room 112?") == [(2,)]


def test_count_the_number_of_is_one_count(tables_answerer: QuestionAnswerer) -> None:
    answer = tables_answerer.answer("Count the number of rooms that are not in the Lamberton building.")
    assert answer.result is not None, answer.refusal
    assert len(answer.result.columns) == 1
    assert [tuple(r) for r in answer.result.rows] == [(3,)]


def test_the_names_of_the_sponsors_is_one_column(tables_answerer: QuestionAnswerer) -> None:
    answer = tables_answerer.answer("Show the names of the sponsors of players whose residence is Brandon.")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns) == ["sponsor_name"]
    assert sorted(tuple(r) for r in answer.result.rows) == [("Acme",), ("Cask",)]
