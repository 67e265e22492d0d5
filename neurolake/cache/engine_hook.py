"""The engine's ``ResultCache`` hook, served by a QueryCache.

``neurolake.engine.hooks.ResultCache`` stores ``QueryResult`` objects by a key string; this
adapter turns them into ``CachedResult`` (the Arrow table plus JSON metadata) and back, and
files each entry under the tables its metrics say it read, so ``invalidate(table)`` works.
The engine is imported only when a result is rebuilt, so importing the cache never pulls
in the engine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from neurolake.cache.query_cache import QueryCache
from neurolake.cache.result import CachedResult

if TYPE_CHECKING:
    from neurolake.engine.result import QueryResult


class EngineResultCache:
    """``get``/``put`` of engine results, plus ``get_or_compute`` for stampede protection."""

    def __init__(self, cache: QueryCache) -> None:
        self.cache = cache

    def get(self, key: str) -> QueryResult | None:
        """The stored result (metrics as when it was computed), or None."""
        cached = self.cache.get(key)
        return to_query_result(cached) if cached is not None else None

    def put(self, key: str, result: QueryResult) -> None:
        """Store ``result`` if it is admitted and fits the size cap."""
        self.cache.put(key, from_query_result(result), tables=result.metrics.tables_read.keys())

    def get_or_compute(self, key: str, compute: Callable[[], QueryResult]) -> tuple[QueryResult, bool]:
        """The stored result, or ``compute()``'s, computed once for concurrent identical keys."""
        computed: list[QueryResult] = []

        def run() -> CachedResult:
            computed.append(compute())
            return from_query_result(computed[0])

        def tables() -> list[str]:
            return list(computed[0].metrics.tables_read) if computed else []

        cached, hit = self.cache.get_or_compute(key, run, tables=_LazyTables(tables))
        # The computing caller keeps its own object; waiters and hits get a rebuilt one.
        return (computed[0], False) if computed and not hit else (to_query_result(cached), hit)


class _LazyTables:
    """Table names known only once ``compute`` has run (they come from its metrics)."""

    def __init__(self, names: Callable[[], list[str]]) -> None:
        self._names = names

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def from_query_result(result: QueryResult) -> CachedResult:
    """The table plus what is needed to rebuild the ``QueryResult`` around it."""
    metrics = result.metrics
    metadata = {
        "sql": result.sql,
        "truncated": result.truncated,
        "page": result.page,
        "page_size": result.page_size,
        "metrics": {
            "query_id": metrics.query_id,
            "backend": metrics.backend,
            "rows": metrics.rows,
            "bytes": metrics.bytes,
            "duration_ms": metrics.duration_ms,
            "tables_read": {name: list(versions) for name, versions in metrics.tables_read.items()},
        },
    }
    return CachedResult(result.table, metadata)


def to_query_result(cached: CachedResult) -> QueryResult:
    """The ``QueryResult`` that :func:`from_query_result` stored."""
    from neurolake.engine.result import QueryMetrics, QueryResult

    meta = cached.metadata
    return QueryResult(
        table=cached.table,
        sql=meta["sql"],
        metrics=QueryMetrics(**meta["metrics"]),
        truncated=meta["truncated"],
        page=meta["page"],
        page_size=meta["page_size"],
    )
