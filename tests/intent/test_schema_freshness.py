"""The parser's view of the catalog follows it at once: a table created (an upload in the chat)
is known to the very next question, not only after the schema snapshot's time is up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pytest

from neurolake.catalog.repositories import tables as tables_repo
from neurolake.config import load_settings
from neurolake.intent.model import Intent, IntentKind
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[NeuroLake]:
    platform = NeuroLake.from_settings(load_settings(home=tmp_path / "home", environment="test"))
    platform.storage.write_table(pa.table({"order_id": [1, 2], "total_amount": [10.5, 4.0]}), "orders")
    yield platform
    platform.close()


def test_a_new_table_is_known_to_the_next_question(platform: NeuroLake) -> None:
    parser = IntentParser(platform.catalog, storage=platform.storage)
    assert "orders" in parser.generate(parser.parse("total amount"))

    platform.storage.write_table(pa.table({"region": ["North", "South"], "amount": [10.5, 20.0]}), "regional_sales")

    assert parser.schema().table("regional_sales") is not None
    assert "regional_sales.region" in parser.generate(parser.parse("total amount by region"))
    typed = Intent(kind=IntentKind.SQL, sql="SELECT region FROM regional_sales", confidence=1.0)
    assert "regional_sales" in parser.generate(typed)  # typed SQL on the new table is not refused


def test_a_column_description_is_known_at_once(platform: NeuroLake) -> None:
    parser = IntentParser(platform.catalog, storage=platform.storage)
    before = parser.schema()

    with platform.catalog.session() as session:
        tables_repo.set_description(session, "orders", "What the customer paid", column="total_amount")

    assert parser.schema() is not before
