"""Time travel: turn a version or a timestamp into a loaded snapshot, or a clear error.

A version can be out of range (never existed, or its log was cleaned up) or unreadable
(VACUUM deleted data files it references); both raise VersionNotFoundError naming what is
available instead of failing later inside a scan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import unquote

import pyarrow as pa
from deltalake import DeltaTable
from deltalake.fs import DeltaStorageHandler
from pyarrow.fs import FileType

from neurolake.errors import VersionNotFoundError


def commit_times(table: DeltaTable) -> list[tuple[int, datetime]]:
    """(version, commit time) for every commit still in the log, oldest first."""
    return sorted((int(h["version"]), commit_time(h)) for h in table.history())


def commit_time(entry: dict[str, Any]) -> datetime:
    """The UTC time of one history entry (delta-rs gives milliseconds since the epoch)."""
    return datetime.fromtimestamp(int(entry["timestamp"]) / 1000, tz=UTC)


def parse_timestamp(value: datetime | date | str) -> datetime:
    """An aware UTC datetime from a datetime (naive means UTC), a date or an ISO 8601 string."""
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        try:
            value = datetime.fromisoformat(text)
        except ValueError as e:
            raise VersionNotFoundError(
                f"{value!r} is not a timestamp.", hint="Use ISO 8601, e.g. 2024-01-31 or 2024-01-31T12:00:00Z."
            ) from e
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def version_at(name: str, table: DeltaTable, when: datetime | date | str) -> int:
    """The latest version committed at or before ``when``."""
    moment = parse_timestamp(when)
    times = commit_times(table)
    candidates = [version for version, committed in times if committed <= moment]
    if not candidates:
        first_version, first_time = times[0]
        raise VersionNotFoundError(
            f"Table {name!r} has no version at {moment.isoformat()}: its oldest available "
            f"version {first_version} was committed at {first_time.isoformat()}.",
            hint=f"Use a timestamp from {first_time.isoformat()} on.",
        )
    return max(candidates)


def check_version_range(name: str, table: DeltaTable, version: int) -> None:
    """Raise VersionNotFoundError unless ``version`` is between the oldest and latest in the log."""
    latest = table.version()
    oldest = commit_times(table)[0][0] if version < latest else 0
    if version < oldest or version > latest or version < 0:
        raise VersionNotFoundError(
            f"Table {name!r} has no version {version}; available versions are {oldest} to {latest}.",
        )


def check_files_present(
    name: str, snapshot: DeltaTable, current: DeltaTable, storage_options: dict[str, str] | None
) -> None:
    """Raise VersionNotFoundError if VACUUM removed data files that ``snapshot`` still needs.

    Only files the current version no longer references can be gone, so only those are
    checked (usually few, one metadata request each).
    """
    current_paths = set(_paths(current))
    removed_since = [p for p in _paths(snapshot) if p not in current_paths]
    if not removed_since:
        return
    handler = DeltaStorageHandler(current.table_uri, storage_options)
    missing = [info for info in handler.get_file_info(removed_since) if info.type == FileType.NotFound]
    if missing:
        raise VersionNotFoundError(
            f"Version {snapshot.version()} of table {name!r} is no longer readable: VACUUM "
            f"removed {len(missing)} of its data files.",
            hint=f"Versions after the last VACUUM are readable; the current version is {current.version()}.",
        )


def _paths(table: DeltaTable) -> list[str]:
    # Log paths are URL-encoded once more than the object names (partition values with spaces).
    actions = pa.table(table.get_add_actions(flatten=False))
    return [unquote(str(p)) for p in actions.column("path").to_pylist()] if actions.num_rows else []
