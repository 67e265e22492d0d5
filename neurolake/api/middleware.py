"""Request logging: a request id on every response, one log line per request, no 500 trace leaks."""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from neurolake.api.errors import REQUEST_ID_HEADER, internal_error_response

log = logging.getLogger("neurolake.api")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestLoggingMiddleware:
    """Logs method, path, status and duration with a request id (the caller's ``X-Request-ID``
    when it is sane, else a new one), returned in the ``X-Request-ID`` header.

    An exception no handler took is logged with its full trace and answered with a generic
    500 that carries only the request id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.lower().encode(), b"").decode("latin-1")
        rid = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = {"code": 500, "sent": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                headers = MutableHeaders(scope=message)
                if REQUEST_ID_HEADER not in headers:
                    headers.append(REQUEST_ID_HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as e:
            log.error("request %s %s %s failed", rid, scope["method"], scope["path"], exc_info=e)
            if not status["sent"]:
                await internal_error_response(rid)(scope, receive, send_with_id)
            status["code"] = 500
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            log.info(
                "%s %s %s %s %.1fms",
                rid,
                scope["method"],
                scope["path"],
                status["code"],
                duration_ms,
                extra={
                    "request_id": rid,
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status["code"],
                    "duration_ms": round(duration_ms, 3),
                },
            )
