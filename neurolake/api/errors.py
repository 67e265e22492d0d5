"""The one place errors become HTTP responses (status, JSON body, no stack trace)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from neurolake.errors import NeuroLakeError, QueryValidationError

log = logging.getLogger("neurolake.api")

REQUEST_ID_HEADER = "X-Request-ID"
_KINDS = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    503: "ServiceUnavailable",
}


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def error_response(
    status: int, kind: str, message: str, *, rid: str | None, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"error": kind, "message": message, "request_id": rid, **{k: v for k, v in extra.items() if v is not None}}
    all_headers = {**(headers or {}), **({REQUEST_ID_HEADER: rid} if rid else {})}
    return JSONResponse(body, status_code=status, headers=all_headers)


def internal_error_response(rid: str | None) -> JSONResponse:
    """The generic 500: the request id finds the full trace in the log."""
    return error_response(
        500,
        "InternalError",
        "The server failed unexpectedly.",
        rid=rid,
        hint="The server log has the details under this request id.",
    )


async def _library_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, NeuroLakeError)
    rid = request_id(request)
    status = exc.status_code
    if status >= 500:
        # A service that is down (503) says all in its message; a trace would only bury it.
        log.error("request %s: %s: %s", rid, exc.__class__.__name__, exc, exc_info=exc if status != 503 else None)
    extra: dict[str, Any] = {"hint": exc.hint}
    if isinstance(exc, QueryValidationError):
        extra.update(line=exc.line, column=exc.column)
    return error_response(status, exc.__class__.__name__, exc.message, rid=rid, **extra)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return error_response(
        exc.status_code,
        _KINDS.get(exc.status_code, "HTTPError"),
        str(exc.detail),
        rid=request_id(request),
        headers=dict(exc.headers or {}),
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only location, message and type: the raw input or a ctx object may not be JSON at all.
    details = [
        {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", "")), "type": str(err.get("type", ""))}
        for err in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    where = ".".join(p for p in first["loc"] if p != "body") or "request"
    return error_response(422, "ValidationError", f"{where}: {first['msg']}", rid=request_id(request), details=details)


def install_error_handlers(app: FastAPI) -> None:
    """Map library errors (by their ``status_code``), HTTP errors and malformed requests."""
    app.add_exception_handler(NeuroLakeError, _library_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
