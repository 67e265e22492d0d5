"""DeltaStorageManager: every Delta table of the lakehouse, read and written through delta-rs.

Tables live in ``<root>/<name>`` (a local folder or an s3:// prefix). Every write commits to
Delta first and then refreshes the table's catalog row; lost commit races are retried with
backoff; data that does not fit a table is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake import exceptions as delta_errors
from deltalake.fs import DeltaStorageHandler
from pyarrow.fs import FileSelector, FileType, PyFileSystem

from neurolake.catalog import Catalog
from neurolake.errors import (
    CommitConflictError,
    NeuroLakeError,
    SchemaMismatchError,
    StorageError,
    StorageInputError,
    TableNotFoundError,
    VersionNotFoundError,
)
from neurolake.storage import location
from neurolake.storage.commits import (
    COMMIT_ID_KEY,
    SingleWriterGuard,
    commit_metadata,
    concurrent_writer_error,
    looks_like_commit_conflict,
    run_with_retries,
)
from neurolake.storage.data import GuardedReader, as_arrow, conform, materialize, refuse_duplicate_keys
from neurolake.storage.failures import access_error
from neurolake.storage.names import did_you_mean, name_problem, validate_table_name
from neurolake.storage.orphans import partial_files, remove_files, unreferenced_files
from neurolake.storage.registry import CatalogRegistry
from neurolake.storage.schema import cast_table, conform_schema, delta_compatible, require_columns, to_arrow_schema
from neurolake.storage.sql import literal, quote_identifier
from neurolake.storage.stats import TableStats, table_stats
from neurolake.storage.versions import (
    check_files_present,
    check_version_range,
    commit_time,
    version_at,
)

if TYPE_CHECKING:
    import pandas as pd

    from neurolake.config import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
WriteMode = Literal["append", "overwrite"]
SchemaMode = Literal["merge", "overwrite"]


@dataclass
class Survey:
    """What a walk over the lakehouse root found."""

    tables: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)
    #: Folders that look like tables but cannot be used, with the reason.
    skipped: dict[str, str] = field(default_factory=dict)


class DeltaStorageManager:
    """Create, write, read, time-travel and maintain the lakehouse's Delta tables."""

    def __init__(
        self,
        root: str,
        catalog: Catalog,
        *,
        storage_options: dict[str, str] | None = None,
        commit_retries: int = 5,
        s3_commit_mode: str = "single_writer",
    ) -> None:
        self.root = location.normalize_root(root)
        self.catalog = catalog
        self.commit_retries = commit_retries
        self.is_remote = location.is_object_store(self.root)
        self._options = dict(storage_options or {})
        self.s3_commit_mode = s3_commit_mode if self.is_remote else "local"
        if self.is_remote:
            self._options.update(location.commit_mode_options(s3_commit_mode))
        else:
            try:
                os.makedirs(self.root, exist_ok=True)
            except OSError as e:
                raise access_error(e, path=self.root, root=self.root) or StorageError(
                    f"Cannot create the lakehouse root {self.root}: {e.strerror or e}."
                ) from e
        self._single_writer = self.s3_commit_mode == "single_writer"
        self._guard = SingleWriterGuard()
        self._registry = CatalogRegistry(catalog)

    @classmethod
    def from_settings(cls, settings: Settings, *, catalog: Catalog) -> DeltaStorageManager:
        """A manager for ``settings.lakehouse_root`` with the S3 options of ``settings.storage``."""
        return cls(
            settings.lakehouse_root,
            catalog,
            storage_options=location.options_from_settings(settings),
            commit_retries=settings.storage.commit_retries,
            s3_commit_mode=settings.storage.s3_commit_mode,
        )

    # ----------------------------------------------------------------- locations and lookup

    @property
    def storage_options(self) -> dict[str, str]:
        """Options delta-rs needs to reach the root (credentials, endpoint, commit mode)."""
        return dict(self._options)

    def table_uri(self, name: str) -> str:
        """Where table ``name`` lives (a folder path or an s3:// URI)."""
        return location.join(self.root, validate_table_name(name))

    def list_tables(self) -> list[str]:
        """Names of the Delta tables under the root, sorted (folders no table may be named are left out)."""
        names = []
        for entry in self._root_entries():
            if name_problem(entry) is None and self._is_delta_table(location.join(self.root, entry)):
                names.append(entry)
        return sorted(names)

    def exists(self, name: str) -> bool:
        """True when a Delta table called ``name`` exists under the root."""
        return self._is_delta_table(self.table_uri(name))

    def open_table(
        self, name: str, version: int | None = None, timestamp: datetime | date | str | None = None
    ) -> DeltaTable:
        """The table at its latest version, at ``version``, or as of ``timestamp``.

        Raises TableNotFoundError (with a suggestion) or VersionNotFoundError (with the
        available range, or saying VACUUM removed the version's files).
        """
        if version is not None and timestamp is not None:
            raise StorageInputError("Pass a version or a timestamp, not both.")
        current = self._load(name)
        if self._registry.is_stale(name):
            self._registry.refresh(name, self.table_uri(name), current)
        if version is None and timestamp is None:
            return current
        with self._translate(name):
            if timestamp is not None:
                version = version_at(name, current, timestamp)
            assert version is not None
            check_version_range(name, current, version)
            if version == current.version():
                return current
            snapshot = DeltaTable(self.table_uri(name), version=version, storage_options=self._delta_options)
            check_files_present(name, snapshot, current, self._delta_options)
        return snapshot

    def current_version(self, name: str) -> int:
        """The latest committed version of ``name``."""
        return self._load(name).version()

    # ------------------------------------------------------------------------------ writes

    def create_table(
        self,
        name: str,
        schema: pa.Schema | Mapping[str, Any],
        partition_by: Sequence[str] | None = None,
        *,
        exist_ok: bool = False,
        description: str | None = None,
    ) -> DeltaTable:
        """Create an empty table; with ``exist_ok`` an existing table is returned as it is."""
        uri = self.table_uri(name)
        arrow_schema = to_arrow_schema(schema)
        partitions = require_columns(list(partition_by or []), arrow_schema, "partition")
        if self._is_delta_table(uri):
            if exist_ok:
                return self._load(name)
            raise StorageInputError(f"Table {name!r} already exists.", hint="Write to it, or pick another name.")

        def create() -> int:
            return DeltaTable.create(
                uri,
                arrow_schema,
                mode="error",
                partition_by=partitions or None,
                name=name,
                description=description,
                storage_options=self._delta_options,
                commit_properties=self._commit_properties(),
            ).version()

        self._commit(name, create)
        return self._load(name)

    def write_table(
        self,
        data: Any,
        name: str,
        mode: WriteMode = "append",
        predicate: str | None = None,
        schema_mode: SchemaMode | None = None,
        *,
        partition_by: Sequence[str] | None = None,
    ) -> int:
        """Append or overwrite rows (creating the table if missing); returns the version this
        write's own commit produced (not whatever is latest when it returns).

        ``data`` may also be a function returning the data: a stream that can be opened again,
        so a write that loses a commit race is re-run like any other. ``predicate`` (overwrite
        only) replaces just the matching rows. ``schema_mode="merge"`` adds new columns;
        ``"overwrite"`` (with mode overwrite) replaces the schema. Data whose types do not fit
        the table raises SchemaMismatchError and nothing is written.
        """
        if mode not in ("append", "overwrite"):
            raise StorageInputError(f"Unknown write mode {mode!r}; use 'append' or 'overwrite'.")
        if schema_mode not in (None, "merge", "overwrite"):
            raise StorageInputError(f"Unknown schema_mode {schema_mode!r}; use 'merge' or 'overwrite'.")
        if predicate is not None and mode != "overwrite":
            raise StorageInputError("A predicate only applies to mode='overwrite'.")
        uri = self.table_uri(name)
        reopen = cast("Callable[[], Any] | None", data if callable(data) else None)
        first = as_arrow(data) if reopen is None else None
        rerunnable = reopen is not None or isinstance(first, pa.Table)
        fresh_folder = not self.is_remote and not os.path.exists(uri)

        def write() -> int:
            source = first if first is not None else as_arrow(cast("Callable[[], Any]", reopen)())
            existing = self._try_load(uri)
            partitions = require_columns(list(partition_by or []), source.schema, "partition")
            if existing is not None and schema_mode != "overwrite":
                table_schema = pa.schema(existing.schema().to_arrow())
                target = conform_schema(
                    source.schema, table_schema, table=name, allow_new_columns=schema_mode == "merge"
                )
                current_partitions = list(existing.metadata().partition_columns)
                if partitions and partitions != current_partitions:
                    raise StorageInputError(
                        f"Table {name!r} is partitioned by {current_partitions}, not {partitions}.",
                    )
                partitions = []
            else:
                target = delta_compatible(source.schema)
            payload = conform(source, target, table=name)
            stream = payload.reader if isinstance(payload, GuardedReader) else payload
            commit_id = uuid.uuid4().hex
            try:
                # write_deltalake's overloads split on mode; ours is checked above.
                write_deltalake(
                    existing if existing is not None else uri,
                    cast(Any, stream),
                    mode=cast(Any, mode),
                    predicate=predicate,
                    schema_mode=schema_mode,
                    partition_by=partitions or None,
                    storage_options=self._delta_options if existing is None else None,
                    commit_properties=self._commit_properties(commit_id),
                )
            except Exception:
                if isinstance(payload, GuardedReader) and payload.error is not None:
                    raise payload.error from None
                raise
            # A handle holds the snapshot its own commit produced; a new table has none to hold.
            return existing.version() if existing is not None else self._version_of_commit(uri, commit_id)

        try:
            return self._commit(name, write, rerunnable=rerunnable)
        except Exception:
            if fresh_folder:
                _remove_if_never_committed(uri)
            raise

    def merge(
        self, data: Any, name: str, on: str | Sequence[str], *, schema_mode: SchemaMode | None = None
    ) -> dict[str, int]:
        """Upsert ``data`` on key columns ``on``: matching rows are updated, others inserted.

        Returns the rows ``inserted`` and ``updated`` and the ``version`` this merge committed.
        """
        keys = [on] if isinstance(on, str) else list(on)
        source = materialize(as_arrow(data))
        require_columns(keys, source.schema, "merge key")
        if not keys:
            raise StorageInputError("merge needs at least one key column.")
        refuse_duplicate_keys(source, keys, name)
        uri = self.table_uri(name)
        if not self._is_delta_table(uri):
            version = self.write_table(source, name)
            return {"inserted": source.num_rows, "updated": 0, "version": version}
        counts: dict[str, int] = {}

        def merge() -> int:
            existing = self._load(name)
            table_schema = pa.schema(existing.schema().to_arrow())
            require_columns(keys, table_schema, "merge key")
            target = conform_schema(source.schema, table_schema, table=name, allow_new_columns=schema_mode == "merge")
            payload = cast_table(source, target, table=name)
            predicate = " AND ".join(f"t.{quote_identifier(k)} = s.{quote_identifier(k)}" for k in keys)
            metrics = (
                existing.merge(
                    payload,
                    predicate,
                    source_alias="s",
                    target_alias="t",
                    merge_schema=schema_mode == "merge",
                    commit_properties=self._commit_properties(),
                )
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute()
            )
            counts["inserted"] = int(metrics.get("num_target_rows_inserted", 0))
            counts["updated"] = int(metrics.get("num_target_rows_updated", 0))
            return existing.version()

        counts["version"] = self._commit(name, merge)
        return counts

    def delete(self, name: str, predicate: str) -> dict[str, int]:
        """Delete the rows matching the SQL ``predicate``; returns ``deleted`` and the ``version`` committed."""
        result: dict[str, Any] = {}

        def delete() -> int:
            table = self._load(name)
            result.update(table.delete(predicate, commit_properties=self._commit_properties()))
            return table.version()

        version = self._commit(name, delete)
        return {"deleted": int(result.get("num_deleted_rows", 0)), "version": version}

    def update(self, name: str, set: Mapping[str, Any], predicate: str | None = None) -> dict[str, int]:
        """Set columns on the rows matching ``predicate`` (all rows when None); returns
        ``updated`` (rows) and the ``version`` committed.

        Values of ``set`` that are strings are SQL expressions (``"price * 1.1"``, ``"'EU'"``);
        other Python values (numbers, bools, dates, None) are written as literals.
        """
        if not set:
            raise StorageInputError("update needs at least one column to set.")
        result: dict[str, Any] = {}

        def update() -> int:
            table = self._load(name)
            require_columns(list(set), pa.schema(table.schema().to_arrow()), "updated")
            updates = {quote_identifier(col): literal(value) for col, value in set.items()}
            result.update(
                table.update(updates=updates, predicate=predicate, commit_properties=self._commit_properties())
            )
            return table.version()

        version = self._commit(name, update)
        return {"updated": int(result.get("num_updated_rows", 0)), "version": version}

    # ------------------------------------------------------------------------------- reads

    def read_table(
        self,
        name: str,
        version: int | None = None,
        timestamp: datetime | date | str | None = None,
        *,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """The rows of ``name`` (optionally some columns) at the latest or a past version."""
        table = self.open_table(name, version=version, timestamp=timestamp)
        try:
            return table.to_pyarrow_table(columns=list(columns) if columns is not None else None)
        except FileNotFoundError as e:
            raise VersionNotFoundError(
                f"Version {table.version()} of table {name!r} is not readable: a data file is missing ({e}).",
                hint="VACUUM may have removed it; read a later version.",
            ) from e
        except (delta_errors.DeltaError, pa.ArrowException, OSError) as e:
            access = access_error(e, table=name, path=table.table_uri, root=self.root)
            raise access or StorageError(f"Reading table {name!r} failed: {_first_line(e)}") from e

    def read_pandas(
        self,
        name: str,
        version: int | None = None,
        timestamp: datetime | date | str | None = None,
        *,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Like read_table, as a pandas DataFrame."""
        return self.read_table(name, version, timestamp, columns=columns).to_pandas()

    def history(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        """Commits of ``name``, newest first: version, timestamp (UTC), operation, parameters, metrics."""
        table = self._load(name)
        with self._translate(name):
            entries = table.history(limit)
        return [
            {
                "version": int(e["version"]),
                "timestamp": commit_time(e),
                "operation": e.get("operation", "UNKNOWN"),
                "parameters": e.get("operationParameters", {}),
                "metrics": e.get("operationMetrics", {}),
            }
            for e in entries
        ]

    def stats(self, name: str, version: int | None = None) -> TableStats:
        """Rows, files, bytes and per-column min/max/null counts, from the Delta log."""
        table = self.open_table(name, version=version)
        with self._translate(name):
            return table_stats(name, table)

    # ------------------------------------------------------------------------- maintenance

    def optimize(self, name: str, zorder_by: Sequence[str] | None = None) -> dict[str, Any]:
        """Compact small files (and Z-order them by ``zorder_by``); returns delta-rs metrics."""
        zorder = list(zorder_by or [])
        metrics: dict[str, Any] = {}

        def optimize() -> int:
            table = self._load(name)
            require_columns(zorder, pa.schema(table.schema().to_arrow()), "Z-order")
            if zorder:
                metrics.update(table.optimize.z_order(zorder, commit_properties=self._commit_properties()))
            else:
                metrics.update(table.optimize.compact(commit_properties=self._commit_properties()))
            return table.version()

        metrics["version"] = self._commit(name, optimize)
        return metrics

    def vacuum(self, name: str, retention_hours: int = 168, dry_run: bool = True) -> list[str]:
        """Delete files no version newer than ``retention_hours`` needs; returns those files.

        That includes files no version ever referenced (left by a killed or failed write),
        once they are older than the retention. With ``dry_run`` (the default) nothing is
        deleted. Versions whose files are removed can no longer be read (time travel to them
        raises VersionNotFoundError).
        """
        if retention_hours < 0:
            raise StorageInputError("retention_hours cannot be negative.")
        folder = self.table_uri(name)
        if not self.is_remote and os.path.isdir(folder) and not self._is_delta_table(folder):
            return self._vacuum_uncommitted(folder, retention_hours, dry_run)
        files: list[str] = []

        def vacuum() -> int:
            table = self._load(name)
            # The caller chose the retention explicitly, so the table's minimum does not apply.
            files.extend(
                table.vacuum(
                    retention_hours=retention_hours,
                    dry_run=dry_run,
                    enforce_retention_duration=False,
                    commit_properties=self._commit_properties(),
                    full=True,  # also files no version references, not only removed ones
                )
            )
            return table.version()

        if dry_run:
            with self._translate(name):
                vacuum()
        else:
            self._commit(name, vacuum)
        if self.is_remote:  # an unfinished S3 upload leaves no object behind
            return files
        partial = partial_files(folder, older_than_hours=retention_hours)
        if not dry_run:
            remove_files(folder, partial)
        return files + partial

    def _vacuum_uncommitted(self, folder: str, retention_hours: int, dry_run: bool) -> list[str]:
        """Vacuum a table folder no commit ever reached (a failed create): every file is unreferenced."""
        files = unreferenced_files(folder, older_than_hours=retention_hours)
        if not dry_run:
            remove_files(folder, files)
            _remove_empty_folders(folder)
        return files

    def drop_table(self, name: str) -> None:
        """Delete table ``name`` (every version and file) and its catalog row."""
        uri = self.table_uri(name)
        if not self._is_delta_table(uri):
            raise self._not_found(name)
        try:
            if self.is_remote:
                DeltaStorageHandler(self.root, self._delta_options).delete_dir(name)
            else:
                shutil.rmtree(uri)
        except OSError as e:
            raise StorageError(f"Cannot delete table {name!r}: {_first_line(e)}") from e
        self._registry.forget(name)

    # ------------------------------------------------------------------------------ catalog

    def refresh(self, name: str) -> bool:
        """Re-record ``name`` in the catalog from its Delta log; False if the catalog failed."""
        return self._registry.refresh(name, self.table_uri(name), self._load(name))

    def discover(self) -> list[str]:
        """Register Delta tables under the root the catalog lacks or has at an old version.

        Also drops catalog rows of tables under the root whose folder is gone. Returns the
        names registered or refreshed (``survey`` also says which folders were skipped).
        """
        return self.survey().refreshed

    def survey(self) -> Survey:
        """Like ``discover``, and names each folder that looks like a table but cannot be used.

        One bad folder (a reserved name, an unreadable folder or log) never stops the others.
        """
        known = self._registry.catalog_versions()
        result = Survey()
        for entry in self._root_entries():
            table, problem = self._examine(entry)
            if problem is not None:
                result.skipped[entry] = problem
            if table is None:
                continue
            result.tables.append(entry)
            if known.get(entry) != table.version() or self._registry.is_stale(entry):
                self._registry.refresh(entry, self.table_uri(entry), table)
                result.refreshed.append(entry)
        result.tables.sort()
        result.refreshed.sort()
        gone = set(known) - set(result.tables) - set(result.skipped)
        for name in gone:
            if name_problem(name) is None and not self._is_delta_table(location.join(self.root, name)):
                self._forget_if_under_root(name)
        return result

    def _examine(self, entry: str) -> tuple[DeltaTable | None, str | None]:
        """(the table, None) for a usable table; (None, why) for a broken one; (None, None) otherwise."""
        uri = location.join(self.root, entry)
        if not self.is_remote:
            try:
                os.listdir(uri)
            except PermissionError:
                return None, f"permission denied: the folder {uri} cannot be read"
        if not self._is_delta_table(uri):
            return None, None
        problem = name_problem(entry)
        if problem is not None:
            return None, f"{problem}; move or rename the folder {uri}"
        try:
            return self._load(entry), None
        except NeuroLakeError as e:
            return None, e.message

    def close(self) -> None:
        """Release resources (delta-rs holds no open handles between calls; safe to repeat)."""

    # ----------------------------------------------------------------------------- helpers

    @property
    def _delta_options(self) -> dict[str, str] | None:
        return dict(self._options) or None

    def _commit_properties(self, commit_id: str | None = None) -> CommitProperties:
        # In single_writer mode a lost race is refused, not retried, even inside delta-rs.
        return CommitProperties(
            max_commit_retries=0 if self._single_writer else max(self.commit_retries, 1),
            custom_metadata=commit_metadata(commit_id),
        )

    def _commit(self, name: str, operation: Callable[[], int], *, rerunnable: bool = True) -> int:
        """Run a write with retries/refusal as the commit mode says, then refresh the catalog.

        ``operation`` returns the version its own commit produced, and so does this.
        """
        uri = self.table_uri(name)
        guard: AbstractContextManager[None] = self._guard.hold(uri, name) if self._single_writer else nullcontext()
        retries = self.commit_retries if rerunnable and not self._single_writer else 0

        def attempt() -> int:
            with self._translate(name):
                return operation()

        with guard:
            try:
                version = run_with_retries(attempt, table=name, retries=retries, rerunnable=rerunnable)
            except CommitConflictError as e:
                if self._single_writer:
                    raise concurrent_writer_error(name) from e
                raise
        self._registry.refresh(name, uri, self._load(name))
        return version

    def _version_of_commit(self, uri: str, commit_id: str) -> int:
        """The version whose commit carries ``commit_id`` (a write that created the table)."""
        for entry in DeltaTable(uri, storage_options=self._delta_options).history():
            if entry.get(COMMIT_ID_KEY) == commit_id:
                return int(entry["version"])
        raise StorageError(f"The commit of this write is missing from the log of {uri}.")

    @contextmanager
    def _translate(self, name: str) -> Iterator[None]:
        """Turn delta-rs exceptions into NeuroLake errors (lost commit races pass through)."""
        try:
            yield
        except (NeuroLakeError, delta_errors.CommitFailedError):
            raise
        except Exception as e:
            raise self._translated(name, e) from e

    def _translated(self, name: str, e: Exception) -> Exception:
        """The NeuroLake error for delta-rs error ``e`` on table ``name``."""
        access = access_error(e, table=name, path=location.join(self.root, name), root=self.root)
        if access is not None:
            return access
        if isinstance(e, delta_errors.TableNotFoundError):
            return self._not_found(name)
        if isinstance(e, delta_errors.SchemaMismatchError):
            return SchemaMismatchError(
                f"The data does not fit table {name!r}: {_first_line(e)}", hint="The table was left unchanged."
            )
        if looks_like_commit_conflict(e):
            return delta_errors.CommitFailedError(str(e))
        return StorageError(f"Delta operation on table {name!r} failed: {_first_line(e)}")

    def _load(self, name: str) -> DeltaTable:
        if name_problem(name) is not None:
            raise self._not_found(name)  # no table can have this name; suggest the close ones
        uri = self.table_uri(name)
        table = self._try_load(uri)
        if table is None:
            raise self._not_found(name)
        return table

    def _try_load(self, uri: str) -> DeltaTable | None:
        try:
            return DeltaTable(uri, storage_options=self._delta_options)
        except delta_errors.TableNotFoundError:
            return None
        except (delta_errors.DeltaError, OSError) as e:
            access = access_error(e, table=uri.rsplit("/", 1)[-1], path=uri, root=self.root)
            raise access or StorageError(f"Cannot open the Delta table at {uri}: {_first_line(e)}") from e

    def _not_found(self, name: str) -> TableNotFoundError:
        hint = did_you_mean(name, self.list_tables()) or "Run `neurolake tables` to see the tables."
        return TableNotFoundError(f"Table {name!r} does not exist in the lakehouse.", hint=hint)

    def _is_delta_table(self, uri: str) -> bool:
        try:
            return DeltaTable.is_deltatable(uri, self._delta_options)
        except (delta_errors.DeltaError, OSError):
            return False

    def _root_entries(self) -> list[str]:
        if not self.is_remote:
            if not os.path.isdir(self.root):
                return []
            try:
                return [e.name for e in os.scandir(self.root) if e.is_dir()]
            except OSError as e:
                raise access_error(e, path=self.root, root=self.root) or StorageError(
                    f"Cannot list the lakehouse root {self.root}: {e.strerror or e}."
                ) from e
        fs = PyFileSystem(DeltaStorageHandler(self.root, self._delta_options))
        try:
            infos = fs.get_file_info(FileSelector("", recursive=False, allow_not_found=True))
        except (OSError, delta_errors.DeltaError) as e:
            raise StorageError(f"Cannot list the lakehouse root {self.root}: {_first_line(e)}") from e
        return [os.path.basename(i.path.rstrip("/")) for i in infos if i.type == FileType.Directory]

    def _forget_if_under_root(self, name: str) -> None:
        from neurolake.catalog.repositories import tables as tables_repo

        with self.catalog.session() as session:
            row = tables_repo.get_table(session, name)
            if row is not None and row.location == location.join(self.root, name):
                session.delete(row)


def _remove_if_never_committed(folder: str) -> None:
    """Remove the empty folder a failed create left behind.

    A folder with files is kept: they may be another writer's, about to be committed; once
    they are older than the retention, ``vacuum`` removes them.
    """
    with contextlib.suppress(OSError):
        os.rmdir(folder)


def _remove_empty_folders(folder: str) -> None:
    for parent, _, _ in sorted(os.walk(folder), key=lambda entry: -len(entry[0])):
        with contextlib.suppress(OSError):
            os.rmdir(parent)


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__
