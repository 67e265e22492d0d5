"""One handler maps library errors to status codes; nothing leaks a stack trace."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from neurolake import errors
from neurolake.api import create_app
from neurolake.api.state import ApiLimits
from neurolake.config import load_settings
from tests.api.conftest import Api

LIBRARY_ERRORS = [
    (errors.QueryValidationError("bad", line=1, column=8), 400),
    (errors.AuthenticationError("who?"), 401),
    (errors.PermissionDeniedError("no"), 403),
    (errors.TableNotFoundError("gone"), 404),
    (errors.QueryTimeoutError("slow"), 504),
    (errors.CommitConflictError("race"), 409),
    (errors.RateLimitError("easy", hint="wait a minute"), 429),
    (errors.CacheUnavailableError("redis down"), 503),
]


@pytest.fixture(scope="module")
def raising_client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """A real app plus one route that raises whatever the test puts in ``raise_next``."""
    app: FastAPI = create_app(load_settings(home=tmp_path_factory.mktemp("boom"), environment="test"))
    router = APIRouter()
    app.state.raise_next = None

    @router.get("/boom")
    def boom() -> None:
        raise app.state.raise_next

    app.include_router(router)
    return TestClient(app)


@pytest.mark.parametrize(("error", "status"), LIBRARY_ERRORS, ids=[type(e).__name__ for e, _ in LIBRARY_ERRORS])
def test_library_errors_map_to_their_status(raising_client: TestClient, error: Exception, status: int) -> None:
    raising_client.app.state.raise_next = error  # type: ignore[attr-defined]
    response = raising_client.get("/boom")

    assert response.status_code == status
    body = response.json()
    assert body["error"] == type(error).__name__ and body["message"] == error.message  # type: ignore[attr-defined]
    assert body["request_id"] == response.headers["x-request-id"]
    assert "Traceback" not in response.text


def test_a_syntax_error_says_where(api: Api) -> None:
    response = api.client.post("/api/v1/queries", json={"sql": "SELECT FROM WHERE"}, headers=api.headers("analyst"))

    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "QueryValidationError" and body["line"] == 1


def test_an_unexpected_error_is_a_bare_500_with_the_trace_only_in_the_log(
    raising_client: TestClient, api_log: pytest.LogCaptureFixture
) -> None:
    raising_client.app.state.raise_next = KeyError("secret internals")  # type: ignore[attr-defined]
    response = raising_client.get("/boom")

    assert response.status_code == 500
    body = response.json()
    assert body["error"] == "InternalError" and "secret internals" not in response.text
    assert body["request_id"] == response.headers["x-request-id"]
    traced = [r for r in api_log.records if r.exc_info and body["request_id"] in r.getMessage()]
    assert traced and "secret internals" in str(traced[0].exc_info[1])  # type: ignore[index]


def test_malformed_requests_are_422_with_the_field(api: Api) -> None:
    response = api.client.post("/api/v1/queries", json={"sql": ""}, headers=api.headers("analyst"))

    assert response.status_code == 422
    assert response.json()["details"][0]["loc"] == ["body", "sql"]


def test_a_timeout_is_504(api: Api) -> None:
    response = api.client.post(
        "/api/v1/queries",
        json={"sql": "SELECT count(*) FROM range(100000000000) a", "timeout_s": 0.2},
        headers=api.headers("analyst"),
    )

    assert response.status_code == 504 and response.json()["error"] == "QueryTimeoutError"


def test_conflicts_are_409(api: Api) -> None:
    response = api.client.post("/api/v1/users", json={"username": "viewer"}, headers=api.headers("admin"))
    assert response.status_code == 409


def test_results_and_uploads_past_the_limits_are_413(api: Api) -> None:
    api.client.app.state.api.limits = ApiLimits(max_upload_bytes=64, max_result_bytes=16)  # type: ignore[attr-defined]
    try:
        result = api.client.post("/api/v1/queries", json={"sql": "SELECT * FROM orders"}, headers=api.headers("admin"))
        upload = api.client.post(
            "/api/v1/tables",
            files={"file": ("big.csv", b"a,b\n" + b"1,2\n" * 100)},
            data={"name": "big"},
            headers=api.headers("admin"),
        )
    finally:
        api.client.app.state.api.limits = ApiLimits()  # type: ignore[attr-defined]

    assert result.status_code == 413 and "page" in result.json()["message"]
    assert upload.status_code == 413
    assert not api.platform.storage.exists("big")
