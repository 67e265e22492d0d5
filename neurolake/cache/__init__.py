"""The query result cache: version-aware keys, Arrow IPC values, in-process LRU or Redis.

Typical use by the engine, right after pinning table versions::

    key = CacheKey.build(normalized_sql, params, limit, page, role, versions)
    result, hit = cache.get_or_compute(key, lambda: CachedResult(run(), {"truncated": t}))
"""

from neurolake.cache.backend import CacheBackend
from neurolake.cache.engine_hook import EngineResultCache
from neurolake.cache.key import CacheKey, build_cache_key
from neurolake.cache.memory_backend import MemoryCacheBackend
from neurolake.cache.query_cache import QueryCache
from neurolake.cache.redis_backend import DEFAULT_PREFIX, RedisCacheBackend
from neurolake.cache.result import CachedResult, deserialize_result, serialize_result
from neurolake.cache.stats import CacheStats
from neurolake.cache.warming import HistoryEntry, WarmReport, is_read_only, rank_queries, warm

__all__ = [
    "DEFAULT_PREFIX",
    "CacheBackend",
    "CacheKey",
    "CacheStats",
    "CachedResult",
    "EngineResultCache",
    "HistoryEntry",
    "MemoryCacheBackend",
    "QueryCache",
    "RedisCacheBackend",
    "WarmReport",
    "build_cache_key",
    "deserialize_result",
    "is_read_only",
    "rank_queries",
    "serialize_result",
    "warm",
]
