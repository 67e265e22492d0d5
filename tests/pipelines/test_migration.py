"""Migration 0002 (pipeline_runs) up and down on SQLite and PostgreSQL, keeping pipelines."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from neurolake.catalog import Catalog


@pytest.fixture(params=["sqlite", "postgres"])
def catalog(request: pytest.FixtureRequest, tmp_path: Path) -> Catalog:
    url = f"sqlite:///{tmp_path / 'c.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    return Catalog(url, auto_upgrade=False)


def test_0002_adds_pipeline_runs_and_removes_it_again(catalog: Catalog) -> None:
    try:
        catalog.upgrade("0001")
        with catalog.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO pipelines (name, definition, status, created_at) "
                    "VALUES ('kept', '{}', 'active', CURRENT_TIMESTAMP)"
                )
            )
        assert "pipeline_runs" not in catalog.table_names()

        catalog.upgrade("0002")
        assert catalog.current_revision() == "0002" and "pipeline_runs" in catalog.table_names()
        with catalog.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO pipeline_runs (pipeline_id, status, trigger, started_at) "
                    "SELECT id, 'succeeded', 'manual', CURRENT_TIMESTAMP FROM pipelines"
                )
            )

        catalog.downgrade("0001")
        assert "pipeline_runs" not in catalog.table_names() and catalog.current_revision() == "0001"
        with catalog.engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM pipelines")).scalars().all() == ["kept"]
        catalog.upgrade()
        assert "pipeline_runs" in catalog.table_names()
    finally:
        catalog.dispose()
