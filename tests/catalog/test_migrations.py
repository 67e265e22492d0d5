"""Migrations run up and down on SQLite and on the running PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolake.catalog import Catalog

EXPECTED = {"tables", "columns", "query_history", "users", "audit_logs", "pipelines", "query_templates"}


@pytest.fixture(params=["sqlite", "postgres"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.db'}"
    return request.getfixturevalue("postgres_url")


def test_upgrade_then_downgrade(catalog_url: str) -> None:
    catalog = Catalog(catalog_url, auto_upgrade=False)
    try:
        assert not EXPECTED & catalog.table_names()
        catalog.upgrade()
        assert catalog.table_names() >= EXPECTED
        assert catalog.current_revision() is not None
        catalog.downgrade("base")
        assert not EXPECTED & catalog.table_names()
        assert catalog.current_revision() is None
        catalog.upgrade()  # and up again: downgrade left nothing behind that blocks it
        assert catalog.table_names() >= EXPECTED
    finally:
        catalog.dispose()


def test_embedded_catalog_upgrades_itself_on_first_use(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'sub' / 'catalog.db'}")
    with catalog.session():
        pass
    assert catalog.table_names() >= EXPECTED
    catalog.dispose()
