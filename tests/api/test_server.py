"""`neurolake serve` on a real uvicorn, on a free loopback port, spoken to over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pytest

from neurolake.catalog.repositories import users as users_repo
from neurolake.config import load_settings
from neurolake.platform import NeuroLake
from tests.api.conftest import serving


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(base URL, admin key) of a server started the way an operator starts one."""
    home = tmp_path / "home"
    platform = NeuroLake.from_settings(load_settings(home=home, environment="test"))
    with platform.catalog.session() as session:
        key = users_repo.create_user(session, "admin", role="admin")[1]
    platform.storage.write_table(pa.table({"n": [1, 2, 3]}), "numbers")
    platform.close()
    with serving(home) as base:
        yield base, key


def test_a_real_server_answers_queries_over_http(server: tuple[str, str]) -> None:
    base, key = server
    with httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/ready").json()["status"] == "ready"
        assert client.get("/api/v1/tables").status_code == 401
        response = client.post(
            "/api/v1/queries",
            json={"sql": "SELECT sum(n) AS total FROM numbers"},
            headers={"Authorization": f"Bearer {key}"},
        )

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == [["6"]] or response.json()["rows"] == [[6]]
    assert len(response.headers["x-request-id"]) == 32
