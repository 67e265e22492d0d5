"""/health and /ready: no key needed; readiness names the component that is down."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from neurolake.api import create_app
from neurolake.config import load_settings
from tests.api.conftest import Api


def test_health_and_ready_answer_without_a_key(api: Api) -> None:
    assert api.client.get("/health").json() == {"status": "ok", "version": "0.1.0"}
    ready = api.client.get("/ready")

    assert ready.status_code == 200
    components = ready.json()["components"]
    assert set(components) == {"catalog", "cache", "storage"}
    assert all(c["status"] == "ok" for c in components.values())


def test_ready_is_503_naming_an_unreachable_cache(tmp_path: Path) -> None:
    # Nothing listens on port 1: the Redis cache is down, the catalog and storage are fine.
    settings = load_settings(
        home=tmp_path / "home", environment="test", cache={"backend": "redis", "url": "redis://127.0.0.1:1/0"}
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/ready")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["components"]["cache"]["status"] == "error" and body["components"]["cache"]["detail"]
    assert body["components"]["catalog"]["status"] == "ok" and body["components"]["storage"]["status"] == "ok"
