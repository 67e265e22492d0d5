"""Shared fixtures: settings pointing at a temporary home, the platform, service URLs.

PostgreSQL (127.0.0.1:5432, database ``test``) and Redis (127.0.0.1:6379) are real
services. Locally a missing one skips its tests; under ``CI=true`` it fails them.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurolake.config import Settings, load_settings
from neurolake.platform import NeuroLake

POSTGRES_URL = os.environ.get("NEUROLAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("NEUROLAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's NEUROLAKE_* variables or .env file."""
    for name in list(os.environ):
        if name.startswith("NEUROLAKE_") and not name.startswith("NEUROLAKE_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults under a fresh temporary home."""
    return load_settings(home=tmp_path / "home", environment="test")


#: Orders in the tests' demo lakehouse (the full demo has 120,000): its smallest useful size.
DEMO_ORDERS = 300


def demo_platform_at(home: Path, orders: int = DEMO_ORDERS) -> NeuroLake:
    """A platform on ``home`` holding the demo lakehouse (customers, products, orders, order_items)."""
    from neurolake.storage.demo import build_demo

    platform = NeuroLake.from_settings(load_settings(home=home, environment="test"))
    build_demo(platform.storage, orders=orders)
    return platform


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``NEUROLAKE_HOME`` for the CLI's process state, fresh before the test and closed after."""
    from neurolake.cli.context import state
    from neurolake.config import get_settings

    monkeypatch.setenv("NEUROLAKE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    state.close()
    yield tmp_path / "home"
    state.close()
    get_settings.cache_clear()


@pytest.fixture
def platform(settings: Settings) -> Iterator[NeuroLake]:
    nl = NeuroLake.from_settings(settings)
    yield nl
    nl.close()


def require_service(host: str, port: int, name: str) -> None:
    """Skip locally, fail under CI, when a service the test needs is not listening."""
    try:
        socket.create_connection((host, port), timeout=2).close()
    except OSError:
        message = f"{name} is not reachable at {host}:{port}"
        if IN_CI:
            pytest.fail(message + " (CI=true: services are required)")
        pytest.skip(message)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database, dropped afterwards."""
    require_service("127.0.0.1", 5432, "PostgreSQL")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"nl_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_url() -> str:
    require_service("127.0.0.1", 6379, "Redis")
    return REDIS_URL
