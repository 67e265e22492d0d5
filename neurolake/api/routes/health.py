"""Liveness and readiness (no API key: orchestrators call them)."""

from __future__ import annotations

import time
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from neurolake import __version__
from neurolake.api.deps import ApiStateDep, PlatformDep, SettingsDep
from neurolake.api.schemas.common import ComponentStatus, HealthPublic, ReadyPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic)
def health() -> HealthPublic:
    """The process is up (it does not look at the services it uses)."""
    return HealthPublic(version=__version__)


@router.get("/ready", response_model=ReadyPublic, responses={503: {"model": ReadyPublic}})
def ready(platform: PlatformDep, state: ApiStateDep, settings: SettingsDep) -> JSONResponse:
    """Catalog, cache and storage each answer; 503 with the failing component's reason otherwise."""

    def catalog() -> None:
        platform.catalog.check()

    def cache() -> None:
        figures = state.cache(settings).stats()
        if not figures.available:
            raise RuntimeError(f"the {figures.backend} cache is unreachable")

    def storage() -> None:
        platform.storage.list_tables()

    components = {name: _probe(check) for name, check in (("catalog", catalog), ("cache", cache), ("storage", storage))}
    ok = all(c.status == "ok" for c in components.values())
    body = ReadyPublic(
        status="ready" if ok else "not ready", components=components, models=state.models_status(settings)
    )
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if ok else 503)


def _probe(check: Callable[[], None]) -> ComponentStatus:
    started = time.perf_counter()
    try:
        check()
    except Exception as e:
        # One line: enough to act on, no trace (and no credentials: messages name hosts, not URLs).
        detail = str(e).splitlines()[0][:300] if str(e) else e.__class__.__name__
        return ComponentStatus(status="error", duration_ms=_ms(started), detail=detail)
    return ComponentStatus(status="ok", duration_ms=_ms(started))


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
