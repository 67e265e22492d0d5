"""Storage fixtures: a catalog and a manager over a temporary folder, and a real S3 API server.

The S3 server is ``moto_server`` started on a free loopback port for the whole session; each
test gets its own bucket so tests do not see each other's tables.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from neurolake.catalog import Catalog
from neurolake.storage import DeltaStorageManager

S3_KEY_ID = "neurolake-test"
S3_SECRET = "neurolake-test-secret"
S3_REGION = "us-east-1"


@pytest.fixture(scope="session")
def migrated_catalog_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite catalog migrated once per session; tests get copies (migrating costs ~0.2 s)."""
    path = tmp_path_factory.mktemp("catalog") / "template.db"
    template = Catalog(f"sqlite:///{path}")
    with template.session():
        pass
    template.dispose()  # closing the last connection folds the WAL into the file
    return path


@pytest.fixture
def catalog(tmp_path: Path, migrated_catalog_file: Path) -> Iterator[Catalog]:
    """A fresh, migrated SQLite catalog of this test's own."""
    path = tmp_path / "catalog.db"
    shutil.copyfile(migrated_catalog_file, path)
    cat = Catalog(f"sqlite:///{path}", auto_upgrade=False)
    yield cat
    cat.dispose()


@pytest.fixture
def lake_root(tmp_path: Path) -> Path:
    return tmp_path / "lakehouse"


@pytest.fixture
def manager(lake_root: Path, catalog: Catalog) -> Iterator[DeltaStorageManager]:
    """A manager over a local lakehouse folder in tmp_path."""
    storage = DeltaStorageManager(str(lake_root), catalog)
    yield storage
    storage.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _moto_server_command(port: int) -> list[str]:
    moto_server = Path(sys.executable).with_name("moto_server")
    if moto_server.exists():
        return [str(moto_server), "-H", "127.0.0.1", "-p", str(port)]
    return [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a moto S3 API server on 127.0.0.1, running for the whole session."""
    port = _free_port()
    log_file = (tmp_path_factory.mktemp("moto") / "moto.log").open("w")
    process = subprocess.Popen(_moto_server_command(port), stdout=log_file, stderr=subprocess.STDOUT)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"moto_server did not start on port {port}; see {log_file.name}")
            time.sleep(0.1)
    try:
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    """A new, empty bucket on the test S3 server."""
    import boto3

    name = f"neurolake-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=S3_KEY_ID,
        aws_secret_access_key=S3_SECRET,
        region_name=S3_REGION,
    )
    client.create_bucket(Bucket=name)
    return name


@pytest.fixture
def s3_options(s3_endpoint: str) -> dict[str, str]:
    from neurolake.storage.location import s3_storage_options

    return s3_storage_options(
        region=S3_REGION,
        endpoint=s3_endpoint,
        access_key_id=S3_KEY_ID,
        secret_access_key=S3_SECRET,
        allow_http=True,
    )
