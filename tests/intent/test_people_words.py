"""Words people use for people: "full name", "female", glued column names spelt out.

A small schema written here; each test checks the SQL the offline parser writes.
"""

from __future__ import annotations

import pytest

from neurolake.intent.model import IntentKind
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.intent.values import ValueIndex

TABLES = [
    TableSpec(
        "members",
        [
            ColumnSpec("member_id", "BIGINT"),
            ColumnSpec("fname", "VARCHAR"),
            ColumnSpec("lname", "VARCHAR"),
            ColumnSpec("sex", "VARCHAR"),
            ColumnSpec("age", "BIGINT"),
        ],
    ),
    TableSpec(
        "rooms",
        [
            ColumnSpec("roomid", "VARCHAR"),
            ColumnSpec("roomname", "VARCHAR"),
            ColumnSpec("baseprice", "BIGINT"),
        ],
    ),
]


@pytest.fixture(scope="module")
def parser() -> OfflineIntentParser:
    values = ValueIndex({("members", "sex"): ["F", "M"]})
    return OfflineIntentParser(SchemaInfo.from_specs(TABLES), values)


def _sql(parser: OfflineIntentParser, question: str) -> str:
    intent = parser.parse(question)
    assert intent.kind is not IntentKind.UNKNOWN, intent.refusal
    assert not intent.ambiguities, intent.clarification
    return SqlGenerator(parser.schema).generate(intent)


def test_a_full_name_is_the_first_and_last_name(parser: OfflineIntentParser) -> None:
    assert _sql(parser, "What are the full names of all members?") == "SELECT members.fname, members.lname FROM members"
    assert _sql(parser, "What is the full name of the oldest member?") == (
        "SELECT members.fname, members.lname FROM members ORDER BY members.age DESC LIMIT 1"
    )


def test_a_full_name_where_names_are_not_split_is_reported(parser: OfflineIntentParser) -> None:
    intent = parser.parse("What are the full names of all rooms?")
    assert intent.kind is IntentKind.UNKNOWN and intent.refusal is not None
    assert "'full names'" in intent.refusal


def test_female_finds_the_one_letter_code(parser: OfflineIntentParser) -> None:
    assert _sql(parser, "How many female members are there?") == (
        "SELECT COUNT(*) AS count FROM members WHERE members.sex = 'F'"
    )
    assert _sql(parser, "List the ages of men.").endswith("WHERE members.sex = 'M'")


def test_glued_names_split_on_the_schemas_own_words(parser: OfflineIntentParser) -> None:
    # "roomname" splits on "room" (a table's word), "baseprice" on the known word "price".
    assert _sql(parser, "List the room names sorted by price.") == (
        "SELECT rooms.roomname FROM rooms ORDER BY rooms.baseprice ASC"
    )


def test_values_joined_by_and_beside_a_figure_give_a_figure_each(parser: OfflineIntentParser) -> None:
    assert _sql(parser, "What is the average age of male and female members?") == (
        "SELECT members.sex AS sex, AVG(members.age) AS avg_age FROM members "
        "WHERE members.sex IN ('M', 'F') GROUP BY members.sex"
    )
    # Joined by "or", one figure over both.
    assert "GROUP BY" not in _sql(parser, "What is the average age of male or female members?")


def test_a_value_written_in_capitals_is_not_a_function_word(parser: OfflineIntentParser) -> None:
    # "US" is not the word "us": nothing holds it here, so the question is not answered without it.
    intent = parser.parse("How many members are in the US?")
    assert intent.kind is IntentKind.UNKNOWN and intent.refusal is not None
    assert "'us' (not found in the data)" in intent.refusal


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("baseprice", ["base", "price"]),  # a known word of five letters ends it
        ("bedtype", ["bed", "type"]),  # a usual name ending
        ("capacity", ["capacity"]),  # "city" ends it, but four letters are too often another word's end
        ("playlist", ["playlist"]),
    ],
)
def test_glued_words_split_only_on_a_sure_ending(name: str, words: list[str]) -> None:
    from neurolake.intent.words import COMMON_WORDS, Segmenter

    assert Segmenter(COMMON_WORDS).expand(name) == words
