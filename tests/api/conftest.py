"""The API under test: a real app on the tmp-home settings (handed in through the settings
dependency), three users (one per role), and a small ``orders`` table."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pyarrow as pa
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from neurolake.api import create_app
from neurolake.api.deps import get_settings
from neurolake.catalog.repositories import audit as audit_repo
from neurolake.catalog.repositories import users as users_repo
from neurolake.config import Settings, load_settings
from neurolake.platform import NeuroLake

ROLES = ("viewer", "analyst", "admin")
ORDERS = pa.table(
    {
        "id": pa.array([1, 2, 3, 4], pa.int64()),
        "region": ["EU", "US", "EU", "APAC"],
        "amount": pa.array([10, 20, 30, 40], pa.int64()),
    }
)


@dataclass
class Api:
    """A test client plus what the tests need around it."""

    client: TestClient
    platform: NeuroLake
    keys: dict[str, str]

    def headers(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def user_id(self, role: str) -> int:
        with self.platform.catalog.session() as session:
            user = users_repo.get_user(session, role)
            assert user is not None
            return user.id

    def audit(self, action: str | None = None, role: str | None = None) -> list[dict]:
        """Audit entries (newest first) as plain dicts."""
        with self.platform.catalog.session() as session:
            rows = audit_repo.list_audit(
                session, action=action, user_id=self.user_id(role) if role else None, limit=1000
            )
            return [{"action": r.action, "user_id": r.user_id, **r.details} for r in rows]


def use_light_conversations(platform: NeuroLake) -> None:
    """The real conversation service without the embedding model and memory (seconds, not half
    a minute, to start); the routes reach it as ``platform.conversations`` as usual."""
    from agents import ConversationService

    platform.conversations = ConversationService(platform, memory=False, semantic=False)  # type: ignore[misc]


@pytest.fixture
def conversations(api: Api) -> None:
    use_light_conversations(api.platform)


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    """One app for every test (building one takes most of a second); each test hands it its
    own settings through the ``get_settings`` dependency, which is what routes use."""
    return create_app(load_settings(home=tmp_path_factory.mktemp("unused") / "home", environment="test"))


@pytest.fixture
def app(shared_app: FastAPI, settings: Settings) -> Iterator[FastAPI]:
    shared_app.dependency_overrides[get_settings] = lambda: settings
    yield shared_app
    shared_app.dependency_overrides.clear()


@pytest.fixture
def api(app: FastAPI, settings: Settings) -> Iterator[Api]:
    with TestClient(app) as client:
        platform = app.state.api.platform(settings)
        keys = {}
        with platform.catalog.session() as session:
            for role in ROLES:
                keys[role] = users_repo.create_user(session, role, role=role)[1]
        platform.storage.write_table(ORDERS, "orders")
        yield Api(client, platform, keys)


@pytest.fixture
def api_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Records of the ``neurolake.api`` logger, even after a CLI test stopped it propagating."""
    import logging

    logger = logging.getLogger("neurolake.api")
    level, propagate = logger.level, logger.propagate
    logger.addHandler(caplog.handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # else root's capture handler sees each record a second time
    try:
        yield caplog
    finally:
        logger.removeHandler(caplog.handler)
        logger.setLevel(level)
        logger.propagate = propagate


NEUROLAKE = Path(sys.executable).with_name("neurolake")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(home: Path) -> Iterator[str]:
    """``neurolake serve`` on ``home`` and a free loopback port, as an operator starts it; its base URL."""
    with server_process(home) as served:
        yield served.base


@dataclass
class Served:
    """A running ``neurolake serve``: its base URL, its process, and what it logged so far."""

    base: str
    process: subprocess.Popen
    _log: IO[bytes]

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")


def wait_for_models(base: str, timeout_s: float = 300) -> None:
    """Until the served embedding model, which loads behind a started server, is done loading
    (for tests that measure the server's memory: the model's is not theirs)."""
    deadline = time.monotonic() + timeout_s
    while httpx.get(f"{base}/ready", timeout=30).json().get("models") == "loading":
        assert time.monotonic() < deadline, "the embedding model did not finish loading"
        time.sleep(0.5)


@contextmanager
def server_process(home: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()) -> Iterator[Served]:
    """``neurolake serve --no-scheduler`` (then ``args``) on ``home`` plus ``env``, once it answers /health."""
    port = free_port()
    env = {
        **os.environ,
        "NEUROLAKE_HOME": str(home),
        "NEUROLAKE_API__PORT": str(port),
        "NEUROLAKE_API__HOST": "127.0.0.1",
        **(env or {}),
    }
    # A file, not a pipe: nobody reads the log while the server runs, and a full pipe would block it.
    with tempfile.TemporaryFile() as log:
        command = [str(NEUROLAKE), "serve", "--no-scheduler", *args]
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        served = Served(f"http://127.0.0.1:{port}", process, log)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{served.base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"server did not start:\n{served.log()}")
                time.sleep(0.2)
            yield served
        finally:
            process.terminate()
            process.wait(30)
