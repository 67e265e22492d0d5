"""Committing under concurrency: retry a lost commit race with backoff, or refuse it.

Delta commits are optimistic: a writer that loses the race for the next log version gets
``CommitFailedError``. The operation is re-run from a fresh snapshot (a merge or an update
must see the winner's rows), waiting a little longer each time.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from deltalake.exceptions import CommitFailedError

from neurolake.errors import CommitConflictError
from neurolake.storage.location import SAFE_MODE_SETTING

log = logging.getLogger(__name__)
T = TypeVar("T")

_BASE_DELAY_S = 0.05
_MAX_DELAY_S = 2.0
#: Keys NeuroLake adds to each commit's info: which process wrote it, and a per-write id.
WRITER_KEY = "neurolake.writer"
COMMIT_ID_KEY = "neurolake.commit_id"


def commit_metadata(commit_id: str | None = None) -> dict[str, str]:
    """What a commit records about its writer (``host:pid``), and ``commit_id`` when given."""
    metadata = {WRITER_KEY: f"{socket.gethostname()}:{os.getpid()}"}
    if commit_id is not None:
        metadata[COMMIT_ID_KEY] = commit_id
    return metadata


def backoff_delay(attempt: int) -> float:
    """Seconds to wait before retry ``attempt`` (1-based): exponential, capped, jittered."""
    return min(_MAX_DELAY_S, _BASE_DELAY_S * 2 ** (attempt - 1)) * random.uniform(0.5, 1.0)


def run_with_retries(operation: Callable[[], T], *, table: str, retries: int, rerunnable: bool = True) -> T:
    """Run ``operation``; on a lost commit race re-run it up to ``retries`` times.

    ``rerunnable=False`` (a one-pass stream) is never re-run, and the error says so.
    """
    attempt = 0
    while True:
        try:
            return operation()
        except CommitFailedError as e:
            attempt += 1
            if not rerunnable:
                raise CommitConflictError(
                    f"Another writer committed to table {table!r} first, and this write was a stream "
                    "that cannot be read twice, so it was not re-run. Nothing was written by this call.",
                    hint="Try again, or hand the data over in a form that can be re-read.",
                ) from e
            if attempt > retries:
                raise CommitConflictError(
                    f"Another writer kept committing to table {table!r}; gave up after "
                    f"{retries} retries. Nothing was written by this call.",
                    hint="Try again, or raise NEUROLAKE_STORAGE__COMMIT_RETRIES.",
                ) from e
            delay = backoff_delay(attempt)
            log.info("commit race lost on %s (attempt %d/%d); retrying in %.2fs", table, attempt, retries, delay)
            time.sleep(delay)


class SingleWriterGuard:
    """Refuses a second writer to the same table while one is writing (S3 single_writer mode)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._busy: set[str] = set()

    @contextmanager
    def hold(self, uri: str, table: str) -> Iterator[None]:
        with self._lock:
            if uri in self._busy:
                raise concurrent_writer_error(table)
            self._busy.add(uri)
        try:
            yield
        finally:
            with self._lock:
                self._busy.discard(uri)


def concurrent_writer_error(table: str) -> CommitConflictError:
    """The error for a concurrent writer on S3 without a safe commit mode."""
    return CommitConflictError(
        f"Another writer is committing to table {table!r} and S3 is in single_writer mode, "
        "which refuses concurrent writers. Nothing was written by this call.",
        hint=f"Set {SAFE_MODE_SETTING} to let concurrent writers commit safely.",
    )


def looks_like_commit_conflict(error: Exception) -> bool:
    """True for delta-rs errors that report a lost commit race without using CommitFailedError."""
    text = str(error).lower()
    return "commit failed" in text or "version already exists" in text or "concurrent" in text
