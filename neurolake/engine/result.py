"""Query results: Arrow underneath, converted to Python, pandas or JSON only when asked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from neurolake.engine.serialize import table_rows
from neurolake.storage.schema import sql_type

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class QueryMetrics:
    """What one query cost and what it read."""

    query_id: str
    backend: str
    rows: int
    bytes: int
    duration_ms: float
    #: Table name to the versions read (one unless the query time-travels).
    tables_read: Mapping[str, list[int]] = field(default_factory=dict)
    #: True when the rows came from the result cache (or from an identical query running
    #: at the same time) rather than from running this query.
    cache_hit: bool = False
    #: The optimizer rules that changed the query, in the order they ran.
    rules_applied: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "query_id": self.query_id,
            "backend": self.backend,
            "rows": self.rows,
            "bytes": self.bytes,
            "duration_ms": round(self.duration_ms, 3),
            "tables_read": {name: list(versions) for name, versions in self.tables_read.items()},
            "cache_hit": self.cache_hit,
            "rules_applied": list(self.rules_applied),
        }


@dataclass(frozen=True)
class QueryResult:
    """The rows of one query (an Arrow table) with its metrics.

    ``truncated`` is True when more rows exist than were returned: past the row limit, or
    after this page when paginating.
    """

    table: pa.Table
    sql: str
    metrics: QueryMetrics
    truncated: bool = False
    page: int | None = None
    page_size: int | None = None

    @property
    def columns(self) -> list[str]:
        return list(self.table.column_names)

    @property
    def column_types(self) -> list[str]:
        """SQL type names of the columns (``BIGINT``, ``DECIMAL(12,2)``, ...)."""
        return [sql_type(f.type) for f in self.table.schema]

    @cached_property
    def rows(self) -> list[tuple[Any, ...]]:
        """The rows as tuples of Python values (dates, Decimals, ints kept exact)."""
        columns = [self.table.column(i).to_pylist() for i in range(self.table.num_columns)]
        return list(zip(*columns, strict=True)) if columns else [() for _ in range(self.table.num_rows)]

    @property
    def row_count(self) -> int:
        return self.table.num_rows

    def __len__(self) -> int:
        return self.table.num_rows

    def to_arrow(self) -> pa.Table:
        return self.table

    def to_pandas(self) -> pd.DataFrame:
        return self.table.to_pandas()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: see ``neurolake.engine.serialize`` for how values are written."""
        return {
            "query_id": self.metrics.query_id,
            "sql": self.sql,
            "columns": self.columns,
            "column_types": self.column_types,
            "rows": table_rows(self.table),
            "row_count": self.row_count,
            "truncated": self.truncated,
            "page": self.page,
            "page_size": self.page_size,
            "metrics": self.metrics.to_dict(),
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """The result as one JSON object (``to_dict`` serialized)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, allow_nan=False)

    def with_metrics(self, **changes: Any) -> QueryResult:
        """A copy with some metrics replaced (a cached result served to a new query)."""
        return replace(self, metrics=replace(self.metrics, **changes))
