"""Query-history rows kept on local disk while the catalog database is unreachable.

A query answered during a catalog outage still gets its history row: the row is appended to
a JSON-lines file under ``NEUROLAKE_HOME/state`` and written to the catalog by the next flush
that finds the catalog back (in this process or another: the file is locked while in use).
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import IO, Any

#: The spool's file under ``NEUROLAKE_HOME``.
SPOOL_FILE = Path("state") / "query_history.spool.jsonl"


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    raise TypeError(f"{value.__class__.__name__} is not a history value")


def _decode(obj: dict[str, Any]) -> object:
    return datetime.fromisoformat(obj["$datetime"]) if obj.keys() == {"$datetime"} else obj


class SpooledRows:
    """The spool's rows while its lock is held: read them, add to them, or clear them."""

    def __init__(self, handle: IO[str], path: Path) -> None:
        self._handle = handle
        self.path = path

    def rows(self) -> list[dict[str, Any]]:
        self._handle.seek(0)
        return [json.loads(line, object_hook=_decode) for line in self._handle if line.strip()]

    def append(self, rows: list[dict[str, Any]]) -> None:
        self._handle.seek(0, 2)
        self._handle.writelines(json.dumps(row, default=_encode) + "\n" for row in rows)
        self._handle.flush()

    def clear(self) -> None:
        # Truncated, not deleted: another process may be waiting on this file's lock.
        self._handle.truncate(0)
        self._handle.flush()


class HistorySpool:
    """The spool file of one NeuroLake home."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def at(cls, home: Path) -> HistorySpool:
        return cls(Path(home) / SPOOL_FILE)

    def is_empty(self) -> bool:
        try:
            return self.path.stat().st_size == 0
        except OSError:  # missing, or its folder is not one: nothing waits in it
            return True

    @contextmanager
    def locked(self) -> Iterator[SpooledRows]:
        """The spool held exclusively (across processes) for the block."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield SpooledRows(handle, self.path)
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
