"""Keep the catalog in step with the Delta tables: one row per table, refreshed after writes.

The Delta commit always happens first, so the catalog can lag the table but never claim a
version the table does not have. A failed refresh is remembered and repaired on the next
read or refresh of that table.
"""

from __future__ import annotations

import logging
import threading

import pyarrow as pa
from deltalake import DeltaTable

from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo
from neurolake.errors import NeuroLakeError
from neurolake.storage.schema import sql_type
from neurolake.storage.stats import table_stats

log = logging.getLogger(__name__)


class CatalogRegistry:
    """Writes table rows (columns, version, partitioning, size) into the catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._lock = threading.Lock()
        self._stale: set[str] = set()

    def is_stale(self, name: str) -> bool:
        return name in self._stale

    def refresh(self, name: str, uri: str, table: DeltaTable) -> bool:
        """Record ``table`` (loaded at its latest version); False if the catalog failed."""
        # One refresh at a time, and never move a row back to an older version.
        with self._lock:
            try:
                self._upsert(name, uri, table)
            except NeuroLakeError as e:
                self._stale.add(name)
                log.warning("catalog refresh of %s failed (will retry on next use): %s", name, e)
                return False
            self._stale.discard(name)
            return True

    def _upsert(self, name: str, uri: str, table: DeltaTable) -> None:
        schema = pa.schema(table.schema().to_arrow())
        stats = table_stats(name, table)
        columns = [tables_repo.ColumnSpec(f.name, sql_type(f.type), f.nullable) for f in schema]
        with self.catalog.session() as session:
            existing = tables_repo.get_table(session, name)
            if existing is not None and existing.current_version > stats.version and existing.location == uri:
                return
            tables_repo.upsert_table(
                session,
                name,
                location=uri,
                version=stats.version,
                columns=columns,
                partition_by=list(table.metadata().partition_columns),
                row_count=stats.rows,
                size_bytes=stats.size_bytes,
            )

    def catalog_versions(self) -> dict[str, int]:
        """Version the catalog records for every table it knows."""
        with self.catalog.session() as session:
            return {t.name: t.current_version for t in tables_repo.list_tables(session)}

    def forget(self, name: str) -> None:
        """Remove a table's row (its folder is gone)."""
        with self.catalog.session() as session:
            tables_repo.delete_table(session, name)
