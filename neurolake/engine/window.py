"""Row windows: the row cap and pagination, pushed into the SQL the backend runs.

One row more than asked for is fetched, so ``truncated`` is known without counting. A
query's own literal LIMIT/OFFSET is folded into the window at prepare time, so the SQL
keeps its shape (and its column names) instead of being wrapped in a subquery.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from neurolake.errors import QueryValidationError

_WRAP_ALIAS = "__nl_window"


@dataclass(frozen=True)
class RowWindow:
    """Rows ``offset .. offset + limit`` of a query's result."""

    limit: int
    offset: int = 0
    page: int | None = None
    page_size: int | None = None

    @classmethod
    def of(cls, limit: int, page: int | None = None, page_size: int | None = None) -> RowWindow:
        """The window for a row cap and an optional page (1-based) of ``page_size`` rows.

        ``page_size`` defaults to, and is capped at, ``limit``.
        """
        for name, value in (("limit", limit), ("page", page), ("page_size", page_size)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise QueryValidationError(f"{name} must be a whole number of at least 1, not {value!r}.")
        if page is None and page_size is None:
            return cls(limit)
        page = page or 1
        size = min(page_size or limit, limit)
        return cls(size, (page - 1) * size, page, size)

    @property
    def fetch(self) -> int:
        """Rows to ask the backend for: one extra tells whether more exist."""
        return self.limit + 1

    def apply(self, sql: str, *, appendable: bool, query_limit: int | None = None, query_offset: int = 0) -> str:
        """``sql`` restricted to the window (folding in the query's own LIMIT/OFFSET)."""
        if not appendable:
            return f"SELECT * FROM ({sql}) AS {_WRAP_ALIAS} LIMIT {self.fetch} OFFSET {self.offset}"
        count = self.fetch if query_limit is None else max(0, min(self.fetch, query_limit - self.offset))
        offset = query_offset + self.offset
        return f"{sql}\nLIMIT {count}" + (f" OFFSET {offset}" if offset else "")

    def cut(self, table: pa.Table) -> tuple[pa.Table, bool]:
        """The rows within the window, and whether more rows exist after them."""
        if table.num_rows > self.limit:
            return table.slice(0, self.limit), True
        return table, False
