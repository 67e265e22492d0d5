"""Limits before trust: a request body is capped by route, and an upload's sender is checked,
before one byte of the body is read.

FastAPI reads (and parses) a body before it resolves the dependencies that check the API key,
so without this an anonymous client could make the server hold any number of large bodies.
This ASGI middleware sits in front of the routes: a declared ``Content-Length`` over the route's
limit is answered 413 at once, a streamed (chunked) body is counted as it arrives and cut off
at the limit, and upload routes (large limit) answer 401/403 before reading the body.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurolake.api.deps import CHALLENGE, INVALID_KEY, MISSING_KEY, get_settings, role_refusal
from neurolake.api.errors import error_response
from neurolake.errors import NeuroLakeError


class BodyTooLargeError(HTTPException):
    """A body past its route's limit (an HTTPException, so FastAPI's body reading passes it on)."""

    def __init__(self, limit: int, setting: str) -> None:
        super().__init__(
            413,
            f"The request body is larger than this route's {limit:,}-byte limit (NEUROLAKE_API__{setting}).",
            # Close the connection: the rest of the body must be neither read nor taken for a request.
            headers={"Connection": "close"},
        )


class BodyLimitMiddleware:
    """Caps bodies by route; ``uploads`` maps (method, path) of upload routes to the role they need.

    Limits are read per request from the app's ``ApiState.limits``; every other route gets
    ``max_body_bytes``.
    """

    def __init__(self, app: ASGIApp, uploads: dict[tuple[str, str], str]) -> None:
        self.app = app
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope["app"].state.api
        role = self.uploads.get((scope["method"], scope["path"].rstrip("/") or "/"))
        if role is None:
            limit, setting = state.limits.max_body_bytes, "MAX_BODY_BYTES"
        else:
            limit, setting = state.limits.max_upload_bytes, "MAX_UPLOAD_BYTES"
        headers = dict(scope.get("headers") or [])
        rid = scope.get("state", {}).get("request_id")
        declared = _content_length(headers)
        if declared is not None and declared > limit:
            await _answer(_too_large(BodyTooLargeError(limit, setting), rid), scope, receive, send)
            return
        if role is not None:
            refusal = await run_in_threadpool(_refuse_sender, scope, headers, role, rid)
            if refusal is not None:
                await _answer(refusal, scope, receive, send)
                return
        started = False
        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit, setting)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except BodyTooLargeError as e:
            # Raised where no exception handler took it (a route reading the stream itself).
            if started:
                raise
            await _answer(_too_large(e, rid), scope, receive, send)


def _content_length(headers: dict[bytes, bytes]) -> int | None:
    try:
        return int(headers[b"content-length"])
    except (KeyError, ValueError):
        return None


def _too_large(error: BodyTooLargeError, rid: str | None) -> JSONResponse:
    return error_response(413, "PayloadTooLarge", str(error.detail), rid=rid, headers=dict(error.headers or {}))


async def _answer(response: JSONResponse, scope: Scope, receive: Receive, send: Send) -> None:
    # Close the connection: the unread body must not be taken for the next request.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def _refuse_sender(scope: Scope, headers: dict[bytes, bytes], role: str, rid: str | None) -> JSONResponse | None:
    """401/403/503 for a sender who may not use an upload route; None lets the request in."""
    app = scope["app"]
    state = app.state.api
    key = _api_key(headers)
    if not key:
        return error_response(401, "Unauthorized", MISSING_KEY, rid=rid, headers=CHALLENGE)
    # Tests hand the app other settings through the settings dependency; honour them here too.
    override = app.dependency_overrides.get(get_settings)
    platform = state.platform(override() if override is not None else state.settings)
    try:
        with platform.catalog.session() as session:
            user = state.authenticator.authenticate(session, key)
            user_role = user.role if user is not None else None
    except NeuroLakeError as e:
        return error_response(e.status_code, e.__class__.__name__, e.message, rid=rid, hint=e.hint)
    if user_role is None:
        return error_response(401, "Unauthorized", INVALID_KEY, rid=rid, headers=CHALLENGE)
    refusal = role_refusal(role, user_role)
    return error_response(403, "Forbidden", refusal, rid=rid) if refusal is not None else None


def _api_key(headers: dict[bytes, bytes]) -> str | None:
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return headers.get(b"x-api-key", b"").decode("latin-1").strip() or None
