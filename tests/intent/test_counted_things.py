"""What "how many" counts when the thing counted is a column of numbers, and one column named twice.

- "how many rooms" over ``room_number``: the rooms (rows), never the room numbers added up;
- "how many patients stayed" over ``stays.patient`` (a reference): each patient once;
- "count the number of rooms": one count, said twice;
- "the names of the sponsors" (``sponsor_name``): one column, not the same column twice.

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from neurolake.intent.answer import QuestionAnswerer
from neurolake.platform import NeuroLake
from tests.intent.checks import answerer_for, rows_of


@pytest.fixture(scope="module")
def answerer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QuestionAnswerer]:
    from neurolake.config import load_settings

    platform = NeuroLake.from_settings(load_settings(home=tmp_path_factory.mktemp("counted"), environment="test"))
    write = platform.storage.write_table
    write(
        pa.table(
            {
                "building": ["Lamberton", "Lamberton", "Taylor", "Taylor", "Watson"],
                "room_number": [101, 102, 101, 300, 120],
                "capacity": [40, 80, 25, 60, 30],
            }
        ),
        "classroom",
    )
    write(pa.table({"ssn": [1, 2, 3], "patient_name": ["Ann", "Bo", "Cy"]}), "patient")
    write(
        pa.table({"stay_id": [1, 2, 3, 4], "patient": [1, 1, 2, 3], "room": [112, 112, 112, 200]}),
        "stays",
    )
    write(
        pa.table(
            {
                "player_id": [1, 2, 3],
                "sponsor_name": ["Acme", "Bolt", "Cask"],
                "residence": ["Brandon", "Birtle", "Brandon"],
                "points": [10, 4, 7],
            }
        ),
        "player",
    )
    yield answerer_for(platform)
    platform.close()


def test_how_many_over_a_number_naming_rows_counts_the_rows(answerer: QuestionAnswerer) -> None:
    # 101 + 102 would be 203: the rooms are two.
    assert rows_of(answerer, "How many rooms does the Lamberton building have?") == [(2,)]


def test_how_many_over_a_reference_counts_each_once(answerer: QuestionAnswerer) -> None:
    # Three stays in room 112, by two patients (1 + 1 + 2 would be 4).
    assert rows_of(answerer, "How many patients stayed in room 112?") == [(2,)]


def test_count_the_number_of_is_one_count(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("Count the number of rooms that are not in the Lamberton building.")
    assert answer.result is not None, answer.refusal
    assert len(answer.result.columns) == 1
    assert [tuple(r) for r in answer.result.rows] == [(3,)]


def test_the_names_of_the_sponsors_is_one_column(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("Show the names of the sponsors of players whose residence is Brandon.")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns) == ["sponsor_name"]
    assert sorted(tuple(r) for r in answer.result.rows) == [("Acme",), ("Cask",)]
