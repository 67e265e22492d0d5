"""The query engine: safe, observable SQL over pinned Delta snapshots.

``NeuroLakeEngine`` is the entry point; backends implement ``neurolake.engine.base.Backend``
(``neurolake.engine.duckdb.DuckDBBackend`` is the embedded one).
"""

from neurolake.engine.base import Backend, BackendCapabilities
from neurolake.engine.engine import NeuroLakeEngine
from neurolake.engine.execution import QueryExecution
from neurolake.engine.hooks import OptimizerHook, ResultCache
from neurolake.engine.plan import QueryPlan
from neurolake.engine.result import QueryMetrics, QueryResult

__all__ = [
    "Backend",
    "BackendCapabilities",
    "NeuroLakeEngine",
    "OptimizerHook",
    "QueryExecution",
    "QueryMetrics",
    "QueryPlan",
    "QueryResult",
    "ResultCache",
]
