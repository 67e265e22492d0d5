"""A tiny lakehouse with one ``deliveries`` table holding two dates (ordered on, shipped on).

A period or a grain in a question ("number of deliveries by month") has two readings on it,
one per date; the CSV files written here decide whether the readings agree, differ, or (in
an older version without a date column) cannot run at all.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from neurolake.config import load_settings
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from neurolake.storage.ingest import ingest_file

#: "Today" for the parser, so periods such as "last month" do not move.
TODAY = date(2025, 1, 1)
#: The question with one reading per date column.
BY_MONTH = "number of deliveries by month"


def deliveries_at(home: Path, *versions: str) -> NeuroLake:
    """A platform on ``home`` whose ``deliveries`` table is built from ``versions`` (CSV text,
    one commit each, in order; a later one may add columns)."""
    platform = NeuroLake.from_settings(load_settings(home=home, environment="test"))
    for number, text in enumerate(versions):
        source = home.parent / f"deliveries-{number}.csv"
        source.write_text(text)
        ingest_file(platform.storage, source, "deliveries", evolve=number > 0)
    return platform


def running_parser(platform: NeuroLake) -> IntentParser:
    """The parser with the engine, as ``neurolake ask`` and the chat build it: readings are run."""
    return IntentParser(platform.catalog, storage=platform.storage, today=TODAY, engine=platform.engine)
