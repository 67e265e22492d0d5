"""Listings: conditions on related rows are read as "has one" / "has none" (each listed row
once; a negation about related rows keeps the rows that have none of them, not those with another
one); a column asked for without its table lists its values once; columns listed beside a count
of related rows give the count per row.

Real Delta tables through the platform's storage; questions go through the path ``neurolake ask``
takes. The tables are small and made up: halls, the features each hall has, and the features.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from neurolake.intent.answer import QuestionAnswerer
from neurolake.intent.key_evidence import KeyEvidence
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.intent.checks import answerer_for, rows_of


@pytest.fixture
def answerer(platform: NeuroLake) -> QuestionAnswerer:
    # "hall_features" lists its columns in the order the halls' key comes second, so names alone
    # cannot tell which side of "hallid" is the one that identifies a hall.
    platform.storage.write_table(
        pa.table({"hallid": [1, 2, 3, 4], "hall_name": ["North", "South", "East", "West"]}), "halls"
    )
    platform.storage.write_table(
        pa.table({"featid": [10, 20, 30], "feature_name": ["Gym", "Library", "Cafe"]}), "features"
    )
    platform.storage.write_table(pa.table({"featid": [10, 20, 10, 30, 20], "hallid": [1, 1, 2, 2, 3]}), "hall_features")
    return answerer_for(platform)


def _names(answerer: QuestionAnswerer, question: str) -> list[str]:
    return [row[0] for row in rows_of(answerer, question)]


def test_a_same_name_key_points_at_the_unique_side(platform: NeuroLake, answerer: QuestionAnswerer) -> None:
    schema = IntentParser.from_platform(platform, semantic=False).schema()
    keys = {(k.table, k.column, k.ref_table) for k in KeyEvidence(platform.storage).checked(schema)}
    assert ("hall_features", "hallid", "halls") in keys
    assert ("halls", "hallid", "hall_features") not in keys


def test_a_negation_about_related_rows_keeps_the_rows_that_have_none(answerer: QuestionAnswerer) -> None:
    # North has a gym and a library: "not a gym" must not keep it for its library.
    names = _names(answerer, "What are the names of the halls that do not have a Gym?")
    assert sorted(names) == ["East", "West"]


def test_a_negation_of_several_values_keeps_the_rows_with_none_of_them(answerer: QuestionAnswerer) -> None:
    names = _names(answerer, "Which hall names do not have Gym or Cafe?")
    assert sorted(names) == ["East", "West"]


def test_a_condition_on_related_rows_lists_each_row_once(answerer: QuestionAnswerer) -> None:
    # North and South each have two features; a join would list them twice.
    names = _names(answerer, "List the names of halls that have features.")
    assert sorted(names) == ["East", "North", "South"]


def test_a_value_of_a_related_table_keeps_its_condition(answerer: QuestionAnswerer) -> None:
    names = _names(answerer, "What are the names of the halls that have a Library?")
    assert sorted(names) == ["East", "North"]


@pytest.fixture
def members(platform: NeuroLake) -> QuestionAnswerer:
    platform.storage.write_table(
        pa.table({"member_ref": [1, 2, 3, 4, 5], "city_code": ["OSL", "ROM", "OSL", "LIM", "ROM"]}), "members"
    )
    return answerer_for(platform)


def test_a_column_asked_for_without_its_table_lists_each_value_once(members: QuestionAnswerer) -> None:
    # Five members, three cities: "all city codes" are the values the column takes.
    assert sorted(_names(members, "Show all city codes.")) == ["LIM", "OSL", "ROM"]


def test_a_column_of_a_named_table_is_listed_per_row(members: QuestionAnswerer) -> None:
    codes = _names(members, "Show the city codes of all members.")
    assert sorted(codes) == ["LIM", "OSL", "OSL", "ROM", "ROM"]


def test_number_of_names_a_column_spelled_number(platform: NeuroLake) -> None:
    platform.storage.write_table(
        pa.table({"storm_ref": [1, 2, 3], "name": ["Ana", "Bo", "Cy"], "number_deaths": [4, 0, 9]}), "storms"
    )
    answerer = answerer_for(platform)
    rows = rows_of(answerer, "List the names and the number of deaths of storms.")
    assert sorted(rows) == [("Ana", 4), ("Bo", 0), ("Cy", 9)]


def test_columns_listed_beside_a_count_of_related_rows_give_it_per_row(answerer: QuestionAnswerer) -> None:
    rows = {r[-2:] for r in rows_of(answerer, "List the names of halls and the number of hall features.")}
    assert rows == {("North", 2), ("South", 2), ("East", 1)}


def test_a_column_beside_a_count_of_its_own_rows_is_what_they_are_counted_by(members: QuestionAnswerer) -> None:
    answer = members.answer("Show all city codes and the corresponding number of members.")
    assert answer.result is not None, answer.refusal or answer.clarification
    assert answer.result.columns[0] == "city_code"
    assert {tuple(r) for r in answer.result.rows} == {("OSL", 2), ("ROM", 2), ("LIM", 1)}


def test_a_column_after_the_figure_is_not_a_grouping(members: QuestionAnswerer) -> None:
    # "the number of members and city codes": nothing says the count is per code.
    answer = members.answer("What is the number of members and city codes?")
    assert answer.result is None or len(answer.result.rows) == 1
