"""Lakehouse storage: Delta tables through delta-rs, on a local folder or S3."""

from neurolake.storage.manager import DeltaStorageManager
from neurolake.storage.stats import ColumnStats, TableStats

__all__ = ["ColumnStats", "DeltaStorageManager", "TableStats"]
