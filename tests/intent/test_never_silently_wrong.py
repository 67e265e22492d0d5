"""Readings that would answer a different question are refused, or read the way the words mean.

Real Delta tables through the platform's storage; questions take the path ``neurolake ask`` takes.
"""

from __future__ import annotations

from datetime import date

import pyarrow as pa
import pytest

from neurolake.intent.answer import QuestionAnswerer
from neurolake.platform import NeuroLake
from tests.intent.checks import answerer_for, refusal_of, rows_of


@pytest.fixture
def answerer(platform: NeuroLake) -> QuestionAnswerer:
    platform.storage.write_table(
        pa.table(
            {
                "singer_ref": [1, 2, 3, 4],
                "singer_name": ["Ann", "Bo", "Cy", "Di"],
                "gender": ["Male", "Female", "Male", "Female"],
                "country": ["UK", "UK", "Peru", "Chile"],
                "fee": [100, 2000, 300, 4000],
            }
        ),
        "singers",
    )
    platform.storage.write_table(
        pa.table({"photo_ref": [1, 2, 3], "photo_name": ["a", "b", "c"], "alt_text": ["Name", "Sky", "Sea"]}),
        "photos",
    )
    platform.storage.write_table(
        pa.table({"teacher_ref": [1, 2, 3], "teacher_name": ["Kim", "Lee", "Max"]}), "teachers"
    )
    platform.storage.write_table(
        pa.table(
            {"lesson_ref": [1, 2, 3, 4], "teacher_ref": [1, 1, 2, 3], "term": ["Spring", "Fall", "Fall", "Spring"]}
        ),
        "lessons",
    )
    return answerer_for(platform)


def test_a_capitalised_word_after_a_value_is_not_taken_for_its_noun(answerer: QuestionAnswerer) -> None:
    # "British" is not in the data ("UK" is): answering with the men only drops it silently.
    assert "'british' (not found in the data)" in refusal_of(
        answerer, "What are the names of all male British singers?"
    )


def test_two_bounds_no_one_row_meets_are_refused(answerer: QuestionAnswerer) -> None:
    assert "above 1000 and below 500" in refusal_of(
        answerer, "Show the countries of singers with fee higher than 1000 and fee lower than 500."
    )


def test_a_plural_column_word_asks_for_the_column_not_a_value(answerer: QuestionAnswerer) -> None:
    # One photo's alt text is 'Name'; "names" asks for the photo names.
    assert sorted(r[0] for r in rows_of(answerer, "What are the names of photos?")) == ["a", "b", "c"]


def test_conditions_after_a_negation_say_which_related_rows_are_absent(answerer: QuestionAnswerer) -> None:
    # Lee teaches only in the Fall; Kim and Max teach in the Spring.
    rows = rows_of(answerer, "What are the names of teachers who have no lessons in the Spring?")
    assert [r[0] for r in rows] == ["Lee"]


def test_a_short_value_after_a_column_name_is_not_dropped(answerer: QuestionAnswerer) -> None:
    # No country is 'x': answering with every singer's name would drop the condition.
    assert "'x' (not found in the data)" in refusal_of(answerer, "Give me the names of the singers with country x.")


def test_a_ranked_column_named_again_is_listed(answerer: QuestionAnswerer) -> None:
    assert rows_of(answerer, "Which singer has the highest fee? List the singer name and fee.") == [("Di", 4000)]


def test_columns_asked_for_each_row_are_listed_per_row(answerer: QuestionAnswerer) -> None:
    assert sorted(r[-2:] for r in rows_of(answerer, "Show the country and gender for each singer.")) == [
        ("Chile", "Female"),
        ("Peru", "Male"),
        ("UK", "Female"),
        ("UK", "Male"),
    ]


def test_a_table_named_exactly_is_not_counted_as_another(platform: NeuroLake) -> None:
    # "dorms" names the dorms; counting the rows of the amenities table would answer another question.
    platform.storage.write_table(pa.table({"dormid": [1, 2], "dorm_name": ["North", "South"]}), "dorm")
    platform.storage.write_table(pa.table({"amenid": [7, 8], "amenity_name": ["TV Lounge", "Gym"]}), "dorm_amenity")
    platform.storage.write_table(pa.table({"dormid": [1, 2, 2], "amenid": [7, 7, 8]}), "has_amenity")
    answerer = answerer_for(platform)
    answer = answerer.answer("How many dorms have a TV Lounge?")
    if answer.result is not None:  # a reading that counts the dorms is right: both have one
        assert [tuple(r) for r in answer.result.rows] == [(2,)], answer.sql
    else:
        assert answer.refusal is not None and "'dorms' (read as dorm_amenity, not dorm)" in answer.refusal


def test_no_more_than_the_average_keeps_the_rows_at_or_below_it(answerer: QuestionAnswerer) -> None:
    # The fees average 1,600: "no more than" is at most, not more than.
    names = sorted(r[0] for r in rows_of(answerer, "Which singer names have a fee no more than the average?"))
    assert names == ["Ann", "Cy"]


def test_a_count_of_a_named_table_is_not_a_count_of_another_tables_values(platform: NeuroLake) -> None:
    # "sessions" names the sessions table; counting the distinct values of the members'
    # session column would answer another question.
    platform.storage.write_table(pa.table({"dept_code": ["A", "B"], "dept_name": ["Art", "Bio"]}), "department")
    platform.storage.write_table(
        pa.table({"member_id": [1, 2, 3], "dept_code": ["A", "A", "B"], "mem_session": ["am", "pm", "am"]}), "member"
    )
    platform.storage.write_table(pa.table({"session_code": ["s1", "s2", "s3"], "room": ["r1", "r2", "r3"]}), "session")
    answer = answerer_for(platform).answer("How many sessions are held in each department?")
    assert answer.result is None
    assert answer.refusal is not None and "counted as the values of member.mem_session" in answer.refusal


def test_after_the_year_is_a_comparison_on_the_year_column(platform: NeuroLake) -> None:
    platform.storage.write_table(
        pa.table(
            {"book_id": [1, 2, 3, 4], "genre": ["Poem", "Poem", "Novel", "Poem"], "year": [1988, 1990, 1991, 1995]}
        ),
        "books",
    )
    rows = rows_of(answerer_for(platform), "List genres that have at least two books after year 1989.")
    assert [r[0] for r in rows] == ["Poem"]  # 1990 and 1995; the 1988 poem is before


def test_starting_with_the_largest_is_an_order_not_one_row(answerer: QuestionAnswerer) -> None:
    rows = rows_of(answerer, "List the names of all singers starting with the highest fee.")
    assert [r[0] for r in rows] == ["Di", "Bo", "Cy", "Ann"]


def test_a_period_goes_on_the_year_column_not_a_table_joined_for_its_date(platform: NeuroLake) -> None:
    # The films have a year; their reviews have dates. "after 2000" is about the films: Arc
    # (1995) was reviewed in 2005 and must not come back.
    platform.storage.write_table(
        pa.table({"film_id": [1, 2, 3], "title": ["Arc", "Bay", "Cove"], "director": ["Kim", "Kim", "Lee"],
                  "year": [1995, 2004, 2010]}),
        "films",
    )  # fmt: skip
    platform.storage.write_table(
        pa.table({"review_id": [1, 2, 3], "film_id": [1, 1, 3],
                  "review_date": [date(2005, 1, 1), date(2006, 1, 1), date(2011, 1, 1)]}),
        "reviews",
    )  # fmt: skip
    rows = rows_of(answerer_for(platform), "What are the titles of the films made after 2000 by director Kim?")
    assert rows == [("Bay",)]


def test_a_column_named_like_the_table_is_counted_as_its_rows(platform: NeuroLake) -> None:
    # "assigned.scientist" holds scientists' keys: counting its distinct values counts scientists.
    platform.storage.write_table(pa.table({"ssn": [1, 2, 3], "name": ["Ada", "Bo", "Cy"]}), "scientists")
    platform.storage.write_table(pa.table({"code": ["p1", "p2"], "pname": ["Alpha", "Beta"]}), "projects")
    platform.storage.write_table(pa.table({"scientist": [1, 1, 2], "project": ["p1", "p2", "p1"]}), "assigned")
    rows = rows_of(answerer_for(platform), "How many different scientists are assigned to any project?")
    assert rows == [(2,)]
