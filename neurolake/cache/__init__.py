"""The query result cache: version-aware keys, Arrow IPC values, in-process LRU or Redis.

Typical use by the engine, right after pinning table versions::

    key = CacheKey.build(normalized_sql, params, limit, page, role, versions)
    result, hit = cache.get_or_compute(key, lambda: CachedResult(run(), {"truncated": t}))

Names are imported when first read (``neurolake.lazy``): the Redis client only with Redis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurolake.lazy import lazy_exports

if TYPE_CHECKING:  # mypy's view of the names __getattr__ gives
    from neurolake.cache.backend import DEFAULT_PREFIX, CacheBackend  # noqa: F401
    from neurolake.cache.engine_hook import EngineResultCache  # noqa: F401
    from neurolake.cache.key import CacheKey, build_cache_key  # noqa: F401
    from neurolake.cache.memory_backend import MemoryCacheBackend  # noqa: F401
    from neurolake.cache.query_cache import QueryCache  # noqa: F401
    from neurolake.cache.redis_backend import RedisCacheBackend  # noqa: F401
    from neurolake.cache.result import CachedResult, deserialize_result, serialize_result  # noqa: F401
    from neurolake.cache.stats import CacheStats  # noqa: F401
    from neurolake.cache.warming import HistoryEntry, WarmReport, is_read_only, rank_queries, warm  # noqa: F401

_HOMES = {
    "DEFAULT_PREFIX": "backend",
    "CacheBackend": "backend",
    "CacheKey": "key",
    "CacheStats": "stats",
    "CachedResult": "result",
    "EngineResultCache": "engine_hook",
    "HistoryEntry": "warming",
    "MemoryCacheBackend": "memory_backend",
    "QueryCache": "query_cache",
    "RedisCacheBackend": "redis_backend",
    "WarmReport": "warming",
    "build_cache_key": "key",
    "deserialize_result": "result",
    "is_read_only": "warming",
    "rank_queries": "warming",
    "serialize_result": "result",
    "warm": "warming",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
