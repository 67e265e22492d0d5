"""Semantic-layer fixtures: the real embedding model (loaded once) and small Delta lakehouses.

The ``shop`` lakehouse (four tables, one of them TPC-H-like with cryptic names explained by
column descriptions) is built and indexed once per module; tests that change tables build
their own through the ``platform`` fixture.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.config import Settings, load_settings
from neurolake.platform import NeuroLake
from neurolake.semantic import Embedder, SchemaIndex, close_qdrant, open_qdrant

LINEITEM_DESCRIPTIONS = {
    "l_orderkey": "order key",
    "l_extendedprice": "extended price",
    "l_discount": "discount",
    "l_shipdate": "ship date",
    "l_returnflag": "return flag",
    "l_shipmode": "ship mode",
}


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session.

    One torch thread: the suite shares its cores with other suites, where more threads
    make the model slower and its timing erratic.
    """
    model = Embedder(threads=1)
    model.warm_up()
    return model


def write_shop_tables(nl: NeuroLake) -> None:
    """customers, orders, trips and a TPC-H-like lineitem, written through DeltaStorageManager."""
    storage = nl.storage
    storage.write_table(
        pa.table(
            {
                "id": [1, 2, 3, 4],
                "name": ["Ann", "Bo", "Cy", "Di"],
                "country": ["Germany", "France", "United States", "Germany"],
                "segment": ["retail", "wholesale", "retail", "online"],
            }
        ),
        "customers",
    )
    storage.write_table(
        pa.table(
            {
                "order_id": [1, 2, 3],
                "customer_id": [1, 2, 4],
                "amount": [10.5, 20.0, 7.25],
                "status": ["shipped", "returned", "pending"],
                "order_date": pa.array([19000, 19001, 19002], pa.date32()),
            }
        ),
        "orders",
    )
    storage.write_table(
        pa.table(
            {
                "trip_id": [1, 2, 3],
                "rider_type": ["member", "casual", "member"],
                "start_station": ["Alexanderplatz", "Zoo", "Mitte"],
                "end_station": ["Zoo", "Mitte", "Alexanderplatz"],
                "duration_s": [300, 600, 450],
            }
        ),
        "trips",
    )
    storage.write_table(
        pa.table(
            {
                "l_orderkey": [1, 2],
                "l_extendedprice": [100.0, 200.0],
                "l_discount": [0.1, 0.0],
                "l_shipdate": pa.array([19000, 19001], pa.date32()),
                "l_returnflag": ["R", "N"],
                "l_shipmode": ["AIR", "MAIL"],
            }
        ),
        "lineitem",
    )
    with nl.catalog.session() as session:
        for column, description in LINEITEM_DESCRIPTIONS.items():
            tables_repo.set_description(session, "lineitem", description, column=column)


@dataclass
class Shop:
    settings: Settings
    platform: NeuroLake
    index: SchemaIndex
    build_seconds: float


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Shop]:
    """The four-table lakehouse, indexed once per module in a local-mode Qdrant folder."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith("NEUROLAKE_") and not name.startswith("NEUROLAKE_TEST_"):
                mp.delenv(name)
        home: Path = tmp_path_factory.mktemp("shop") / "home"
        settings = load_settings(home=home, environment="test")
        nl = NeuroLake.from_settings(settings)
        write_shop_tables(nl)
        client = open_qdrant(settings)
        index = SchemaIndex(nl.catalog, nl.storage, embedder, client, settings.vector.schema_collection)
        report = index.refresh()
        try:
            yield Shop(settings, nl, index, report.seconds)
        finally:
            close_qdrant(client)
            nl.close()
