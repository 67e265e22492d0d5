"""Request ids, request logging, CORS from settings, the OpenAPI docs."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from neurolake.api import create_app
from neurolake.config import load_settings
from tests.api.conftest import Api


def test_every_response_carries_a_request_id_and_is_logged(api: Api, api_log: pytest.LogCaptureFixture) -> None:
    response = api.client.get("/api/v1/tables", headers=api.headers("viewer"))
    echoed = api.client.get("/health", headers={"X-Request-ID": "trace-me-42"})

    rid = response.headers["x-request-id"]
    [line] = [r for r in api_log.records if getattr(r, "request_id", None) == rid]
    assert (line.method, line.path, line.status) == ("GET", "/api/v1/tables", 200)  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]
    assert echoed.headers["x-request-id"] == "trace-me-42"
    bad = api.client.get("/health", headers={"X-Request-ID": "no spaces\tor tabs"})
    assert bad.headers["x-request-id"] != "no spaces\tor tabs"


def test_cors_allows_the_configured_origins_only(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home", environment="test", api={"cors_origins": ["https://ui.example"]})
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/api/v1/tables",
            headers={"Origin": "https://ui.example", "Access-Control-Request-Method": "GET"},
        )
        other = client.get("/health", headers={"Origin": "https://evil.example"})

    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://ui.example"
    assert "access-control-allow-origin" not in other.headers


def test_openapi_docs_are_served(api: Api) -> None:
    assert api.client.get("/docs").status_code == 200
    schema = api.client.get("/openapi.json").json()
    assert "/api/v1/queries" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
