"""A schema built in the test (bike trips between stations): no word of it is in the parser.

Trips reference stations twice (start and end), so "per city" has two join paths: the
parser must ask, unless a role word ("start", "end", "from") picks one.
"""

from __future__ import annotations

import duckdb
import pytest

from neurolake.intent.model import IntentKind
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.sqlgen import SqlGenerator


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return sorted(db.execute(sql).fetchall(), key=repr)


CASES = [
    ("query", "show all stations", "SELECT * FROM stations"),
    ("filter", "trips by members", "SELECT * FROM trips WHERE rider_type = 'member'"),
    ("filter", "stations with a capacity over 20", "SELECT * FROM stations WHERE capacity > 20"),
    ("filter", "stations in Munich", "SELECT * FROM stations WHERE city = 'Munich'"),
    (
        "filter",
        "trips in March 2024",
        "SELECT * FROM trips WHERE started_at >= TIMESTAMP '2024-03-01' AND started_at < TIMESTAMP '2024-04-01'",
    ),
    ("aggregation", "how many trips are there", "SELECT count(*) FROM trips"),
    ("aggregation", "average trip duration by rider type", "SELECT rider_type, avg(duration_s) FROM trips GROUP BY 1"),
    (
        "aggregation",
        "number of trips per start station city",
        "SELECT s.city, count(*) FROM trips t JOIN stations s ON t.start_station_id = s.id GROUP BY 1",
    ),
    (
        "aggregation",
        "how many trips ended in each city",
        "SELECT s.city, count(*) FROM trips t JOIN stations s ON t.end_station_id = s.id GROUP BY 1",
    ),
    ("ranking", "the 3 longest trips", "SELECT * FROM trips ORDER BY duration_s DESC LIMIT 3"),
    ("ranking", "the biggest station", "SELECT * FROM stations ORDER BY capacity DESC LIMIT 1"),
    ("time_travel", "how many trips as of version 1", None),
]


@pytest.mark.parametrize(("kind", "question", "gold"), CASES, ids=[c[1] for c in CASES])
def test_question_gives_the_gold_result(
    bike_parser: OfflineIntentParser,
    bike_sql: SqlGenerator,
    bike_db: duckdb.DuckDBPyConnection,
    kind: str,
    question: str,
    gold: str | None,
) -> None:
    intent = bike_parser.parse(question)
    assert not intent.needs_clarification, intent.clarification
    assert intent.kind == IntentKind(kind)
    sql = bike_sql.generate(intent)
    if gold is None:  # DuckDB tables have no versions: the SQL is checked as text
        assert "trips VERSION AS OF 1" in sql
        return
    assert rows(bike_db, sql) == rows(bike_db, gold), sql


def test_two_join_paths_are_a_question_with_complete_options(
    bike_parser: OfflineIntentParser, bike_sql: SqlGenerator, bike_db: duckdb.DuckDBPyConnection
) -> None:
    intent = bike_parser.parse("number of trips per city")

    assert intent.needs_clarification
    ambiguity = intent.ambiguities[0]
    assert ambiguity.slot == "join"
    assert sorted(o.label for o in ambiguity.options) == ["end station", "start station"]
    assert "start station or end station" in ambiguity.question or "end station or start station" in ambiguity.question
    by_label = {o.label: bike_sql.generate(o.intent) for o in ambiguity.options}
    assert "trips.start_station_id = stations.id" in by_label["start station"]
    assert "trips.end_station_id = stations.id" in by_label["end station"]
    # Picking an option by its words finishes the query.
    chosen = intent.resolve("end")
    assert rows(bike_db, bike_sql.generate(chosen)) == rows(
        bike_db, "SELECT s.city, count(*) FROM trips t JOIN stations s ON t.end_station_id = s.id GROUP BY 1"
    )


def test_a_role_word_picks_the_join_path(bike_parser: OfflineIntentParser, bike_sql: SqlGenerator) -> None:
    intent = bike_parser.parse("number of trips from each station")

    assert not intent.ambiguities
    assert intent.joins[0].on == [("trips.start_station_id", "stations.id")]


def test_value_forms_are_found(bike_parser: OfflineIntentParser) -> None:
    """ "members" finds the value 'member' (plural), quoted text finds the exact value."""
    plural = bike_parser.parse("how many trips by members")
    quoted = bike_parser.parse("stations named 'Marienplatz'")

    assert plural.filters[0].column == "trips.rider_type" and plural.filters[0].value == "member"
    assert quoted.filters[0].column == "stations.name" and quoted.filters[0].value == "Marienplatz"


def test_unknown_words_lower_the_confidence(bike_parser: OfflineIntentParser) -> None:
    plain = bike_parser.parse("how many trips are there")
    noisy = bike_parser.parse("how many trips with glorbs and fizzles")

    assert plain.confidence > noisy.confidence
    assert noisy.unlinked == ["glorbs", "fizzles"]


def test_nothing_linkable_is_refused_not_guessed(bike_parser: OfflineIntentParser) -> None:
    intent = bike_parser.parse("what is the weather like tomorrow")

    assert intent.kind is IntentKind.UNKNOWN and intent.refusal
