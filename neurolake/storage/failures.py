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


def access_error(error: BaseException, *, path: str, root: str, table: str | None = None) -> StorageAccessError | None:
    """A StorageAccessError naming ``path`` (of ``table``, or the root itself) when ``error`` is
    a full, read-only or denied disk; None for any other error."""
    text = _text_of(error)
    what = f"table {table!r} at {path}" if table else f"the lakehouse root {root}"
    if any(sign in text for sign in _FULL):
        cleanup = f"; `neurolake vacuum {table} --no-dry-run` then removes files the failed write left" if table else ""
        return StorageAccessError(
            f"No space left on the disk holding {what}; nothing was committed.",
            hint=f"Free some space{cleanup}.",
        )
    if any(sign in text for sign in _READ_ONLY):
        consequence = f", so table {table!r} cannot be written" if table else ""
        return StorageAccessError(
            f"The lakehouse root {root} is on a read-only file system{consequence}.",
            hint="Remount it read-write, or set NEUROLAKE_STORAGE__ROOT to a writable folder; reads still work.",
        )
    if any(sign in text for sign in _DENIED):
        return StorageAccessError(
            f"Permission denied on {what}.", hint=f"Give the user running NeuroLake read and write access to {path}."
        )
    return None
