"""What a listing shows: every item the question lists, each in its place, and the rows a
superlative picks with all their related rows.

- a table listed beside a listed column shows its naming column ("players and their teams");
- a comma ends a name ("ids, team ids": two columns, not one);
- "the names of players in the team with the highest budget" lists every player of that team;
  "the team name of the player with the most goals" stays one row;
- a superlative word inside a longer column name ("years as tallest") is still a superlative.

Real Delta tables through the platform's storage; questions go through the path
``neurolake ask`` takes. The tables are small and made up.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.intent.answer import QuestionAnswerer
from neurolake.platform import NeuroLake
from tests.intent.checks import answerer_for, rows_of


@pytest.fixture
def answerer(platform: NeuroLake) -> QuestionAnswerer:
    platform.storage.write_table(
        pa.table({"team_id": [1, 2, 3], "team_name": ["Owls", "Hawks", "Crows"], "budget": [50, 90, 70]}), "teams"
    )
    platform.storage.write_table(
        pa.table(
            {
                "player_id": [11, 12, 13, 14, 15],
                "player_name": ["Ann", "Bo", "Cy", "Di", "Ed"],
                "team_id": [1, 2, 2, 3, 1],
                "goals": [3, 9, 4, 1, 2],
                "height": [170, 181, 175, 190, 168],
                "years_as_tallest": ["", "2001-2003", "", "2004-2010", ""],
            }
        ),
        "players",
    )
    return answerer_for(platform)


def _answer(answerer: QuestionAnswerer, question: str) -> tuple[list[str], list[tuple[object, ...]]]:
    rows = rows_of(answerer, question)
    answer = answerer.answer(question)
    assert answer.result is not None
    return list(answer.result.columns), rows


def test_a_table_listed_beside_a_column_shows_its_name(answerer: QuestionAnswerer) -> None:
    columns, rows = _answer(answerer, "What are the names of players and their teams?")
    assert columns == ["player_name", "team_name"]
    assert sorted(rows) == [("Ann", "Owls"), ("Bo", "Hawks"), ("Cy", "Hawks"), ("Di", "Crows"), ("Ed", "Owls")]


def test_a_listed_table_keeps_its_place_in_the_list(answerer: QuestionAnswerer) -> None:
    columns, _ = _answer(answerer, "Show the teams and the budget.")
    assert columns == ["team_name", "budget"]


def test_a_comma_ends_a_name(answerer: QuestionAnswerer) -> None:
    answer = answerer.answer("Show ids, team ids, goals for all players.")
    # Before, "ids team ids" across the comma was one name and the bare "ids" was lost.
    if answer.clarification is None:
        assert answer.result is not None
        assert list(answer.result.columns) == ["player_id", "team_id", "goals"]
    else:
        assert [str(o) for o in answer.clarification.options]


def test_the_extreme_of_a_related_row_lists_all_its_rows(answerer: QuestionAnswerer) -> None:
    columns, rows = _answer(answerer, "What are the names of players in the team with the highest budget?")
    assert columns == ["player_name"]
    assert sorted(rows) == [("Bo",), ("Cy",)]  # the Hawks' players, not one of them


def test_a_column_named_in_full_is_not_narrowed_to_the_next_table(answerer: QuestionAnswerer) -> None:
    columns, rows = _answer(answerer, "What is the team name of the player with the most goals?")
    assert columns == ["team_name"]
    assert rows == [("Hawks",)]


def test_tallest_is_a_superlative_even_beside_a_column_that_holds_it(answerer: QuestionAnswerer) -> None:
    columns, rows = _answer(answerer, "What is the name of the tallest player?")
    assert columns == ["player_name"]
    assert rows == [("Di",)]


def test_a_word_after_a_full_column_name_shares_its_first_word(platform: NeuroLake) -> None:
    # "color code and description": the color's description, not the paint's own.
    platform.storage.write_table(
        pa.table({"color_code": ["R", "B"], "color_description": ["deep red", "sky blue"]}), "ref_colors"
    )
    platform.storage.write_table(
        pa.table(
            {
                "paint_id": [1, 2],
                "paint_name": ["Dusk", "Noon"],
                "color_code": ["R", "B"],
                "paint_description": ["matte", "gloss"],
            }
        ),
        "paints",
    )
    answer = answerer_for(platform).answer('What is the color code and description of the paint named "Dusk"?')
    assert answer.result is not None, answer.refusal or answer.clarification
    assert list(answer.result.columns) == ["color_code", "color_description"]
    assert [tuple(r) for r in answer.result.rows] == [("R", "deep red")]


def test_rows_holding_the_most_common_value_are_listed(platform: NeuroLake) -> None:
    platform.storage.write_table(
        pa.table({"member_name": ["Ann", "Bo", "Cy", "Di"], "plan": ["Gold", "Basic", "Gold", "Silver"]}), "members"
    )
    answerer = answerer_for(platform)
    # Not the (name, plan) pair that occurs most: every member on the plan most members have.
    columns, rows = _answer(answerer, "What are the names of members using the most popular plan?")
    assert columns == ["member_name"]
    assert sorted(rows) == [("Ann",), ("Cy",)]


def test_a_listed_column_a_condition_also_uses_is_shown(answerer: QuestionAnswerer) -> None:
    columns, rows = _answer(answerer, "List the player name, height, and goals for all players with at least 3 goals.")
    assert columns == ["player_name", "height", "goals"]
    assert sorted(rows) == [("Ann", 170, 3), ("Bo", 181, 9), ("Cy", 175, 4)]


def test_the_result_being_sorted_is_not_a_column(platform: NeuroLake) -> None:
    platform.storage.write_table(
        pa.table({"match_id": [1, 2, 3], "result": ["win", "loss", "draw"], "venue": ["Bern", "Aosta", "Cork"]}),
        "matches",
    )
    answerer = answerer_for(platform)
    for question in (
        "What are the venues of the matches? Sort the result by venue.",
        "List the venues of the matches, and sort the results in alphabetical order.",
    ):
        columns, rows = _answer(answerer, question)
        assert columns == ["venue"], question
        assert rows == [("Aosta",), ("Bern",), ("Cork",)], question  # by venue, not by the result column
    columns, rows = _answer(answerer, "Show the result of the match in Cork.")
    assert (columns, rows) == (["result"], [("draw",)])  # here the result is the data asked for


def test_names_of_a_table_are_its_own_names_and_listed_columns_share_the_table(platform: NeuroLake) -> None:
    # "names of clubs": the club's name, not its sponsor's name; "and ids" are the clubs' too.
    platform.storage.write_table(
        pa.table({"club_id": [1, 2], "club_name": ["Reds", "Blues"], "sponsor_name": ["Acme", "Zeta"]}), "clubs"
    )
    platform.storage.write_table(pa.table({"coach_id": [7], "coach_name": ["Sam"], "club_id": [1]}), "coaches")
    columns, rows = _answer(answerer_for(platform), "Show the names and ids of the clubs.")
    assert columns == ["club_name", "club_id"]
    assert sorted(rows) == [("Blues", 2), ("Reds", 1)]
