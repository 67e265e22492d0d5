"""What the engine calls on its optimizer and its result cache.

``neurolake.optimizer.QueryOptimizer`` and ``neurolake.cache.QueryCache`` implement these
protocols; the engine only promises when it calls them and with what. Both are optional:
an engine without a cache runs every query, and one whose optimizer is off (setting, or
``optimize=False`` per query) runs the SQL as written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlglot import exp

if TYPE_CHECKING:
    from neurolake.cache import CachedResult
    from neurolake.optimizer import OptimizationResult


@runtime_checkable
class OptimizerHook(Protocol):
    """Rewrites a read-only query tree; called after the query's table snapshots are pinned.

    ``schema`` (table -> column -> SQL type) and ``row_counts`` (table -> rows) describe the
    pinned versions, so a rewrite never expands ``*`` with columns a version does not have.
    The engine keeps each rewrite per normalized SQL and table shapes (identity, columns,
    size class), so a repeated query is not optimized again. ``enabled`` is the default for
    queries that do not choose.
    """

    enabled: bool

    def optimize(
        self,
        tree: exp.Expr,
        *,
        schema: Mapping[str, Mapping[str, str]] | None = None,
        row_counts: Mapping[str, int] | None = None,
        dialect: str = "duckdb",
        enabled: bool | None = None,
    ) -> OptimizationResult: ...


@runtime_checkable
class ResultCache(Protocol):
    """Stores results by a key the engine computes after pinning table snapshots.

    The key covers the normalized optimized SQL, the parameters, the row window (limit,
    page), the caller's role, every table version read and the backend, so a stored result
    is never stale. ``get_or_compute`` runs ``compute`` once for identical concurrent keys.
    """

    enabled: bool

    def get_or_compute(
        self, key: str, compute: Callable[[], CachedResult], tables: Iterable[str] | None = None
    ) -> tuple[CachedResult, bool]: ...

    def invalidate(self, table: str) -> int: ...
