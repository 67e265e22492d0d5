"""Files a killed write leaves in a local table folder that even a full delta-rs VACUUM skips.

The local object store writes each data file as ``<name>#<n>`` and renames it when complete;
a process killed mid-file leaves that partial file behind. No version can reference it.
"""

from __future__ import annotations

import contextlib
import os
import re
import time

_PARTIAL = re.compile(r"#\d+$")


def partial_files(folder: str, *, older_than_hours: float) -> list[str]:
    """Partial data files under ``folder`` (relative paths) last written before the retention."""
    return [path for path in unreferenced_files(folder, older_than_hours=older_than_hours) if _PARTIAL.search(path)]


def unreferenced_files(folder: str, *, older_than_hours: float) -> list[str]:
    """Every file under ``folder`` outside Delta's ``_`` folders, last written before the
    retention (all unreferenced when no commit ever reached the folder)."""
    cutoff = time.time() - older_than_hours * 3600
    found = []
    for parent, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith("_")]  # _delta_log and Delta's other folders
        for file in files:
            path = os.path.join(parent, file)
            if os.path.getmtime(path) <= cutoff:
                found.append(os.path.relpath(path, folder))
    return sorted(found)


def remove_files(folder: str, paths: list[str]) -> None:
    """Delete ``paths`` (relative to ``folder``); one already gone is fine."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            os.remove(os.path.join(folder, path))
