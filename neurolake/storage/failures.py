"""Failures of the disk under a table (full, read-only, permission denied), in words a person
can act on. delta-rs reports them as text, often lines deep, so the OS error is found there."""

from __future__ import annotations

from neurolake.errors import StorageAccessError

_FULL = ("no space left on device", "os error 28", "storagefull")
_READ_ONLY = ("read-only file system", "os error 30", "readonlyfilesystem")
_DENIED = ("permission denied", "os error 13", "permissiondenied")


def _text_of(error: BaseException) -> str:
    """The messages of ``error`` and of every error it was raised from, lower case."""
    parts: list[str] = []
    seen: BaseException | None = error
    while seen is not None and len(parts) < 10:
        parts.append(str(seen))
        seen = seen.__cause__ or seen.__context__
    return " ".join(parts).lower()


def access_error(error: BaseException, *, table: str, uri: str, root: str) -> StorageAccessError | None:
    """A StorageAccessError naming the path, when ``error`` is a full, read-only or denied disk."""
    text = _text_of(error)
    if any(sign in text for sign in _FULL):
        return StorageAccessError(
            f"No space left on the disk holding table {table!r} at {uri}; nothing was committed.",
            hint=f"Free some space; `neurolake vacuum {table} --no-dry-run` then removes files the failed write left.",
        )
    if any(sign in text for sign in _READ_ONLY):
        return StorageAccessError(
            f"The lakehouse root {root} is on a read-only file system, so table {table!r} cannot be written.",
            hint="Remount it read-write, or set NEUROLAKE_STORAGE__ROOT to a writable folder; reads still work.",
        )
    if any(sign in text for sign in _DENIED):
        return StorageAccessError(
            f"Permission denied on table {table!r} at {uri}.",
            hint=f"Give the user running NeuroLake read and write access to {uri}.",
        )
    return None
