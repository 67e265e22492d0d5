"""Rival readings run on the engine: asked about only when their rows differ, shown with their rows.

Each test builds a tiny lakehouse (one ``deliveries`` table from CSV files) in ``tmp_path``,
where "number of deliveries by month" has one reading per date column, and parses the
question with the engine, as ``neurolake ask`` and the chat do.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from neurolake.errors import QueryValidationError
from neurolake.intent.model import IntentKind, Preview
from neurolake.platform import NeuroLake
from tests.intent.deliveries import BY_MONTH, deliveries_at, running_parser

HEADER = "id,region,ordered_on,shipped_on\n"


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def two_readings(platform: NeuroLake, question: str) -> list[str]:
    """The SQL of each reading the offline parser keeps (before any is run)."""
    parser = running_parser(platform)
    raw = parser.offline().parse(question)
    assert len(raw.ambiguities) == 1 and len(raw.ambiguities[0].options) == 2, raw.summary()
    return [parser.generate(option.intent) for option in raw.ambiguities[0].options]


def test_readings_that_give_the_same_rows_are_answered_without_asking(home: Path) -> None:
    # The same date twice: by order month or by shipping month, the counts are the same.
    platform = deliveries_at(
        home, HEADER + "1,EU,2024-11-03,2024-11-03\n2,US,2024-11-20,2024-11-20\n3,EU,2024-12-10,2024-12-10\n"
    )
    try:
        first, _ = two_readings(platform, BY_MONTH)
        parser = running_parser(platform)

        intent = parser.parse(BY_MONTH)

        assert intent.kind is IntentKind.AGGREGATION and intent.ambiguities == []
        assert intent.clarification is None and not intent.needs_clarification
        assert parser.generate(intent) == first  # the first reading
        assert platform.engine.execute_sql(first).rows == [(datetime(2024, 11, 1), 2), (datetime(2024, 12, 1), 1)]
    finally:
        platform.close()


def test_readings_that_differ_are_offered_with_their_first_rows(home: Path) -> None:
    # Two deliveries ordered in November, but one of them shipped in December.
    platform = deliveries_at(
        home, HEADER + "1,EU,2024-11-03,2024-11-05\n2,US,2024-11-20,2024-12-02\n3,EU,2024-12-10,2024-12-12\n"
    )
    try:
        parser = running_parser(platform)

        intent = parser.parse(BY_MONTH)

        clarification = intent.clarification
        assert clarification is not None and len(clarification.options) == 2
        assert clarification.previews == [
            Preview(
                columns=["ordered_on_month", "count"],
                rows=[["2024-11-01T00:00:00", 2], ["2024-12-01T00:00:00", 1]],
                row_count=2,
                truncated=False,
            ),
            Preview(
                columns=["shipped_on_month", "count"],
                rows=[["2024-11-01T00:00:00", 1], ["2024-12-01T00:00:00", 2]],
                row_count=2,
                truncated=False,
            ),
        ]
        # Choosing a reading answers with the rows its preview showed.
        chosen = platform.engine.execute_sql(parser.generate(intent.resolve(1)))
        assert chosen.columns == ["shipped_on_month", "count"]
        assert chosen.rows == [(datetime(2024, 11, 1), 1), (datetime(2024, 12, 1), 2)]
        assert intent.summary()["ambiguities"][0]["previews"] == [p.model_dump() for p in clarification.previews]
    finally:
        platform.close()


def test_a_reading_the_engine_rejects_is_not_offered(home: Path) -> None:
    # Version 0 has no shipped_on: read as of it, only the order date can be meant.
    platform = deliveries_at(
        home,
        "id,region,ordered_on\n1,EU,2024-11-03\n2,US,2024-11-20\n",
        HEADER + "3,EU,2024-12-10,2025-01-02\n",
    )
    question = BY_MONTH + " as of version 0"
    try:
        ordered, shipped = two_readings(platform, question)
        with pytest.raises(QueryValidationError, match="shipped_on"):
            platform.engine.execute_sql(shipped)
        parser = running_parser(platform)

        intent = parser.parse(question)

        assert intent.clarification is None and intent.refusal is None
        assert parser.generate(intent) == ordered and "VERSION AS OF 0" in ordered
        assert platform.engine.execute_sql(ordered).rows == [(datetime(2024, 11, 1), 2)]
    finally:
        platform.close()


def test_when_no_reading_can_run_the_question_is_refused_with_the_engines_reasons(home: Path) -> None:
    # Version 0 has neither date.
    platform = deliveries_at(home, "id,region\n1,EU\n", HEADER + "2,US,2024-11-20,2024-12-02\n")
    question = BY_MONTH + " as of version 0"
    try:
        two_readings(platform, question)

        intent = running_parser(platform).parse(question)

        assert intent.kind is IntentKind.UNKNOWN and intent.clarification is None
        assert intent.refusal is not None
        assert intent.refusal.startswith("None of the readings of this question could be run")
        assert "ordered_on" in intent.refusal and "shipped_on" in intent.refusal
    finally:
        platform.close()
