"""Migrations run up and down on SQLite and on the running PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, select

from neurolake.catalog import Catalog, chat_tables
from neurolake.catalog.models import Base

CHAT = {t.name for t in chat_tables.CHAT_TABLES}
EXPECTED = {"tables", "columns", "query_history", "users", "audit_logs", "pipelines", "query_templates", *CHAT}


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


def test_the_migrations_build_exactly_what_the_models_declare(catalog_url: str) -> None:
    catalog = Catalog(catalog_url, auto_upgrade=False)
    try:
        catalog.upgrade()
        with catalog.engine.connect() as conn:
            drift = compare_metadata(MigrationContext.configure(conn), [Base.metadata, chat_tables.metadata])
        assert drift == []
    finally:
        catalog.dispose()


def test_chat_tables_made_on_first_use_by_an_older_release_are_kept(tmp_path: Path) -> None:
    """Before migration 0003 the chat created its tables itself; upgrading must keep their rows."""
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}", auto_upgrade=False)
    try:
        catalog.upgrade("0002")
        chat_tables.metadata.create_all(catalog.engine)  # what the chat did on first use
        row = {"id": "u1", "identifier": "ana", "created_at": "2026-01-01T00:00:00.000Z", "meta": {}}
        with catalog.engine.begin() as conn:
            conn.execute(insert(chat_tables.chat_users).values(**row))

        catalog.upgrade()

        with catalog.engine.connect() as conn:
            assert conn.execute(select(chat_tables.chat_users.c.identifier)).scalars().all() == ["ana"]
        catalog.downgrade("0002")
        assert not CHAT & catalog.table_names()
    finally:
        catalog.dispose()
