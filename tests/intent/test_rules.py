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


def test_most_common_is_the_value_most_rows_hold(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What is the most common mountain range?")
    assert sql == (
        "SELECT peaks.mountain_range AS mountain_range, COUNT(*) AS count FROM peaks "
        "GROUP BY peaks.mountain_range ORDER BY count DESC LIMIT 1"
    )
    assert _sql(parser, "Which mountain range is the least common?").endswith("ORDER BY count ASC LIMIT 1")


def test_either_or_keeps_rows_meeting_one_condition(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "Show the names of peaks with height above 8000 or prominence below 500.")
    assert sql == "SELECT peaks.name FROM peaks WHERE (peaks.height > 8000 OR peaks.prominence < 500)"
    intent = parser.parse("Show the names of peaks with height above 8000 or prominence below 500.")
    assert describe(intent) == "name where (height over 8000 or prominence below 500)"


def test_either_or_then_and_is_not_guessed(parser: OfflineIntentParser) -> None:
    refusal = _refusal(parser, "Show the names of peaks with height above 8000 or prominence below 500 and in Nepal")
    assert "'or' (a choice between values)" in refusal


@pytest.mark.parametrize(
    ("question", "condition"),
    [
        ("Show the names of peaks with a height of 8000 or more.", "peaks.height >= 8000"),
        ("Show the names of peaks with height greater than or equal to 8000.", "peaks.height >= 8000"),
        ("Show the names of peaks with height 8000 or lower.", "peaks.height <= 8000"),
        ("Show the names of peaks with height equal to or less than 8000.", "peaks.height <= 8000"),
    ],
)
def test_a_bound_with_or_is_included(parser: OfflineIntentParser, question: str, condition: str) -> None:
    assert _sql(parser, question) == f"SELECT peaks.name FROM peaks WHERE {condition}"


@pytest.mark.parametrize(
    ("question", "order"),
    [
        ("List the names of peaks in descending alphabetical order.", "peaks.name DESC"),
        ("List the names of peaks ordered alphabetically.", "peaks.name ASC"),
    ],
)
def test_every_word_of_a_sort_order_is_read(parser: OfflineIntentParser, question: str, order: str) -> None:
    assert _sql(parser, question) == f"SELECT peaks.name FROM peaks ORDER BY {order}"


def test_most_rows_of_the_listed_columns_table_is_its_most_common_value(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "Which country has the most climbers?")
    assert sql == (
        "SELECT climbers.country AS country, COUNT(*) AS count FROM climbers "
        "GROUP BY climbers.country ORDER BY count DESC LIMIT 1"
    )


def test_versus_aggregate_computes_the_average_over_the_rows_named_after_it(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "What are the names of peaks with height above the average height of peaks in Nepal?")
    assert sql == (
        "SELECT peaks.name FROM peaks WHERE peaks.height > "
        "(SELECT AVG(peaks.height) FROM peaks WHERE peaks.country = 'Nepal')"
    )


def test_sort_as_the_verb_of_a_later_order_lists_what_it_names(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "Sort the names and heights of peaks in descending order of prominence.")
    assert sql == "SELECT peaks.name, peaks.height FROM peaks ORDER BY peaks.prominence DESC"


def test_a_ranked_number_asked_for_again_is_listed(parser: OfflineIntentParser) -> None:
    sql = _sql(parser, "Which peak has the lowest prominence? List the name and the prominence.")
    listed, _, rest = sql.removeprefix("SELECT ").partition(" FROM ")
    assert sorted(listed.split(", ")) == ["peaks.name", "peaks.prominence"]
    assert rest == "peaks ORDER BY peaks.prominence ASC LIMIT 1"


def test_two_tables_joined_through_the_one_they_both_refer_to_are_reported(parser: OfflineIntentParser) -> None:
    from neurolake.intent.coverage import unread_parts
    from neurolake.intent.model import Join
    from neurolake.intent.text import tokenize

    question = "Which peaks were climbed and photographed?"
    intent = Intent(
        question=question,
        tables=["climbers", "peaks", "photos"],
        columns=["peaks.name"],
        joins=[
            Join(table="peaks", on=[("climbers.peak_id", "peaks.peak_id")]),
            Join(table="photos", on=[("photos.peak_id", "peaks.peak_id")]),
        ],
    )
    parts = unread_parts(tokenize(question), [], intent, parser.schema)
    assert ("climbers and photos", "two tables that both refer to peaks, joined through it") in [
        (p.words, p.why) for p in parts
    ]


def test_a_number_computed_over_groups_of_itself_is_reported(parser: OfflineIntentParser) -> None:
    from neurolake.intent.coverage import unread_parts
    from neurolake.intent.model import GroupBy, Measure
    from neurolake.intent.text import tokenize

    question = "Which peak has the least height?"
    intent = Intent(
        question=question,
        tables=["peaks"],
        measures=[Measure(function="sum", column="peaks.height")],
        group_by=[GroupBy(column="peaks.height"), GroupBy(column="peaks.name")],
    )
    parts = unread_parts(tokenize(question), [], intent, parser.schema)
    assert ("height", "a number computed over groups of its own values") in [(p.words, p.why) for p in parts]
