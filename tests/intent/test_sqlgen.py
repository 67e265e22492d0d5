"""Intent -> sqlglot tree -> SQL: qualified, quoted, time travel in the engine's syntax, validated."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from neurolake.errors import PermissionDeniedError, QueryValidationError
from neurolake.intent.model import (
    Filter,
    GroupBy,
    Intent,
    IntentKind,
    Join,
    Measure,
    OrderBy,
    TimeRange,
    TimeTravel,
)
from neurolake.intent.sqlgen import SqlGenerator


def test_a_full_intent_becomes_qualified_sql(bike_sql: SqlGenerator, bike_db: duckdb.DuckDBPyConnection) -> None:
    intent = Intent(
        kind=IntentKind.RANKING,
        tables=["trips", "stations"],
        joins=[Join(table="stations", on=[("trips.start_station_id", "stations.id")])],
        measures=[Measure(function="avg", column="trips.duration_s")],
        group_by=[GroupBy(column="stations.city")],
        filters=[Filter(column="trips.rider_type", op="in", value=["member", "casual"])],
        time_range=TimeRange(column="trips.started_at", start=date(2024, 3, 1), end=date(2024, 5, 1)),
        order_by=[OrderBy(target="avg_duration_s", direction="desc")],
        limit=1,
    )

    sql = bike_sql.generate(intent)

    assert sql == (
        "SELECT stations.city AS city, AVG(trips.duration_s) AS avg_duration_s FROM trips "
        "INNER JOIN stations ON trips.start_station_id = stations.id "
        "WHERE trips.rider_type IN ('member', 'casual') AND trips.started_at >= CAST('2024-03-01' AS TIMESTAMP) "
        "AND trips.started_at < CAST('2024-05-01' AS TIMESTAMP) GROUP BY stations.city "
        "ORDER BY avg_duration_s DESC LIMIT 1"
    )
    assert bike_db.execute(sql).fetchall() == [("Munich", 2000.0)]


def test_values_are_literals_never_sql(bike_sql: SqlGenerator, bike_db: duckdb.DuckDBPyConnection) -> None:
    nasty = "x'; DROP TABLE trips; --"
    intent = Intent(tables=["stations"], columns=["stations.*"], filters=[Filter(column="stations.name", value=nasty)])

    sql = bike_sql.generate(intent)

    assert "'x''; DROP TABLE trips; --'" in sql
    assert bike_db.execute(sql).fetchall() == []
    assert bike_db.execute("SELECT count(*) FROM trips").fetchone() == (7,)


@pytest.mark.parametrize(
    ("travel", "expected"),
    [
        (TimeTravel(version=3), "FROM trips VERSION AS OF 3"),
        (TimeTravel(timestamp="2024-06-01"), "FROM trips TIMESTAMP AS OF '2024-06-01'"),
    ],
)
def test_time_travel_uses_the_engine_syntax(bike_sql: SqlGenerator, travel: TimeTravel, expected: str) -> None:
    intent = Intent(
        kind=IntentKind.TIME_TRAVEL, tables=["trips"], measures=[Measure(function="count")], time_travel=travel
    )

    sql = bike_sql.generate(intent)

    assert expected in sql
    from sqlglot import exp

    from neurolake.engine.parsing import parse_statement
    from neurolake.engine.statement import version_spec

    table = parse_statement(sql).find(exp.Table)
    assert table is not None and version_spec(table) is not None  # the engine reads it back as time travel


def test_time_travel_applies_to_every_joined_table(bike_sql: SqlGenerator) -> None:
    intent = Intent(
        tables=["trips", "stations"],
        joins=[Join(table="stations", on=[("trips.end_station_id", "stations.id")])],
        columns=["trips.*"],
        time_travel=TimeTravel(version=2),
    )

    sql = bike_sql.generate(intent)

    assert "FROM trips VERSION AS OF 2 INNER JOIN stations VERSION AS OF 2 ON" in sql


@pytest.mark.parametrize(
    ("intent", "message"),
    [
        (Intent(tables=["bikes"], columns=["bikes.*"]), "no table 'bikes'"),
        (Intent(tables=["trips"], measures=[Measure(function="sum", column="trips.price")]), "no column 'trips.price'"),
        (Intent(tables=["trips"], filters=[Filter(column="stations.city", value="Berlin")]), "not one of its tables"),
        (Intent(tables=[], columns=[]), "does not name any table"),
        (Intent(kind=IntentKind.UNKNOWN, refusal="nope"), "nope"),
    ],
)
def test_intents_the_catalog_cannot_answer_are_refused(bike_sql: SqlGenerator, intent: Intent, message: str) -> None:
    with pytest.raises(QueryValidationError, match=message):
        bike_sql.generate(intent)


def test_typed_sql_is_checked_against_the_catalog_and_for_writes(bike_sql: SqlGenerator) -> None:
    assert bike_sql.check_sql("SELECT t.id FROM trips t").sql() == "SELECT t.id FROM trips AS t"
    with pytest.raises(QueryValidationError, match="no column 'speed'"):
        bike_sql.check_sql("SELECT trips.speed FROM trips")
    with pytest.raises(PermissionDeniedError):
        bike_sql.check_sql("DROP TABLE trips")
    with pytest.raises(PermissionDeniedError):
        bike_sql.check_sql("SELECT 1; DELETE FROM trips")


def test_schema_requests(bike_sql: SqlGenerator) -> None:
    assert bike_sql.generate(Intent(kind=IntentKind.SCHEMA, schema_request="tables")) == "SHOW TABLES"
    describe = Intent(kind=IntentKind.SCHEMA, schema_request="describe", tables=["trips"])
    assert bike_sql.generate(describe) == "DESCRIBE trips"


def test_reserved_and_odd_names_are_quoted() -> None:
    from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec

    schema = SchemaInfo.from_specs(
        [TableSpec("order", [ColumnSpec("select", "INTEGER"), ColumnSpec("Max Speed", "DOUBLE")])]
    )
    intent = Intent(
        tables=["order"],
        measures=[Measure(function="max", column="order.Max Speed")],
        group_by=[GroupBy(column="order.select")],
    )

    sql = SqlGenerator(schema).generate(intent)

    con = duckdb.connect()
    con.execute('CREATE TABLE "order" ("select" INTEGER, "Max Speed" DOUBLE)')
    con.execute('INSERT INTO "order" VALUES (1, 2.5), (1, 3.5)')
    assert con.execute(sql).fetchall() == [(1, 3.5)]
