"""Extension points the engine calls when they are set: an optimizer and a result cache.

Both are optional; ``None`` means off. The optimizer and cache issues implement these
protocols; the engine only promises when it calls them and with what.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlglot import exp

if TYPE_CHECKING:
    from neurolake.engine.result import QueryResult


@runtime_checkable
class OptimizerHook(Protocol):
    """Rewrites a read-only query tree; called once per distinct SQL text, before execution.

    The tree names lakehouse tables as the user wrote them. Return the new tree (or the
    same one) and one human-readable line per change made; an empty list means no change.
    """

    def optimize(self, tree: exp.Expr) -> tuple[exp.Expr, Sequence[str]]: ...


@runtime_checkable
class ResultCache(Protocol):
    """Stores results by a key the engine computes after pinning table snapshots.

    The key covers the normalized SQL, the parameters, the row window (limit, page), the
    caller's role and every table version read, so a stored result is never stale.
    """

    def get(self, key: str) -> QueryResult | None: ...

    def put(self, key: str, result: QueryResult) -> None: ...
