"""NeuroLakeEngine: the one door every query goes through, typed or generated.

prepare (parse, safety, tables, parameters; cached per SQL text) ─► permission ─► bind
parameters ─► pin one snapshot per table ─► check columns ─► optimize against the pinned
schemas (cached per normalized SQL and table shapes) ─► result cache (identical concurrent
queries run once) ─► backend job (row window pushed down, time limit, cancellable) ─► Arrow
result ─► history.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from neurolake.catalog.repositories import history as history_repo
from neurolake.config.settings import EngineSettings
from neurolake.engine.base import Backend, BackendJob, BoundParams
from neurolake.engine.execution import HistoryWriter, QueryExecution, RunningQueries, RunningQuery
from neurolake.engine.history_spool import HistorySpool
from neurolake.engine.hooks import OptimizerHook, ResultCache
from neurolake.engine.optimization import StatementOptimizer, default_optimizer
from neurolake.engine.params import Params, bind_parameters
from neurolake.engine.parsing import SqlLimits
from neurolake.engine.plan import PlannedTable, QueryPlan
from neurolake.engine.result import QueryMetrics, QueryResult
from neurolake.engine.safety import StatementKind, require_permission
from neurolake.engine.snapshots import SnapshotResolver, TableSnapshot
from neurolake.engine.statement import PreparedStatement, StatementPreparer
from neurolake.engine.templates import QueryTemplates
from neurolake.engine.validation import check_columns
from neurolake.engine.window import RowWindow
from neurolake.engine.writes import WriteRunner
from neurolake.errors import QueryValidationError
from neurolake.observability.metrics import METRICS
from neurolake.storage.schema import sql_type

if TYPE_CHECKING:
    from neurolake.cache import EngineResultCache
    from neurolake.catalog import Catalog, QueryHistory, User
    from neurolake.config import Settings
    from neurolake.storage import DeltaStorageManager

log = logging.getLogger("neurolake.engine")


class NeuroLakeEngine:
    """Runs SQL on lakehouse tables: safely, on pinned snapshots, observably."""

    def __init__(
        self,
        catalog: Catalog,
        storage: DeltaStorageManager,
        *,
        backend: Backend | None = None,
        settings: Settings | None = None,
        optimizer: OptimizerHook | None = None,
        cache: ResultCache | EngineResultCache | None = None,
        statement_cache_size: int = 256,
    ) -> None:
        """``optimizer`` defaults to ``default_optimizer()`` (the optimizer's rules; subqueries are
        left for the backend to decorrelate). It runs on queries that do not choose
        (``optimize=``) when both it and ``NEUROLAKE_ENGINE__OPTIMIZER_ENABLED`` are on.
        ``cache`` (a ``QueryCache``) is off when None; the caller owns and closes it."""
        self.catalog = catalog
        self.storage = storage
        self.config: EngineSettings = settings.engine if settings is not None else EngineSettings()
        self.backend = backend or _duckdb_backend(storage, self.config, settings)
        self._preparer = StatementPreparer(
            dialect=self.backend.dialect,
            cache_size=statement_cache_size,
            limits=SqlLimits(self.config.max_sql_chars, self.config.max_sql_depth),
        )
        self.optimizer = optimizer if optimizer is not None else default_optimizer(self.config.optimizer_enabled)
        self.optimize_by_default = self.config.optimizer_enabled and self.optimizer.enabled
        self._optimizer = StatementOptimizer(self.optimizer, self._preparer, dialect=self.backend.dialect)
        self.cache: ResultCache | None = _query_cache(cache)
        self._results = _engine_results(self.cache)
        self._snapshots = SnapshotResolver(storage)
        self._running = RunningQueries(self.backend)
        self._history = HistoryWriter(catalog, spool=HistorySpool.at(settings.home) if settings is not None else None)
        self._writes = WriteRunner(storage)
        self.templates = QueryTemplates(catalog, self._preparer)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, catalog: Catalog, storage: DeltaStorageManager, **hooks: Any
    ) -> NeuroLakeEngine:
        """The engine on the backend ``settings.engine.backend`` names: ``duckdb`` or ``spark``.

        Building a Spark engine starts no JVM; the Spark session starts on the first query.
        """
        if settings.engine.backend == "spark" and hooks.get("backend") is None:
            from neurolake.engine.spark import SparkBackend

            hooks["backend"] = SparkBackend.from_settings(settings, storage)
        return cls(catalog, storage, settings=settings, **hooks)

    # --------------------------------------------------------------------------- queries

    def execute_sql(
        self,
        sql: str,
        params: Params = None,
        *,
        limit: int | None = None,
        timeout_s: float | None = None,
        page: int | None = None,
        page_size: int | None = None,
        use_cache: bool = True,
        optimize: bool | None = None,
        user: User | None = None,
        allow_write: bool = False,
        question: str | None = None,
        query_id: str | None = None,
    ) -> QueryResult:
        """Run one statement and return its rows.

        ``limit`` caps the rows (default ``NEUROLAKE_ENGINE__ROW_LIMIT``, 10,000) and sets
        ``truncated`` when more exist; ``page``/``page_size`` return one page instead.
        ``timeout_s`` defaults to ``NEUROLAKE_ENGINE__TIMEOUT_S``. Writes need
        ``allow_write`` (or ``NEUROLAKE_ENGINE__READ_ONLY=false``). ``use_cache=False``
        neither reads nor stores a cached result; ``optimize`` overrides the optimizer setting
        for this query. Every call, failed ones too, is recorded in the query history.
        """
        with self.execution(sql, user=user, question=question, query_id=query_id) as run:
            window = RowWindow.of(limit or self.config.row_limit, page, page_size)
            statement = self._preparer.prepare(sql)
            require_permission(
                statement.kind, allow_write=allow_write or not self.config.read_only, label=statement.label
            )
            bound, values = bind_parameters(statement.parameters, params)
            with self._running.track(run.query_id, timeout_s or self.config.timeout_s) as running:
                if statement.kind is StatementKind.QUERY:
                    options = _QueryOptions(use_cache, optimize, user)
                    result = self._query(statement, bound, values, window, run, running, options)
                else:
                    table = self._other(statement, bound, values, run, running, optimize)
                    table, truncated = window.cut(table.slice(window.offset))
                    result = self._result(run, table, truncated, window)
            run.rows, run.bytes = result.row_count, result.table.nbytes
            return result

    def explain(self, sql: str, params: Params = None, *, optimize: bool | None = None) -> QueryPlan:
        """The plan of a query (or of ``EXPLAIN <query>``) without running it: the tables and
        versions it reads, each optimizer rule that fired with the SQL it produced, and the
        backend's physical plan of the SQL that would run."""
        statement = self._preparer.prepare(sql)
        if statement.inner is not None and statement.kind in (StatementKind.EXPLAIN, StatementKind.DESCRIBE):
            statement = statement.inner
        if statement.kind is not StatementKind.QUERY:
            raise QueryValidationError(f"Only queries can be explained, not {statement.label}.")
        bound, values = bind_parameters(statement.parameters, params)
        pinned = self._pin(statement, values, None)
        check_columns(statement, pinned)
        runnable, snapshots = self._optimized(statement, pinned, optimize)
        job = self._job(runnable, snapshots, bound, RowWindow(self.config.row_limit), uuid.uuid4().hex)
        tables = tuple(
            PlannedTable(ref.name, ref.alias, s.version, s.scan, len(s.file_uris), s.scan_reason)
            for ref, s in zip(runnable.tables, snapshots, strict=True)
        )
        return QueryPlan(
            sql,
            self.backend.name,
            tables,
            self.backend.explain(job),
            optimizer=runnable.optimizer,
            optimized_sql=runnable.canonical if runnable.optimizer.rules else None,
        )

    def execute_template(self, name: str, params: Mapping[str, Any] | None = None, **options: Any) -> QueryResult:
        """Run the stored template ``name`` with ``params`` (checked against its declaration)."""
        template = self.templates.get(name)
        return self.execute_sql(template.sql, template.bind(params), **options)

    def execution(
        self, sql: str, *, user: User | None = None, question: str | None = None, query_id: str | None = None
    ) -> QueryExecution:
        """The context manager a query runs in: logging and a history row, whatever happens.

        ``query_id`` lets a caller (the REST API) name the query up front so it can be cancelled.
        """
        return QueryExecution(
            self._history, sql, backend=self.backend.name, user=user, question=question, query_id=query_id
        )

    def cancel(self, query_id: str) -> bool:
        """Stop a running query from any thread; False when it is not running."""
        return self._running.cancel(query_id)

    def running_queries(self) -> list[str]:
        """Ids of the queries running now."""
        return self._running.running()

    def invalidate(self, table: str | None = None) -> None:
        """Forget cached snapshots (of one table or all) and the table's cached results."""
        self._snapshots.invalidate(table)
        if table is not None:
            self._forget_results(table)

    def history(self, *, limit: int = 50, user: User | None = None) -> list[QueryHistory]:
        """Recent queries, newest first (waits for rows still being written)."""
        self.flush_history()
        with self.catalog.session() as session:
            return history_repo.list_queries(session, user_id=user.id if user is not None else None, limit=limit)

    def flush_history(self) -> None:
        """Wait until every query run so far is in ``query_history``."""
        self._history.flush()

    def close(self) -> None:
        """Write pending history and stop the backend; safe to call more than once."""
        self._history.close()
        self._running.close()
        self.backend.close()

    def __enter__(self) -> NeuroLakeEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --------------------------------------------------------------------------- kinds

    def _query(
        self,
        statement: PreparedStatement,
        bound: BoundParams,
        values: dict[str, Any],
        window: RowWindow,
        run: QueryExecution,
        running: RunningQuery,
        options: _QueryOptions,
    ) -> QueryResult:
        pinned = self._pin(statement, values, run)
        check_columns(statement, pinned)  # on the query as written: errors point at its text
        runnable, snapshots = self._optimized(statement, pinned, options.optimize)
        rules = runnable.optimizer.applied
        METRICS.rules_fired(rules)

        def compute() -> QueryResult:
            job = self._job(runnable, snapshots, bound, window, run.query_id, running)
            table, truncated = window.cut(self.backend.execute(job))
            return self._result(run, table, truncated, window, rules)

        key = self._cache_key(runnable, bound, window, options.user, pinned) if options.use_cache else None
        if key is None or self._results is None:
            return compute()
        result, shared = self._results.get_or_compute(key, compute)
        if not shared:
            return result
        # A stored result, or one an identical query running alongside just computed.
        run.cache_hit = True
        served = result.with_metrics(
            query_id=run.query_id, duration_ms=run.elapsed_ms, cache_hit=True, rules_applied=rules
        )
        return replace(served, sql=run.sql)

    def _optimized(
        self, statement: PreparedStatement, snapshots: list[TableSnapshot], optimize: bool | None
    ) -> tuple[PreparedStatement, list[TableSnapshot]]:
        """The statement to run (the optimizer's rewrite, or as written) and its snapshots."""
        if not (self.optimize_by_default if optimize is None else optimize):
            return statement, snapshots
        runnable = self._optimizer.optimize(statement, snapshots)
        if runnable.tables is statement.tables:
            return runnable, snapshots
        # The rewrite may reorder or drop table references: give each its pinned snapshot.
        pinned = {(ref.name, ref.version): s for ref, s in zip(statement.tables, snapshots, strict=True)}
        return runnable, [pinned[(ref.name, ref.version)] for ref in runnable.tables]

    def _other(
        self,
        statement: PreparedStatement,
        bound: BoundParams,
        values: dict[str, Any],
        run: QueryExecution,
        running: RunningQuery,
        optimize: bool | None = None,
    ) -> pa.Table:
        """EXPLAIN, DESCRIBE, SHOW TABLES and writes: small results built here."""
        if statement.kind is StatementKind.EXPLAIN:
            plan = self.explain(statement.sql, bound if isinstance(bound, Sequence) else values, optimize=optimize)
            return pa.table({"plan": plan.render().splitlines()})
        if statement.kind is StatementKind.SHOW_TABLES:
            return pa.table({"name": pa.array(self.storage.list_tables(), pa.string())})
        if statement.kind is StatementKind.DESCRIBE:
            return self._describe(statement, bound, values, run, running)

        def run_source(inner: PreparedStatement, inner_bound: BoundParams, inner_values: dict[str, Any]) -> pa.Table:
            snapshots = self._pin(inner, inner_values, run)
            check_columns(inner, snapshots)
            return self.backend.execute(self._job(inner, snapshots, inner_bound, None, run.query_id, running))

        outcome = self._writes.run(statement, bound, values, run_source)
        # New versions already make old cache entries unreachable; this frees their space now.
        self._forget_results(str(outcome.column("table")[0].as_py()))
        return outcome

    def _describe(
        self,
        statement: PreparedStatement,
        bound: BoundParams,
        values: dict[str, Any],
        run: QueryExecution,
        running: RunningQuery,
    ) -> pa.Table:
        inner = statement.inner
        assert inner is not None
        snapshots = self._pin(inner, values, run)
        check_columns(inner, snapshots)
        if isinstance(statement.tree.this, exp.Table):
            schema = snapshots[0].schema  # the table's own schema, with nullability
        else:
            job = self._job(inner, snapshots, bound, RowWindow(1), run.query_id, running)
            schema = self.backend.execute(job).schema
        return pa.table(
            {
                "column_name": pa.array(schema.names, pa.string()),
                "column_type": pa.array([sql_type(f.type) for f in schema], pa.string()),
                "nullable": pa.array([f.nullable for f in schema], pa.bool_()),
            }
        )

    # --------------------------------------------------------------------------- helpers

    def _pin(
        self, statement: PreparedStatement, values: dict[str, Any], run: QueryExecution | None
    ) -> list[TableSnapshot]:
        """One snapshot per table reference; a table named twice the same way is pinned once."""
        pinned: dict[tuple[str, Any], TableSnapshot] = {}
        snapshots = []
        for ref in statement.tables:
            key = (ref.name, ref.version.resolve(values) if ref.version is not None else None)
            if key not in pinned:
                pinned[key] = self._snapshots.pin(ref.name, ref.version, values)
            snapshots.append(pinned[key])
            if run is not None:
                run.read(ref.name, pinned[key].version)
        return snapshots

    def _job(
        self,
        statement: PreparedStatement,
        snapshots: list[TableSnapshot],
        bound: BoundParams,
        window: RowWindow | None,
        job_id: str,
        running: RunningQuery | None = None,
    ) -> BackendJob:
        relations = [self.backend.relation(s) for s in snapshots]
        sql = statement.render([r.sql for r in relations])
        if window is not None:
            sql = window.apply(
                sql,
                appendable=statement.appendable_limit,
                query_limit=statement.query_limit,
                query_offset=statement.query_offset,
            )
        registrations = {name: s for r in relations for name, s in r.registrations.items()}
        job = BackendJob(job_id, sql, bound, registrations)
        if running is not None:
            job.stop = running.stop
        return job

    def _result(
        self,
        run: QueryExecution,
        table: pa.Table,
        truncated: bool,
        window: RowWindow,
        rules_applied: tuple[str, ...] = (),
    ) -> QueryResult:
        metrics = QueryMetrics(
            query_id=run.query_id,
            backend=self.backend.name,
            rows=table.num_rows,
            bytes=table.nbytes,
            duration_ms=run.elapsed_ms,
            tables_read={name: list(versions) for name, versions in run.tables_read.items()},
            rules_applied=rules_applied,
        )
        return QueryResult(table, run.sql, metrics, truncated, window.page, window.page_size)

    def _cache_key(
        self,
        statement: PreparedStatement,
        bound: BoundParams,
        window: RowWindow,
        user: User | None,
        snapshots: list[TableSnapshot],
    ) -> str | None:
        """Normalized optimized SQL + parameters + window + role + every table version read
        (+ backend); None when there is no cache to ask or a parameter cannot be keyed."""
        if self.cache is None or not self.cache.enabled:
            return None
        from neurolake.cache import build_cache_key

        try:
            return build_cache_key(
                statement.canonical,
                bound,
                window.limit,
                (window.offset, window.page, window.page_size),
                user.role if user is not None else None,
                key_versions(snapshots),
                engine=self.backend.name,
            )
        except TypeError as e:  # a parameter type with no unambiguous encoding
            log.debug("query runs uncached: %s", e)
            return None

    def _forget_results(self, table: str) -> None:
        """Drop the cached results that read ``table`` (a cleanup: never fails the caller)."""
        if self.cache is None:
            return
        try:
            self.cache.invalidate(table)
        except Exception as e:
            log.warning("could not drop cached results of %s: %s", table, e)


@dataclass(frozen=True, slots=True)
class _QueryOptions:
    """Per-query choices that only the query path reads."""

    use_cache: bool
    optimize: bool | None
    user: User | None


def key_versions(snapshots: Sequence[TableSnapshot]) -> dict[str, int]:
    """Every table version read, as ``build_cache_key`` takes them: ``name@<id>@vN`` -> N.

    One entry per version, so a table read at two versions (time travel) counts both; the
    Delta table id means a table dropped and created again under its name (its versions
    start again at 0) never meets its predecessor's results.
    """
    return {f"{s.name}@{s.table_id}@v{s.version}": s.version for s in snapshots}


def _query_cache(cache: ResultCache | EngineResultCache | None) -> ResultCache | None:
    """The ``QueryCache`` itself when given one wrapped in the older ``EngineResultCache`` hook."""
    if cache is None or isinstance(cache, ResultCache):
        return cache
    return cache.cache


def _engine_results(cache: ResultCache | None) -> EngineResultCache | None:
    """Converts between ``QueryResult`` and the cache's Arrow entries (None without a cache)."""
    if cache is None:
        return None
    from neurolake.cache import EngineResultCache

    return EngineResultCache(cache)  # type: ignore[arg-type]


def _duckdb_backend(storage: DeltaStorageManager, config: EngineSettings, settings: Settings | None) -> Backend:
    from neurolake.engine.duckdb import DuckDBBackend
    from neurolake.engine.snapshots import root_spellings

    temp = str(Path(settings.home).resolve() / "tmp" / "duckdb") if settings is not None else None
    return DuckDBBackend(
        allowed_directories=() if storage.is_remote else root_spellings(storage.root),
        memory_limit=config.memory_limit,
        threads=config.threads,
        temp_directory=temp,
    )
