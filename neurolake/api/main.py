"""The FastAPI application: routers, middleware, error handlers, and the scheduler's lifecycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from neurolake import __version__
from neurolake.api.body_limits import BodyLimitMiddleware
from neurolake.api.errors import REQUEST_ID_HEADER, install_error_handlers
from neurolake.api.middleware import RequestLoggingMiddleware
from neurolake.api.routes import ask, audit, cache, health, metrics, pipelines, queries, tables, users
from neurolake.api.schemas.common import ERROR_RESPONSES
from neurolake.api.state import ApiLimits, ApiState
from neurolake.config import Settings, get_settings
from neurolake.pipelines.polling import POLL_INTERVAL_S

API_PREFIX = "/api/v1"
DESCRIPTION = """Talk to your lakehouse over HTTP.

Authenticate with an API key: `Authorization: Bearer <key>` or `X-API-Key: <key>`.
Roles: **viewer** (list and describe tables, own history), **analyst** (also query and ask),
**admin** (also writes, uploads, maintenance, users, cache management, pipelines, audit).
"""


def create_app(
    settings: Settings | None = None,
    *,
    limits: ApiLimits | None = None,
    scheduler: bool = False,
    scheduler_interval_s: float = POLL_INTERVAL_S,
    warm_models: bool = False,
) -> FastAPI:
    """The API for ``settings`` (default: the process settings).

    ``scheduler`` runs due pipelines on a thread for the app's lifetime, and ``warm_models``
    builds the conversation service at start and loads the embedding model behind it, answers
    never waiting for the model (``neurolake serve`` turns both on). Routes read settings
    through ``deps.get_settings``, which tests override.
    """
    settings = settings or get_settings()
    state = ApiState(settings, limits or ApiLimits.from_settings(settings), warm_models=warm_models)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        state.start_warm_up()
        if scheduler:
            state.start_scheduler(scheduler_interval_s)
        try:
            yield
        finally:
            state.close()

    app = FastAPI(title="NeuroLake", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.api = state
    install_error_handlers(app)
    # Inside the logging middleware, so requests refused unread are logged with their request id.
    app.add_middleware(BodyLimitMiddleware, uploads={("POST", f"{API_PREFIX}/tables"): "admin"})
    app.add_middleware(RequestLoggingMiddleware)
    if state.settings.api.cors_origins:
        # Added last, so outermost: even the generic 500 carries CORS headers.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=state.settings.api.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[REQUEST_ID_HEADER],
        )
    app.include_router(health.router)
    app.include_router(metrics.router)
    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for module in (queries, ask, tables, users, cache, pipelines, audit):
        api.include_router(module.router)
    api.include_router(metrics.api)
    app.include_router(api)
    return app
