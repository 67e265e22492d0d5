"""History rows while the catalog is unreachable: spooled to a local file, written when it is back."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from neurolake.catalog import Catalog
from neurolake.catalog.repositories import history as history_repo
from neurolake.engine.execution import HistoryWriter
from neurolake.engine.history_spool import HistorySpool


def row(sql: str) -> dict:
    return {
        "query_id": sql[-8:],
        "sql": sql,
        "status": "succeeded",
        "tables_read": {"t": [3]},
        "executed_at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    }


def down_catalog(port: int) -> Catalog:
    return Catalog(f"postgresql+psycopg://postgres@127.0.0.1:{port}/nowhere", connect_timeout_s=2)


@pytest.fixture
def engine_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Warnings of ``neurolake.engine``, even after a CLI test stopped the logger propagating."""
    logger = logging.getLogger("neurolake.engine")
    logger.addHandler(caplog.handler)
    level, logger.level = logger.level, logging.WARNING
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)


@pytest.fixture
def port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_rows_wait_in_the_spool_and_reach_the_catalog_that_answers(
    tmp_path: Path, port: int, engine_log: pytest.LogCaptureFixture
) -> None:
    spool = HistorySpool.at(tmp_path / "home")
    down = HistoryWriter(down_catalog(port), spool=spool)
    down.record(row("SELECT 1 -- first"))
    down.record(row("SELECT 2 -- second"))
    down.close()
    up_catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    up = HistoryWriter(up_catalog, spool=spool)
    up.flush()  # nothing new of its own: the spooled rows alone go in
    with up_catalog.session() as session:
        stored = [(h.sql, h.tables_read, h.executed_at.replace(tzinfo=UTC)) for h in history_repo.list_queries(session)]

    assert f"the catalog database at 127.0.0.1:{port} is unreachable" in engine_log.text
    assert "query history row(s) kept in" in engine_log.text
    assert sorted(stored) == [
        ("SELECT 1 -- first", {"t": [3]}, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("SELECT 2 -- second", {"t": [3]}, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ]
    assert spool.is_empty()


def test_a_spool_that_cannot_be_written_loses_the_rows_with_a_warning_not_an_exception(
    tmp_path: Path, port: int, engine_log: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "home").write_text("a file where the home's folder should be")
    writer = HistoryWriter(down_catalog(port), spool=HistorySpool.at(tmp_path / "home"))
    writer.record(row("SELECT 3 -- lost"))
    writer.close()

    assert "could not record 1 query history row(s): the spool failed" in engine_log.text
