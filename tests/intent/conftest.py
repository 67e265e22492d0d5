"""Fixtures for the question parser: a tiny demo lakehouse, tiny TPC-H, a bike-share schema.

The lakehouses are built once per session (a few seconds); each test parses questions and
runs both its SQL and a hand-written gold SQL on the real engine (or DuckDB for the bike
schema, which exists only inside the tests) and compares the results.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from neurolake.config import load_settings
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.parser import IntentParser
from neurolake.intent.schema import ColumnSpec, SchemaInfo, TableSpec
from neurolake.intent.sqlgen import SqlGenerator
from neurolake.intent.values import ValueIndex
from neurolake.llm.providers.offline import OfflineProvider
from neurolake.platform import NeuroLake
from tests.conftest import demo_platform_at

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

from nl2sql import tpch_catalog  # noqa: E402
from nl2sql_eval import same_result  # noqa: E402

DEMO_TODAY = date(2025, 1, 1)
TPCH_TODAY = date(1998, 8, 3)

__all__ = ["DEMO_TODAY", "TPCH_TODAY", "same_result"]


@pytest.fixture(autouse=True)
def _clean_offline_registry() -> Iterator[None]:
    """Handlers registered by a test (or by ``from_platform``) do not leak into others."""
    saved = dict(OfflineProvider._shared)
    yield
    OfflineProvider._shared.clear()
    OfflineProvider._shared.update(saved)


@pytest.fixture(scope="session")
def demo_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeuroLake]:
    """The demo lakehouse at its smallest useful size (300 orders), with its history."""
    platform = demo_platform_at(tmp_path_factory.mktemp("demo") / "home")
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def demo_parser(demo_platform: NeuroLake) -> IntentParser:
    return IntentParser(demo_platform.catalog, storage=demo_platform.storage, today=DEMO_TODAY)


@pytest.fixture(scope="session")
def tpch_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NeuroLake]:
    """TPC-H at scale 0.001 (tpchgen-cli), described from the spec in the catalog."""
    folder = tmp_path_factory.mktemp("tpch")
    try:
        parquet = tpch_catalog.generate(folder, 0.001)
    except SystemExit as e:
        pytest.skip(str(e))
    settings = load_settings(home=folder / "home", environment="test")
    platform = NeuroLake.from_settings(settings)
    tpch_catalog.load(platform.storage, parquet)
    yield platform
    platform.close()


@pytest.fixture(scope="session")
def tpch_parser(tpch_platform: NeuroLake) -> IntentParser:
    return IntentParser(tpch_platform.catalog, storage=tpch_platform.storage, today=TPCH_TODAY)


# -- a schema the parser has never seen: bike trips between stations -------------------------
BIKE_TABLES = [
    TableSpec(
        "stations",
        [
            ColumnSpec("id", "INTEGER"),
            ColumnSpec("name", "VARCHAR"),
            ColumnSpec("city", "VARCHAR"),
            ColumnSpec("capacity", "INTEGER", "How many bikes the station holds."),
        ],
        "Docking stations where trips start and end.",
    ),
    TableSpec(
        "trips",
        [
            ColumnSpec("id", "INTEGER"),
            ColumnSpec("start_station_id", "INTEGER"),
            ColumnSpec("end_station_id", "INTEGER"),
            ColumnSpec("started_at", "TIMESTAMP"),
            ColumnSpec("duration_s", "INTEGER", "Trip duration in seconds."),
            ColumnSpec("rider_type", "VARCHAR", "member or casual"),
        ],
        "One row per bike trip.",
    ),
]
STATIONS = [
    (1, "Alexanderplatz", "Berlin", 30),
    (2, "Kreuzberg", "Berlin", 15),
    (3, "Marienplatz", "Munich", 25),
    (4, "Schwabing", "Munich", 10),
]
TRIPS = [
    (1, 1, 3, datetime(2024, 3, 1, 8, 0), 600, "member"),
    (2, 1, 2, datetime(2024, 3, 2, 9, 0), 300, "casual"),
    (3, 2, 1, datetime(2024, 3, 5, 17, 30), 420, "member"),
    (4, 3, 4, datetime(2024, 4, 1, 7, 45), 900, "member"),
    (5, 4, 3, datetime(2024, 4, 2, 12, 0), 1500, "casual"),
    (6, 3, 1, datetime(2024, 4, 3, 18, 0), 3600, "member"),
    (7, 2, 2, datetime(2024, 5, 9, 10, 0), 120, "casual"),
]


@pytest.fixture(scope="session")
def bike_schema() -> SchemaInfo:
    return SchemaInfo.from_specs(BIKE_TABLES)


@pytest.fixture(scope="session")
def bike_parser(bike_schema: SchemaInfo) -> OfflineIntentParser:
    values = ValueIndex(
        {
            ("trips", "rider_type"): ["member", "casual"],
            ("stations", "city"): ["Berlin", "Munich"],
            ("stations", "name"): [s[1] for s in STATIONS],
        }
    )
    return OfflineIntentParser(bike_schema, values, today=date(2024, 6, 1))


@pytest.fixture(scope="session")
def bike_db() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute("CREATE TABLE stations (id INTEGER, name VARCHAR, city VARCHAR, capacity INTEGER)")
    con.execute(
        "CREATE TABLE trips (id INTEGER, start_station_id INTEGER, end_station_id INTEGER, "
        "started_at TIMESTAMP, duration_s INTEGER, rider_type VARCHAR)"
    )
    con.executemany("INSERT INTO stations VALUES (?, ?, ?, ?)", STATIONS)
    con.executemany("INSERT INTO trips VALUES (?, ?, ?, ?, ?, ?)", TRIPS)
    yield con
    con.close()


@pytest.fixture(scope="session")
def bike_sql(bike_schema: SchemaInfo) -> SqlGenerator:
    return SqlGenerator(bike_schema)


@pytest.fixture(scope="module")
def tables_answerer(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The answer path over a fresh lakehouse holding the test module's ``TABLES``."""
    from tests.intent.checks import answerer_over

    yield from answerer_over(tmp_path_factory, request.module.__name__.rsplit(".", 1)[-1], request.module.TABLES)
