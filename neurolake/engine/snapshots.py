"""Pinned Delta snapshots: which files (or which dataset) one query reads for one table.

A query pins one version per table reference before anything runs, so every part of the
query sees the same data however long it takes and whatever is committed meanwhile.
``DeltaTable`` objects are kept per table and brought forward incrementally; snapshots are
immutable and cached by (table, version).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
from deltalake import DeltaTable, QueryBuilder

if TYPE_CHECKING:
    from neurolake.storage import DeltaStorageManager

#: Reader features neither the file list nor an Arrow dataset honour (they would return
#: deleted rows or physical column names), so delta-rs's own engine reads such tables.
DELTA_ONLY_FEATURES = frozenset({"deletionVectors", "columnMapping"})

#: files: DuckDB reads the Parquet list; dataset: a lazy Arrow dataset from delta-rs; delta:
#: rows read by delta-rs's own engine (it applies deletion vectors and column mapping).
ScanKind = Literal["files", "dataset", "delta"]


@dataclass(frozen=True)
class VersionSpec:
    """A time-travel request: a version number or a timestamp, given or from a parameter."""

    kind: Literal["version", "timestamp"]
    value: int | str | None = None
    parameter: str | None = None

    def resolve(self, params: dict[str, Any]) -> int | str | datetime:
        """The concrete version or timestamp, reading a named parameter when needed."""
        if self.parameter is None:
            assert self.value is not None
            return self.value
        value = params[self.parameter]
        return value if isinstance(value, int | str | datetime) else str(value)


@dataclass(frozen=True)
class TableSnapshot:
    """One table at one version, as a backend needs it to scan the data."""

    name: str
    version: int
    uri: str
    schema: pa.Schema
    partition_columns: tuple[str, ...]
    file_uris: tuple[str, ...]
    scan: ScanKind
    #: Why the file list is not used (None for file scans); shown in plans.
    scan_reason: str | None = None
    source: Any = field(default=None, compare=False, repr=False)
    #: Rows in this version, from the Delta log's file statistics (None when unknown).
    row_count: int | None = None
    #: The Delta table's id: a table dropped and created again under its name gets a new one.
    table_id: str = ""

    def arrow_source(self) -> Any:
        """What a backend registers for a dataset or delta scan (Arrow data, scanned lazily
        for a dataset; read now, for this job, for a delta scan)."""
        if self.scan == "delta":
            reader = QueryBuilder().register("snapshot", self.source).execute("SELECT * FROM snapshot")
            return pa.RecordBatchReader.from_stream(reader).read_all()
        return self.source

    @property
    def key(self) -> str:
        """``name@vN``: names the relation so two versions of a table never clash."""
        return f"{self.name}@v{self.version}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(self.schema.names)


class SnapshotResolver:
    """Turns (table, version request) into a TableSnapshot, reusing loaded Delta logs."""

    def __init__(self, storage: DeltaStorageManager, *, max_snapshots: int = 512) -> None:
        self._storage = storage
        # Both spellings of the root: delta-rs may report files through a symlink or not.
        self._local_roots = () if storage.is_remote else root_spellings(storage.root)
        self._local_root = self._local_roots[0] if self._local_roots else None
        self._tables: dict[str, DeltaTable] = {}
        self._snapshots: OrderedDict[tuple[str, int], TableSnapshot] = OrderedDict()
        self._max = max_snapshots
        self._lock = threading.Lock()
        self._table_locks: dict[str, threading.Lock] = {}
        self._stamps: dict[str, tuple[int, int] | None] = {}

    def pin(self, name: str, spec: VersionSpec | None = None, params: dict[str, Any] | None = None) -> TableSnapshot:
        """The snapshot a query reads for ``name``: the latest version, or the requested one.

        Raises TableNotFoundError or VersionNotFoundError from the storage manager.
        """
        if spec is None:
            return self._pin_latest(name)
        target = spec.resolve(params or {})
        if spec.kind == "version":
            version = _version_number(target)
            cached = self._cached(name, version)
            if cached is not None:
                return cached
            return self._remember(self._build(name, self._storage.open_table(name, version=version)))
        table = self._storage.open_table(name, timestamp=target)  # type: ignore[arg-type]
        return self._cached(name, table.version()) or self._remember(self._build(name, table))

    def invalidate(self, name: str | None = None) -> None:
        """Forget loaded logs and snapshots (of one table, or all): the next pin reloads."""
        with self._lock:
            for key in [k for k in self._snapshots if name is None or k[0] == name]:
                del self._snapshots[key]
            if name is None:
                self._tables.clear()
            else:
                self._tables.pop(name, None)

    # ----------------------------------------------------------------------------- helpers

    def _pin_latest(self, name: str) -> TableSnapshot:
        with self._table_lock(name):
            table = self._tables.get(name)
            if table is not None and not self._bring_forward(name, table):
                self.invalidate(name)  # the table was dropped or recreated under us
                table = None
            if table is None:
                table = self._storage.open_table(name)
                self._tables[name] = table
                self._stamps[name] = self._stamp(table)
            version = table.version()
            return self._cached(name, version) or self._remember(self._build(name, table))

    def _bring_forward(self, name: str, table: DeltaTable) -> bool:
        """Load commits that landed after the loaded version; False if the log was replaced.

        On a local root this costs two stats: Delta names commits
        ``_delta_log/<version:020>.json``, so the loaded version's file must be the one seen
        at load time and the next version's must not exist yet.
        """
        if self._local_root is None:
            table.update_incremental()
            return True
        if self._stamp(table) != self._stamps.get(name):
            return False
        if os.path.exists(_commit_file(table, table.version() + 1)):
            table.update_incremental()
            self._stamps[name] = self._stamp(table)
        return True

    @staticmethod
    def _stamp(table: DeltaTable) -> tuple[int, int] | None:
        """Identity of the loaded version's commit file (None when it is gone or remote)."""
        try:
            info = os.stat(_commit_file(table, table.version()))
        except OSError:
            return None
        return info.st_ino, info.st_mtime_ns

    def _table_lock(self, name: str) -> threading.Lock:
        with self._lock:
            return self._table_locks.setdefault(name, threading.Lock())

    def _cached(self, name: str, version: int) -> TableSnapshot | None:
        with self._lock:
            snapshot = self._snapshots.get((name, version))
            if snapshot is not None:
                self._snapshots.move_to_end((name, version))
            return snapshot

    def _remember(self, snapshot: TableSnapshot) -> TableSnapshot:
        with self._lock:
            self._snapshots[(snapshot.name, snapshot.version)] = snapshot
            while len(self._snapshots) > self._max:
                self._snapshots.popitem(last=False)
        return snapshot

    def _build(self, name: str, table: DeltaTable) -> TableSnapshot:
        schema = pa.schema(table.schema().to_arrow())
        partitions = tuple(table.metadata().partition_columns)
        files = tuple(table.file_uris())
        scan, reason = self._scan_kind(table, files, partitions)
        source: Any = None
        if scan == "dataset":
            source = table.to_pyarrow_dataset() if files else schema.empty_table()
        elif scan == "delta":
            # Pinned on its own: the resolver's DeltaTable moves on to newer versions.
            options = self._storage.storage_options or None
            source = DeltaTable(table.table_uri, version=table.version(), storage_options=options)
        return TableSnapshot(
            name=name,
            version=table.version(),
            uri=table.table_uri,
            schema=schema,
            partition_columns=partitions,
            file_uris=files,
            scan=scan,
            scan_reason=reason,
            source=source,
            row_count=_row_count(table),
            table_id=str(table.metadata().id),
        )

    def _scan_kind(
        self, table: DeltaTable, files: tuple[str, ...], partitions: tuple[str, ...]
    ) -> tuple[ScanKind, str | None]:
        """How this snapshot is scanned, and why not through the file list (None if it is)."""
        features = set(table.protocol().reader_features or ())
        if features & DELTA_ONLY_FEATURES:
            return "delta", "uses " + ", ".join(sorted(features & DELTA_ONLY_FEATURES))
        if table.metadata().configuration.get("delta.columnMapping.mode", "none") != "none":
            return "delta", "uses column mapping"
        if self._local_root is None:
            return "dataset", "lives in an object store"
        if not files:
            return "dataset", "has no data files"
        prefixes = tuple(root.rstrip(os.sep) + os.sep for root in self._local_roots)
        if not all(f.startswith(prefixes) for f in files):
            return "dataset", "has files outside the lakehouse root"
        # Partition values come from hive-style folders; files placed elsewhere lack them.
        if partitions and not all(f"/{p}=" in f for f in files for p in partitions):
            return "dataset", "has partition values outside the file paths"
        return "files", None


def root_spellings(root: str) -> tuple[str, ...]:
    """``root`` as given and with symlinks resolved (the same path twice when none)."""
    given = os.path.abspath(root)
    return tuple(dict.fromkeys((given, os.path.realpath(given))))


def _row_count(table: DeltaTable) -> int | None:
    """Rows in the loaded version: the sum of its files' ``numRecords`` (None if one lacks it)."""
    actions = table.get_add_actions(flatten=False)
    if "num_records" not in actions.column_names:
        return None
    # arro3's own list conversion: the first pyarrow conversion of add actions costs ~1 s.
    counts = actions.column("num_records").to_pylist()
    return None if any(count is None for count in counts) else sum(counts)


def _version_number(value: object) -> int:
    """A version from a literal or a parameter value (VersionNotFoundError if it is not one)."""
    from neurolake.errors import VersionNotFoundError

    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise VersionNotFoundError(f"{value!r} is not a table version; versions are whole numbers from 0.")
    return int(value)


def _commit_file(table: DeltaTable, version: int) -> str:
    return os.path.join(table.table_uri.removeprefix("file://"), "_delta_log", f"{version:020d}.json")
