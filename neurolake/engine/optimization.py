"""The optimizer's place in a query: after snapshots are pinned, before the cache and the backend.

The optimizer is given the pinned versions' schemas (so ``*`` expands to the columns that
version has, and an old version keeps its old columns) and their row counts (from the
Delta log). Its rewrite is prepared like any statement and kept per normalized SQL and what
the rewrite depends on: each table's identity, columns and row count as a power of two. A
repeated query pays for optimization once, and so does one over a table that only grows by
appends; a new column, a recreated table or a table that doubles in size is optimized again
(row counts only guide join order, never a result). A rewrite the engine cannot use (the
optimizer failed, or the rewrite reads other tables or takes other parameters) leaves the
query as written, with the reason in the plan and the log: optimization never fails a query.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

from neurolake.engine.hooks import OptimizerHook
from neurolake.engine.plan import OptimizerReport, RuleApplied
from neurolake.engine.snapshots import TableSnapshot
from neurolake.engine.statement import PreparedStatement, StatementPreparer
from neurolake.storage.schema import sql_type

if TYPE_CHECKING:
    from neurolake.optimizer import QueryOptimizer

log = logging.getLogger("neurolake.engine")

_MAX_SHAPES = 4096


#: Table name, Delta table id, columns (name and type), rows as a power of two.
TableShape = tuple[str, str, tuple[tuple[str, str], ...], int]


class StatementOptimizer:
    """Optimizes prepared queries against pinned snapshots and remembers the rewrites."""

    def __init__(self, optimizer: OptimizerHook, preparer: StatementPreparer, *, dialect: str) -> None:
        self.optimizer = optimizer
        self.preparer = preparer
        self.dialect = dialect
        # Snapshots are immutable, so a version's shape is computed once.
        self._shapes: dict[tuple[str, str, int], TableShape] = {}

    def optimize(self, statement: PreparedStatement, snapshots: Sequence[TableSnapshot]) -> PreparedStatement:
        """The statement to run instead of ``statement`` (``snapshots`` are its pinned tables)."""
        shapes = tuple(sorted({self._shape(s) for s in snapshots}))
        return self.preparer.rewrites.get_or_build(
            (statement.canonical, shapes), lambda: self._rewrite(statement, snapshots)
        )

    def _shape(self, snapshot: TableSnapshot) -> TableShape:
        """What a rewrite depends on in one snapshot (the version itself does not matter)."""
        key = (snapshot.name, snapshot.table_id, snapshot.version)
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= _MAX_SHAPES:
                self._shapes.clear()
            columns = tuple((f.name, str(f.type)) for f in snapshot.schema)
            magnitude = snapshot.row_count.bit_length() if snapshot.row_count is not None else -1
            shape = self._shapes[key] = (snapshot.name, snapshot.table_id, columns, magnitude)
        return shape

    def _rewrite(self, statement: PreparedStatement, snapshots: Sequence[TableSnapshot]) -> PreparedStatement:
        started = time.perf_counter()
        try:
            outcome = self.optimizer.optimize(
                statement.tree,
                schema=optimizer_schema(snapshots),
                row_counts=row_counts(snapshots),
                dialect=self.dialect,
                enabled=True,
            )
        except Exception as error:  # the optimizer isolates its rules; this guards the rest of it
            log.warning("the optimizer failed, the query runs as written: %s: %s", type(error).__name__, error)
            log.debug("optimizer failure", exc_info=True)
            return _as_written(statement, f"optimizer not applied: {type(error).__name__}: {error}", started)
        notes = [f"{rule} not applied: {reason}" for rule, reason in outcome.errors.items()]
        if outcome.error:
            notes.append(f"optimizer not applied: {outcome.error}")
        applied = set(outcome.applied)
        report = OptimizerReport(
            enabled=True,
            rules=tuple(RuleApplied(c.rule, c.sql_after, c.duration_ms) for c in outcome.changes if c.rule in applied),
            notes=tuple(notes),
            duration_ms=outcome.duration_ms,
        )
        if not report.rules:
            return _with_report(statement, report)  # the query as written: nothing to prepare
        try:
            rewritten = self.preparer.prepare_rewrite(statement, outcome.tree, report)
        except Exception as error:  # e.g. a rewrite the safety checks refuse: run what was written
            log.warning("the optimizer's rewrite was not used: %s", error)
            return _as_written(statement, f"rewrite not used: {error}", started)
        problem = _incompatibility(statement, rewritten)
        if problem is not None:
            log.warning("the optimizer's rewrite was not used: %s", problem)
            return _as_written(statement, f"rewrite not used: {problem}", started)
        return rewritten


def default_optimizer(enabled: bool = True) -> QueryOptimizer:
    """The optimizer the engine runs: the default rules, except that subqueries stay subqueries.

    DuckDB and Spark decorrelate ``IN``, ``EXISTS`` and scalar subqueries themselves, and do it
    better than sqlglot's unnesting (an aggregate over the whole inner table, then a join):
    on TPC-H SF1 unnesting made Q4 3.1x, Q21 2.4x and Q22 2.3x slower, the 22 queries 1.35x
    slower in all; without it they ran as fast as the SQL as written. The rule keeps its name
    and still merges derived tables and CTEs and drops unused CTEs.
    """
    from neurolake.optimizer import RULES, FunctionRule, QueryOptimizer
    from neurolake.optimizer.redundant_subquery_elimination import redundant_subquery_elimination

    keep_subqueries = FunctionRule(
        partial(redundant_subquery_elimination, unnest=False),
        needs_qualified_tree=True,
        name="redundant_subquery_elimination",
    )
    rules = tuple(keep_subqueries if rule.name == keep_subqueries.name else rule for rule in RULES)
    return QueryOptimizer(rules, enabled=enabled)


def optimizer_schema(snapshots: Sequence[TableSnapshot]) -> dict[str, dict[str, str]] | None:
    """Table -> column -> SQL type of the pinned versions.

    None when one table is read at versions with different columns: the optimizer keys its
    schema by table name, so it could only describe one of them (its qualifying rules then
    skip themselves, and the query runs with the rules that need no schema).
    """
    schema: dict[str, dict[str, str]] = {}
    for snapshot in snapshots:
        columns = {f.name: sql_type(f.type) for f in snapshot.schema}
        if schema.setdefault(snapshot.name, columns) != columns:
            return None
    return schema


def row_counts(snapshots: Sequence[TableSnapshot]) -> dict[str, int]:
    """Table -> rows of the pinned versions (the largest when several versions are read)."""
    counts: dict[str, int] = {}
    for snapshot in snapshots:
        if snapshot.row_count is not None:
            counts[snapshot.name] = max(counts.get(snapshot.name, 0), snapshot.row_count)
    return counts


def _incompatibility(original: PreparedStatement, rewritten: PreparedStatement) -> str | None:
    """Why the rewrite cannot run with the original's pinned snapshots and parameters."""
    if not {(t.name, t.version) for t in rewritten.tables} <= {(t.name, t.version) for t in original.tables}:
        return "it reads tables or versions the query does not"
    if rewritten.parameters != original.parameters:
        return "it changes the query's parameters"
    return None


def _as_written(statement: PreparedStatement, note: str, started: float) -> PreparedStatement:
    elapsed = round((time.perf_counter() - started) * 1000, 3)
    return _with_report(statement, OptimizerReport(enabled=True, notes=(note,), duration_ms=elapsed))


def _with_report(statement: PreparedStatement, report: OptimizerReport) -> PreparedStatement:
    """``statement`` as written, carrying what the optimizer said about it."""
    return replace(statement, optimizer=report)
