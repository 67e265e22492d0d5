"""The backend interface every query engine implements (DuckDB now, Spark later).

The engine does everything that does not depend on the backend (parsing, safety, snapshot
pinning, parameters, row windows, history) and hands a backend a ``BackendJob``: SQL in the
backend's dialect whose lakehouse tables are already replaced by the backend's own relations
over pinned snapshots. A backend runs it, returns Arrow, and can be interrupted.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from neurolake.engine.snapshots import TableSnapshot

#: Parameters as the backend binds them: by name, by position, or none.
BoundParams = Mapping[str, Any] | Sequence[Any] | None


@dataclass(frozen=True)
class BackendCapabilities:
    """What a backend can do; the engine and the shared test suite consult these flags."""

    #: Reads a Delta table at a pinned version (every backend must, for time travel).
    time_travel: bool = True
    #: A running query can be stopped from another thread (timeouts and cancel).
    interrupt: bool = True
    #: Binds ``$name`` parameters.
    named_parameters: bool = True
    #: Binds ``?`` / ``$1`` parameters.
    positional_parameters: bool = True
    #: Scans a snapshot's Parquet file list in place (else through a registered dataset).
    file_scan: bool = True
    #: Enforces a memory limit on one query's working set.
    memory_limit: bool = True


@dataclass(frozen=True)
class Relation:
    """How a backend exposes one snapshot inside a query.

    ``sql`` replaces the table reference (the user's alias follows it); ``registrations``
    are objects the backend must make visible under those names for the job's duration.
    """

    sql: str
    registrations: Mapping[str, TableSnapshot] = field(default_factory=dict)


@dataclass
class BackendJob:
    """One statement for a backend to run."""

    job_id: str
    sql: str
    params: BoundParams = None
    registrations: Mapping[str, TableSnapshot] = field(default_factory=dict)
    #: Set by the engine to ask the backend to stop (timeouts, cancel).
    stop: threading.Event = field(default_factory=threading.Event)


class Backend(ABC):
    """A query engine NeuroLake can run SQL on."""

    #: Short name recorded in metrics and history ("duckdb", "spark").
    name: ClassVar[str]
    #: sqlglot dialect the backend's SQL is generated in.
    dialect: ClassVar[str]
    capabilities: ClassVar[BackendCapabilities]

    @abstractmethod
    def relation(self, snapshot: TableSnapshot) -> Relation:
        """The relation that reads ``snapshot`` (a table function, a view name, ...)."""

    @abstractmethod
    def execute(self, job: BackendJob) -> pa.Table:
        """Run ``job`` and return every row it produces.

        Raises the ``NeuroLakeError`` matching the failure, wrapping the backend's own
        exception; an interrupted job raises ``QueryCancelledError``.
        """

    @abstractmethod
    def explain(self, job: BackendJob) -> str:
        """The backend's physical plan of ``job`` as text, without running it."""

    @abstractmethod
    def interrupt(self, job_id: str) -> bool:
        """Ask the running job ``job_id`` to stop; False when no such job is running."""

    @abstractmethod
    def close(self) -> None:
        """Release the backend's resources; safe to call more than once."""
