"""Each rewrite rule and the main coverage rules, on a small schema written here.

The schema: peaks (a name, a height, a range, a country) and the climbers who climbed them.
Every test reads one question with the offline parser and checks the SQL it writes, or the
words a refusal names: what a person sees.
"""

from __future__ import annotations

import pytest

from neurolake.intent.model import Intent, IntentKind, describe
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.intent.values import ValueIndex

TABLES = [
    TableSpec(
        "peaks",
        [
            ColumnSpec("peak_id", "BIGINT"),
            ColumnSpec("name", "VARCHAR"),
            ColumnSpec("height", "DOUBLE"),
            ColumnSpec("prominence", "DOUBLE"),
            ColumnSpec("mountain_range", "VARCHAR"),
            ColumnSpec("country", "VARCHAR"),
        ],
    ),
    TableSpec(
        "climbers",
        [
            ColumnSpec("climber_id", "BIGINT"),
            ColumnSpec("name", "VARCHAR"),
            ColumnSpec("country", "VARCHAR"),
            ColumnSpec("points", "DOUBLE"),
            ColumnSpec("peak_id", "BIGINT"),
        ],
    ),
]


@pytest.fixture(scope="module")
def parser() -> OfflineIntentParser:
    schema = SchemaInfo.from_specs(TABLES)
    values = ValueIndex({("peaks", "country"): ["Nepal", "Kenya", "Uganda"], ("climbers", "country"): ["Austria"]})
    return OfflineIntentParser(schema, values)


def _sql(parser: OfflineIntentParser, question: str) -> str:
    intent = parser.parse(question)
    assert intent.kind is not IntentKind.UNKNOWN, intent.refusal
    assert not intent.ambiguities, intent.clarification
    return SqlGenerator(parser.schema).generate(intent)


def _refusal(parser: OfflineIntentParser, question: str) -> str:
    intent = parser.parse(question)
    assert intent.kind is IntentKind.UNKNOWN and intent.refusal is not None, describe(intent)
    return intent.refusal


def test_superlative_orders_by_the_number_after_it(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What is the name of the climber with the most points?")
    assert sql == "SELECT climbers.name FROM climbers ORDER BY climbers.points DESC LIMIT 1"


def test_superlative_with_no_number_named_uses_what_the_word_means(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What is the name of the highest peak?")
    assert sql == "SELECT peaks.name FROM peaks ORDER BY peaks.height DESC LIMIT 1"


def test_versus_aggregate_compares_with_a_subquery(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What are the names of peaks with height above the average height?")
    assert sql == ("SELECT peaks.name FROM peaks WHERE peaks.height > (SELECT AVG(peaks.height) FROM peaks)")


def test_absence_is_not_in_the_related_table(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "List the names of peaks that no climber has climbed.")
    assert sql == (
        "SELECT peaks.name FROM peaks WHERE NOT peaks.peak_id IN "
        "(SELECT climbers.peak_id FROM climbers WHERE NOT climbers.peak_id IS NULL)"
    )


def test_text_match_is_like_on_the_named_column(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "Show the names of peaks whose name contains 'Mount'")
    assert sql == "SELECT peaks.name FROM peaks WHERE peaks.name LIKE '%Mount%'"


def test_shared_measure_gives_each_aggregate(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What are the maximum, minimum and average height of all peaks?")
    assert sql.startswith("SELECT MAX(peaks.height) AS max_height, MIN(peaks.height) AS min_height, AVG(peaks.height)")


def test_set_ops_both_is_an_intersection(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "Which climbers climbed peaks in both Nepal and Kenya?")
    first, _, second = sql.partition(" INTERSECT ")
    assert "'Nepal'" in first and "'Kenya'" in second and "IN (" not in sql


def test_but_not_is_an_exception(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What are the names of climbers of peaks in Nepal but not Kenya?")
    assert " EXCEPT " in sql and "'Nepal'" in sql and "'Kenya'" in sql


def test_of_table_takes_the_column_of_that_table(parser: OfflineIntentParser) -> None:
    assert _sql(parser, "What are the names of peaks?") == "SELECT peaks.name FROM peaks"
    assert _sql(parser, "What are the names of climbers?") == "SELECT climbers.name FROM climbers"


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("Which peaks are not in Nepal or in any wibble?", "'wibble'"),
        ("Show peaks with height above 5000 each glorb", "'glorb'"),
        ("List peaks either zorp", "'zorp'"),
    ],
)
def test_a_part_nothing_uses_is_named_in_the_refusal(parser: OfflineIntentParser, question: str, named: str) -> None:
    refusal = _refusal(parser, question)
    assert refusal.startswith("I could not use every part of the question") and named in refusal


def test_a_dropped_negation_is_not_answered(parser: OfflineIntentParser) -> None:
    refusal = _refusal(parser, "Which climbers never heard of wibbles?")
    assert "'never' (a negation)" in refusal and "'wibbles' (not found in the data)" in refusal


def test_every_answer_states_its_reading(parser: OfflineIntentParser) -> None:
    intent: Intent = parser.parse("What are the names of peaks with height above the average height?")
    assert describe(intent) == "name where height over the average of height"


def test_a_column_after_who_have_is_a_condition_not_a_column_to_list(parser: OfflineIntentParser) -> None:
    refusal = _refusal(parser, "What are the names and countries of climbers who have points?")
    assert "'points' (a condition on the rows, listed as a column)" in refusal


def test_one_column_read_for_two_things_asked_is_reported(parser: OfflineIntentParser) -> None:
    from neurolake.intent.coverage import unread_parts
    from neurolake.intent.model import Intent
    from neurolake.intent.text import tokenize

    question = "Show the school name and driver name"
    intent = Intent(question=question, tables=["climbers"], columns=["climbers.name", "climbers.name"])
    parts = unread_parts(tokenize(question), [], intent, parser.schema)
    assert [(p.words, p.why) for p in parts] == [("name", "two things asked for, read as the same column")]
