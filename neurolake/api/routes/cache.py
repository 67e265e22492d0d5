"""/api/v1/cache: figures, clear, warm, invalidate one table's results."""

from __future__ import annotations

from fastapi import APIRouter

from neurolake.api.deps import AdminUser, AnalystUser, AuditorDep, CacheDep, EngineDep, SessionDep
from neurolake.api.schemas.cache import CacheChangePublic, CacheInvalidate, CacheStatsPublic, CacheWarm, WarmPublic
from neurolake.cache import warm
from neurolake.cache.warming import SUCCESS, HistoryEntry
from neurolake.catalog.repositories.history import list_queries
from neurolake.engine.execution import status_of
from neurolake.errors import CacheUnavailableError

router = APIRouter(prefix="/cache", tags=["cache"])


@router.get("/stats", response_model=CacheStatsPublic)
def cache_stats(user: AnalystUser, cache: CacheDep) -> CacheStatsPublic:
    """Hits, misses, evictions, size. The memory backend's figures cover this server process only."""
    return CacheStatsPublic(**cache.stats().to_dict(), enabled=cache.enabled)


@router.post("/clear", response_model=CacheChangePublic)
def clear_cache(user: AdminUser, cache: CacheDep, audit: AuditorDep) -> CacheChangePublic:
    """Delete every cached result."""
    with audit.action("cache.clear") as details:
        details["removed"] = removed = cache.clear()
    return CacheChangePublic(removed=removed)


@router.post("/invalidate", response_model=CacheChangePublic)
def invalidate_table(body: CacheInvalidate, user: AdminUser, cache: CacheDep, audit: AuditorDep) -> CacheChangePublic:
    """Delete every cached result that read ``table``."""
    with audit.action("cache.invalidate", table=body.table) as details:
        details["removed"] = removed = cache.invalidate(body.table)
        if cache.health.down:
            raise CacheUnavailableError(f"Could not reach the {cache.backend.name} cache; nothing was invalidated.")
    return CacheChangePublic(removed=removed)


@router.post("/warm", response_model=WarmPublic)
def warm_cache(
    user: AdminUser, engine: EngineDep, session: SessionDep, audit: AuditorDep, body: CacheWarm | None = None
) -> WarmPublic:
    """Re-run the most frequent recent successful read-only queries so their answers are cached."""
    options = body or CacheWarm()
    engine.flush_history()
    # The engine records "succeeded"; warming ranks rows marked with its own SUCCESS.
    succeeded = list_queries(session, status=status_of(None), limit=options.recent)
    rows = [HistoryEntry(q.sql, SUCCESS) for q in succeeded]
    with audit.action("cache.warm", top=options.top) as details:
        report = warm(lambda sql: engine.execute_sql(sql, use_cache=True, user=user), rows, top=options.top)
        details.update(ran=len(report.ran), failed=len(report.failed))
    return WarmPublic(
        ran=report.ran,
        failed=[{"sql": sql, "error": error} for sql, error in report.failed],
        skipped=report.skipped,
    )
