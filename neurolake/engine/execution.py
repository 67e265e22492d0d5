"""One query's life around the backend: logging, history, time limit and cancellation.

``QueryExecution`` is the context manager every query runs in: it logs the start (SQL,
user) and the end (duration, rows) or the error (with its stack, in the log only), and
records one ``query_history`` row whatever happened. ``RunningQueries`` knows the queries
in flight so the deadline watchdog or another thread can stop one.
"""

from __future__ import annotations

import atexit
import heapq
import itertools
import logging
import threading
import time
import uuid
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from neurolake.catalog.repositories import history as history_repo
from neurolake.engine.base import Backend
from neurolake.engine.history_spool import HistorySpool, SpooledRows
from neurolake.errors import (
    CatalogUnavailableError,
    NeuroLakeError,
    PermissionDeniedError,
    QueryCancelledError,
    QueryExecutionError,
    QueryTimeoutError,
    QueryValidationError,
    TableNotFoundError,
    VersionNotFoundError,
)
from neurolake.logging import REPORTED
from neurolake.observability.metrics import METRICS

if TYPE_CHECKING:
    from neurolake.catalog import Catalog, User

log = logging.getLogger("neurolake.engine")

#: How often a stop request re-sends the interrupt until the query has ended.
_INTERRUPT_EVERY_S = 0.02
_INTERRUPT_FOR_S = 10.0


_ID_PREFIX = uuid.uuid4().hex[:16]
_ID_COUNTER = itertools.count(1)


def new_query_id() -> str:
    """A 32-hex-digit id, unique across processes (random prefix) and within one (counter)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def status_of(error: BaseException | None) -> str:
    """The ``query_history.status`` for a query that raised ``error`` (None: succeeded)."""
    if error is None:
        return "succeeded"
    if isinstance(error, QueryTimeoutError):
        return "timeout"
    if isinstance(error, QueryCancelledError):
        return "cancelled"
    if isinstance(error, PermissionDeniedError):
        return "refused"
    if isinstance(error, QueryValidationError | TableNotFoundError | VersionNotFoundError):
        return "invalid"
    return "failed"


class QueryExecution:
    """Context manager around one query: ``with QueryExecution(...) as run: ...``.

    Set ``rows``, ``bytes``, ``tables_read`` and ``cache_hit`` on it as they become known.
    An exception that is not a NeuroLakeError leaves as QueryExecutionError.
    """

    def __init__(
        self,
        history: HistoryWriter | None,
        sql: str,
        *,
        backend: str,
        user: User | None = None,
        question: str | None = None,
        query_id: str | None = None,
    ) -> None:
        self.history = history
        self.sql = sql
        self.backend = backend
        self.user = user
        self.question = question
        self.query_id = query_id or new_query_id()
        self.rows: int | None = None
        self.bytes: int | None = None
        self.tables_read: dict[str, list[int]] = {}
        self.cache_hit = False
        self._started = 0.0

    @property
    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self._started) * 1000

    def read(self, name: str, version: int) -> None:
        """Note that the query reads ``name`` at ``version``."""
        versions = self.tables_read.setdefault(name, [])
        if version not in versions:
            versions.append(version)
            versions.sort()

    def __enter__(self) -> QueryExecution:
        self._started = time.perf_counter()
        log.info(
            "query %s started (user=%s): %s",
            self.query_id,
            self.user.username if self.user is not None else "-",
            " ".join(self.sql.split()),
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        duration = self.elapsed_ms
        if error is None:
            log.info("query %s finished in %.1f ms: %s rows", self.query_id, duration, self.rows)
        elif isinstance(error, NeuroLakeError) and error.status_code < 500:
            # The caller's mistake (bad SQL, refused statement): the message says it all.
            log.warning("query %s %s: %s", self.query_id, status_of(error), error, extra=REPORTED)
        else:
            # A NeuroLakeError's message already names the problem; only a surprise needs its trace.
            surprise = None if isinstance(error, NeuroLakeError) else error
            log.error(
                "query %s failed after %.1f ms: %s", self.query_id, duration, error, exc_info=surprise, extra=REPORTED
            )
        if error is None or isinstance(error, Exception):
            self._record(duration, error)
            METRICS.query(
                backend=self.backend,
                status=status_of(error),
                seconds=duration / 1000,
                rows=self.rows,
                nbytes=self.bytes,
                cache_hit=self.cache_hit,
            )
        if isinstance(error, Exception) and not isinstance(error, NeuroLakeError):
            raise QueryExecutionError(
                f"The query failed unexpectedly ({error.__class__.__name__}).",
                hint=f"The server log has the details under query id {self.query_id}.",
            ) from error

    def _record(self, duration_ms: float, error: BaseException | None) -> None:
        if self.history is None:
            return
        self.history.record(
            {
                "query_id": self.query_id,
                "sql": self.sql,
                "question": self.question,
                "user_id": self.user.id if self.user is not None else None,
                "status": status_of(error),
                "error": str(error) if error is not None else None,
                "rows": self.rows,
                "bytes": self.bytes,
                "duration_ms": round(duration_ms, 3),
                "cache_hit": self.cache_hit,
                "backend": self.backend,
                "tables_read": self.tables_read or None,
                "executed_at": datetime.now(UTC),
            }
        )


class HistoryWriter:
    """Writes ``query_history`` rows off the query's path, in batches, on one thread.

    A query only appends its row to a queue (no commit, no thread wake-up); the writer
    thread commits what accumulated every ``interval_s``. ``flush()`` writes everything
    recorded so far before returning (the engine flushes before listing history and on
    close, and at interpreter exit).
    """

    def __init__(self, catalog: Catalog, *, interval_s: float = 0.25, spool: HistorySpool | None = None) -> None:
        self.catalog = catalog
        self.interval_s = interval_s
        self.spool = spool
        self._pending: deque[dict[str, Any]] = deque()
        self._write_lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._closed = False
        atexit.register(_flush_at_exit, weakref.ref(self))

    def record(self, fields: dict[str, Any]) -> None:
        """Queue one row (``QueryHistory`` column values)."""
        self._pending.append(fields)
        if self._closed:
            self.flush()
        elif self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="neurolake-history", daemon=True)
                    self._thread.start()

    def flush(self) -> None:
        """Write every row recorded before this call."""
        with self._write_lock:
            rows = []
            while self._pending:
                rows.append(self._pending.popleft())
            self._write(rows)

    def close(self) -> None:
        """Write what is queued and stop the thread; later rows are written at once."""
        self._closed = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(30.0)
        self.flush()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.interval_s)
            self.flush()

    def _write(self, rows: list[dict[str, Any]]) -> None:
        try:
            self._write_rows(rows)
        except OSError as e:
            # The spool's folder is read-only or full: these rows are lost, never the answers.
            if rows:
                log.warning("could not record %d query history row(s): the spool failed: %s", len(rows), e)

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        if self.spool is not None and not self.spool.is_empty():
            self._write_through_spool(self.spool, rows)
            return
        if not rows:
            return
        try:
            self._insert(rows)
        except CatalogUnavailableError as e:
            if self.spool is None:
                _lost(rows, e)
                return
            with self.spool.locked() as spooled:
                _keep(spooled, rows, e)
        except NeuroLakeError as e:
            _lost(rows, e)

    def _write_through_spool(self, spool: HistorySpool, rows: list[dict[str, Any]]) -> None:
        """Rows spooled earlier go first, with ``rows``; while the catalog is down, all stay spooled."""
        with spool.locked() as spooled:
            earlier = spooled.rows()
            try:
                self._insert(earlier + rows)
            except CatalogUnavailableError as e:
                _keep(spooled, rows, e)
                return
            except NeuroLakeError as e:
                _lost(earlier + rows, e)
            else:
                log.info("wrote %d query history row(s) kept while the catalog was unreachable", len(earlier))
            spooled.clear()

    def _insert(self, rows: list[dict[str, Any]]) -> None:
        with self.catalog.session() as session:
            for fields in rows:
                history_repo.record_query(session, **fields)


def _keep(spooled: SpooledRows, rows: list[dict[str, Any]], error: CatalogUnavailableError) -> None:
    if rows:
        spooled.append(rows)
        log.warning("%s %d query history row(s) kept in %s until it is back.", error.message, len(rows), spooled.path)


def _lost(rows: list[dict[str, Any]], error: NeuroLakeError) -> None:
    # Losing history rows must not lose answers; the log keeps every query anyway.
    log.warning("could not record %d query history row(s): %s", len(rows), error)


def _flush_at_exit(ref: weakref.ReferenceType[HistoryWriter]) -> None:
    writer = ref()
    if writer is not None:
        writer.flush()


class Watchdog:
    """One thread that calls things at deadlines (query time limits), for every query.

    Scheduling is a heap push, so a query pays microseconds, not a thread start.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._counter = itertools.count()
        self._condition = threading.Condition()
        self._thread: threading.Thread | None = None
        self._closed = False

    def schedule(self, delay_s: float, action: Callable[[], None]) -> _Deadline:
        """Call ``action`` (on its own thread) after ``delay_s`` unless cancelled first."""
        deadline = _Deadline(action)
        entry = (time.monotonic() + delay_s, next(self._counter), deadline)
        with self._condition:
            heapq.heappush(self._heap, entry)
            if self._thread is None and not self._closed:
                self._thread = threading.Thread(target=self._run, name="neurolake-watchdog", daemon=True)
                self._thread.start()
            # Wake the thread only when its next deadline moved earlier (rare with one timeout).
            if self._heap[0] is entry:
                self._condition.notify()
        return deadline

    def close(self) -> None:
        with self._condition:
            self._closed = True
            self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._closed and (not self._heap or self._heap[0][0] > time.monotonic()):
                    timeout = self._heap[0][0] - time.monotonic() if self._heap else None
                    self._condition.wait(timeout)
                if self._closed:
                    return
                _, _, deadline = heapq.heappop(self._heap)
            if not deadline.cancelled:
                # Stopping a query can take a moment; never delay the next deadline for it.
                threading.Thread(target=deadline.action, name="neurolake-stop", daemon=True).start()


class _Deadline:
    __slots__ = ("action", "cancelled")

    def __init__(self, action: Callable[[], None]) -> None:
        self.action = action
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class RunningQuery:
    """A query in flight; setting ``stop`` asks its backend job to end."""

    query_id: str
    timeout_s: float
    stop: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    reason: str | None = None


class RunningQueries:
    """The queries running on one backend, stoppable by a timer or by ``cancel``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._running: dict[str, RunningQuery] = {}
        self._lock = threading.Lock()
        self._watchdog = Watchdog()

    @contextmanager
    def track(self, query_id: str, timeout_s: float) -> Iterator[RunningQuery]:
        """Register a query for its duration, stop it after ``timeout_s``.

        An interrupted backend job surfaces as QueryTimeoutError when the timer stopped it
        and QueryCancelledError when ``cancel`` did.
        """
        query = RunningQuery(query_id, timeout_s)
        with self._lock:
            self._running[query_id] = query
        timer = self._watchdog.schedule(timeout_s, lambda: self._stop(query, "timeout"))
        try:
            yield query
        except QueryCancelledError as e:
            if query.reason == "timeout":
                raise QueryTimeoutError(
                    f"The query ran longer than {timeout_s:g} s and was stopped.",
                    hint="Narrow it (filters, aggregates, LIMIT) or allow more time with timeout_s "
                    "or NEUROLAKE_ENGINE__TIMEOUT_S.",
                ) from e
            if query.reason == "cancelled":
                raise QueryCancelledError(f"Query {query_id} was cancelled.") from e
            raise
        finally:
            timer.cancel()
            query.done.set()
            with self._lock:
                self._running.pop(query_id, None)

    def cancel(self, query_id: str) -> bool:
        """Stop a running query; returns once it has stopped (False if it was not running)."""
        with self._lock:
            query = self._running.get(query_id)
        if query is None:
            return False
        self._stop(query, "cancelled")
        return True

    def running(self) -> list[str]:
        with self._lock:
            return list(self._running)

    def close(self) -> None:
        self._watchdog.close()

    def _stop(self, query: RunningQuery, reason: str) -> None:
        if query.reason is None:
            query.reason = reason
        query.stop.set()
        # An interrupt sent just before the backend starts the job would be lost, so repeat.
        deadline = time.monotonic() + _INTERRUPT_FOR_S
        while not query.done.is_set() and time.monotonic() < deadline:
            self.backend.interrupt(query.query_id)
            query.done.wait(_INTERRUPT_EVERY_S)
