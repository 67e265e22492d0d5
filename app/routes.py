"""HTTP routes the chat adds to Chainlit's server: persisted element contents for resumed threads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from chainlit.auth import get_current_user, require_login
from chainlit.user import User
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from app.persistence import ELEMENT_ROUTE, CatalogDataLayer

READY_ROUTE = "/neurolake/ready"
#: Types the browser may show in place; anything else is served as a download.
SAFE_INLINE = frozenset(
    {"application/json", "text/plain", "text/csv", "image/png", "image/jpeg", "image/gif", "application/pdf"}
)


def element_content_endpoint(data_layer: Callable[[], CatalogDataLayer]) -> Callable[..., object]:
    """The endpoint serving one stored element to the thread's author (to anyone when open)."""

    async def element_content(
        thread_id: str, element_id: str, user: User | None = Depends(get_current_user)
    ) -> Response:
        layer = data_layer()
        if require_login():
            author = await layer.get_thread_author(thread_id)
            if user is None or author != user.identifier:
                raise HTTPException(status_code=404, detail="Not found")
        found = await asyncio.to_thread(layer.element_content, thread_id, element_id)
        if found is None:
            raise HTTPException(status_code=404, detail="Not found")
        content, mime = found
        headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"}
        if mime not in SAFE_INLINE:
            # An uploaded HTML or SVG file must not run as a page of the chat's origin.
            mime = "application/octet-stream"
            headers["Content-Disposition"] = "attachment"
        return Response(content, media_type=mime, headers=headers)

    return element_content


def ready_endpoint(ready: threading.Event, models: Callable[[], str]) -> Callable[..., object]:
    """200 once the chat answers questions, 503 before; ``models`` says whether the embedding
    model and index are "loading" (answers link words only), "loaded" or "failed"."""

    async def is_ready() -> JSONResponse:
        body = {"ready": ready.is_set(), "models": models()}
        return JSONResponse(body, status_code=200 if ready.is_set() else 503)

    return is_ready


def add_routes(
    app: FastAPI, data_layer: Callable[[], CatalogDataLayer], ready: threading.Event, models: Callable[[], str]
) -> None:
    """Add the chat's routes ahead of Chainlit's catch-all page route (which would shadow them)."""
    routes = {
        ELEMENT_ROUTE + "/{thread_id}/{element_id}": element_content_endpoint(data_layer),
        READY_ROUTE: ready_endpoint(ready, models),
    }
    for path, endpoint in routes.items():
        if any(isinstance(r, APIRoute) and r.path == path for r in app.router.routes):
            continue
        app.add_api_route(path, endpoint, methods=["GET"], include_in_schema=False)
        app.router.routes.insert(0, app.router.routes.pop())
