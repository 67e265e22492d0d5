"""What the reliability cases share: a real server process, its memory, a catalog that can go down."""

from __future__ import annotations

import contextlib
import socket
import threading
from pathlib import Path

import pyarrow as pa
import pytest

from neurolake.catalog.repositories import users as users_repo
from neurolake.config import load_settings
from neurolake.platform import NeuroLake

MIB = 1024 * 1024


def rss_mib(pid: int) -> float:
    """Resident memory of process ``pid`` in MiB (from /proc: no psutil needed)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def home_with_users(home: Path, database_url: str | None = None) -> dict[str, str]:
    """A home with a ``numbers`` table and one user per role; their API keys by role."""
    env = {"database": {"url": database_url}} if database_url else {}
    platform = NeuroLake.from_settings(load_settings(home=home, environment="test", **env))
    try:
        with platform.catalog.session() as session:
            keys = {
                role: users_repo.create_user(session, role, role=role)[1] for role in ("viewer", "analyst", "admin")
            }
        platform.storage.write_table(pa.table({"n": pa.array([1, 2, 3], pa.int64())}), "numbers")
    finally:
        platform.close()
    return keys


class TcpGate:
    """A loopback port that forwards to ``target`` while open and refuses connections while closed:
    the catalog database going down and coming back at the same HOST:PORT."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self._listener: socket.socket | None = None
        self._links: list[socket.socket] = []

    def open(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port))
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def close(self) -> None:
        """Refuse new connections and cut the open ones, as a stopped server does."""
        if self._listener is not None:
            # shutdown first: it wakes the thread blocked in accept(), which close() alone does not.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        for link in self._links:
            link.close()
        self._links.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._links += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=_pipe, args=(a, b), daemon=True).start()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
