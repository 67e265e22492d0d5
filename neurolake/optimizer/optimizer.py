"""QueryOptimizer: run the ordered rules over a copy of a query tree and explain what changed.

``RULES`` is the order rules run in; each step feeds the next. Safety comes first: the caller's
tree is copied once and never touched, every rule works on its own snapshot, and a rule that
raises, or whose rewrite fails a check (result columns, time travel, parameters), is skipped
with the reason recorded, keeping the tree from before it. Optimization never fails a query.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlglot import exp

from neurolake.optimizer.collection import collection_paused
from neurolake.optimizer.constant_folding import constant_folding
from neurolake.optimizer.invariants import check_rewrite, tag_positional_parameters, time_travel
from neurolake.optimizer.join_reordering import join_reordering
from neurolake.optimizer.outputs import OutputContract, UnsafeRewrite, remember_identifier_case
from neurolake.optimizer.plain_read import is_plain_read
from neurolake.optimizer.predicate_pushdown import predicate_pushdown
from neurolake.optimizer.projection_pruning import projection_pruning
from neurolake.optimizer.qualify import build_schema, is_qualified, qualify
from neurolake.optimizer.redundant_subquery_elimination import redundant_subquery_elimination
from neurolake.optimizer.rule import FunctionRule, OptimizationContext, OptimizationRule, RuleSkipped
from neurolake.optimizer.trees import same_tree, share_scalar_meta

if TYPE_CHECKING:
    from neurolake.config import Settings

logger = logging.getLogger(__name__)

RULES: tuple[OptimizationRule, ...] = (
    # names every column's table and expands stars; the rules marked below depend on it
    FunctionRule(qualify, preparatory=True),
    # first, so later rules see `WHERE 1 = 1` gone and constants computed
    FunctionRule(constant_folding),
    # merging subqueries first gives pushdown whole joins to work on
    FunctionRule(redundant_subquery_elimination, needs_qualified_tree=True),
    FunctionRule(predicate_pushdown, needs_qualified_tree=True),
    # after merging and pushdown, so only columns still read are kept
    FunctionRule(projection_pruning, needs_qualified_tree=True),
    # last: it moves the ON conditions pushdown placed
    FunctionRule(join_reordering, needs_qualified_tree=True),
)
#: Why a plain read (one table's columns, see ``is_plain_read``) skips every default rule.
PLAIN_READ = "a plain read of one table's columns: no rule has anything to change"
#: The rules known to leave a plain read as it is (by name: the engine swaps in its own variant).
_DEFAULT_NAMES = frozenset(rule.name for rule in RULES)


@dataclass(frozen=True)
class RuleChange:
    """What one rule did to the query: whether it changed it, how long it took, SQL before and after.

    ``error`` holds why the rule's work was discarded (it raised, or its rewrite was unsafe);
    ``skipped`` why it did not run (it does not apply to this query).
    """

    rule: str
    changed: bool
    duration_ms: float
    sql_before: str
    sql_after: str
    error: str | None = None
    skipped: str | None = None

    @property
    def name(self) -> str:
        """The rule's name (the same as ``rule``)."""
        return self.rule


@dataclass
class OptimizationResult:
    """The optimized tree and SQL, the rules that changed it, and the log of every rule that ran.

    When no optimization rule changed the query, ``tree`` and ``sql`` are the query as written;
    ``error`` says why when the optimizer itself failed (the query then runs as written too).
    ``sql`` is generated from ``tree`` in ``dialect`` when first read: the engine prints the
    tree itself, so it never pays for it.
    """

    tree: exp.Expr
    changes: list[RuleChange] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    enabled: bool = True
    duration_ms: float = 0.0
    error: str | None = None
    dialect: str = "duckdb"
    _sql: str | None = field(default=None, repr=False, compare=False)

    @property
    def sql(self) -> str:
        """The SQL of ``tree`` in ``dialect`` (generated once, on first read)."""
        if self._sql is None:
            self._sql = self.tree.sql(self.dialect)
        return self._sql

    @property
    def timings(self) -> dict[str, float]:
        """Milliseconds spent in each rule."""
        return {change.rule: change.duration_ms for change in self.changes}

    @property
    def errors(self) -> dict[str, str]:
        """Rules whose work was discarded, with the reason."""
        return {change.rule: change.error for change in self.changes if change.error}

    def describe(self) -> list[str]:
        """One line per rule that changed the query (with the SQL it produced) or was refused.

        >>> from sqlglot import parse_one
        >>> QueryOptimizer().optimize(parse_one("SELECT a FROM t WHERE 1 = 1")).describe()[0][:28]
        'constant_folding: SELECT a F'
        """
        lines = [f"{c.rule}: {c.sql_after}" for c in self.changes if c.changed]
        lines += [f"{c.rule} not applied: {c.error}" for c in self.changes if c.error]
        return lines + ([f"optimizer not applied: {self.error}"] if self.error else [])


def register_rule(
    rule: OptimizationRule,
    *,
    before: str | None = None,
    after: str | None = None,
    rules: Sequence[OptimizationRule] = RULES,
) -> tuple[OptimizationRule, ...]:
    """A new rule order with ``rule`` added before or after a named rule (at the end by default).

    >>> from neurolake.optimizer.rule import FunctionRule
    >>> def no_op(tree): return tree
    >>> [r.name for r in register_rule(FunctionRule(no_op), after="qualify")][:3]
    ['qualify', 'no_op', 'constant_folding']
    """
    names = [r.name for r in rules]
    if rule.name in names:
        raise ValueError(f"a rule named {rule.name!r} is already registered")
    if before is not None and after is not None:
        raise ValueError("give either before= or after=, not both")
    anchor = before if before is not None else after
    if anchor is None:
        return (*rules, rule)
    if anchor not in names:
        raise ValueError(f"no rule named {anchor!r}; rules are {', '.join(names)}")
    index = names.index(anchor) + (1 if after is not None else 0)
    return (*rules[:index], rule, *rules[index:])


class QueryOptimizer:
    """Runs optimization rules over sqlglot trees; ``enabled`` is the default for every query."""

    def __init__(self, rules: Iterable[OptimizationRule] | None = None, *, enabled: bool = True) -> None:
        self.rules: tuple[OptimizationRule, ...] = tuple(RULES if rules is None else rules)
        names = [rule.name for rule in self.rules]
        if len(set(names)) != len(names):
            raise ValueError(f"rule names must be unique: {', '.join(names)}")
        self.enabled = enabled

    @classmethod
    def from_settings(cls, settings: Settings) -> QueryOptimizer:
        """The default rules, switched on or off by ``settings.engine.optimizer_enabled``."""
        return cls(enabled=settings.engine.optimizer_enabled)

    def register(self, rule: OptimizationRule, *, before: str | None = None, after: str | None = None) -> None:
        """Add a rule to this optimizer before or after a named rule (at the end by default)."""
        self.rules = register_rule(rule, before=before, after=after, rules=self.rules)

    def optimize(
        self,
        tree: exp.Expr,
        *,
        schema: Mapping[str, Mapping[str, str]] | None = None,
        row_counts: Mapping[str, int] | None = None,
        dialect: str = "duckdb",
        enabled: bool | None = None,
    ) -> OptimizationResult:
        """Rewrite a copy of ``tree``; never raises for a query it cannot improve.

        ``schema`` maps table -> column -> type (without it, rules that must know each column's
        table are skipped); ``row_counts`` maps table -> rows; ``enabled`` overrides the
        optimizer's default for this query. Only queries (SELECT, set operations) are rewritten.
        """
        start = time.perf_counter()
        on = self.enabled if enabled is None else enabled
        if not on or not isinstance(tree, exp.Query):
            return OptimizationResult(tree.copy(), enabled=on, duration_ms=_elapsed_ms(start), dialect=dialect)
        try:
            with collection_paused():
                return self._optimize(tree, schema, row_counts, dialect, start)
        except Exception as error:  # a bug outside any one rule still must not fail the query
            message = f"{type(error).__name__}: {error}"
            logger.warning("query optimizer failed, the query runs as written: %s", message)
            logger.debug("query optimizer failure", exc_info=True)
            return OptimizationResult(tree.copy(), error=message, duration_ms=_elapsed_ms(start), dialect=dialect)

    def _optimize(
        self,
        tree: exp.Expr,
        schema: Mapping[str, Mapping[str, str]] | None,
        row_counts: Mapping[str, int] | None,
        dialect: str,
        start: float,
    ) -> OptimizationResult:
        if is_plain_read(tree) and all(rule.name in _DEFAULT_NAMES for rule in self.rules):
            return self._plain_read(tree, dialect, start)
        working = tree.copy()  # the one copy of the caller's tree; it is never touched
        context = _context(working, schema, row_counts, dialect)
        if context.outputs is None:  # no select list names the result (VALUES, ...)
            return OptimizationResult(working, duration_ms=_elapsed_ms(start), dialect=dialect)

        tag_positional_parameters(working, dialect=dialect)
        share_scalar_meta(working)  # cheaper copies from here on
        sql = working.sql(dialect)
        run = _Pass(parameters=any(True for _ in working.find_all(exp.Placeholder)))
        changes: list[RuleChange] = []
        qualified: bool | None = None  # known once asked, until the tree changes
        for rule in self.rules:
            if getattr(rule, "needs_qualified_tree", False):
                qualified = is_qualified(working) if qualified is None else qualified
                if not qualified:
                    changes.append(self._skipped(rule.name, sql, "columns are not qualified with their tables"))
                    continue
            working, change = self._run(rule, working, context, sql, run)
            changes.append(change)
            if change.changed:
                sql, qualified = change.sql_after, None
        applied = [c.rule for c, r in zip(changes, self.rules, strict=True) if c.changed and not _preparatory(r)]
        # with nothing optimized, hand back the query as written rather than its qualified form
        final = context.outputs.restore(working) if applied else tree.copy()
        return OptimizationResult(final, changes, applied, duration_ms=_elapsed_ms(start), dialect=dialect)

    def _plain_read(self, tree: exp.Expr, dialect: str, start: float) -> OptimizationResult:
        """The query as written, each rule skipped: its cost is one copy, not six rules' work."""
        sql = tree.sql(dialect)
        changes = [self._skipped(rule.name, sql, PLAIN_READ) for rule in self.rules]
        return OptimizationResult(tree.copy(), changes, duration_ms=_elapsed_ms(start), dialect=dialect, _sql=sql)

    def _run(
        self, rule: OptimizationRule, tree: exp.Expr, context: OptimizationContext, sql_before: str, run: _Pass
    ) -> tuple[exp.Expr, RuleChange]:
        """Apply one rule to a snapshot of ``tree``; on any failure keep ``tree`` and say why."""
        start = time.perf_counter()
        name = rule.name
        snapshot, run.spare = (run.spare, None) if run.spare is not None else (tree.copy(), None)
        try:
            rewritten = rule.apply(snapshot, context=context)
            if rewritten.parent is None and same_tree(rewritten, tree):
                # The same tree, so the same SQL: no need to generate it. And a copy of ``tree``
                # in every respect, so it can be the next rule's snapshot instead of a new copy.
                run.spare = rewritten
                return tree, RuleChange(name, False, _elapsed_ms(start), sql_before, sql_before)
            share_scalar_meta(rewritten)
            sql_after = rewritten.sql(context.dialect)
            if sql_after == sql_before:
                return tree, RuleChange(name, False, _elapsed_ms(start), sql_before, sql_before)
            if run.reads is None:
                run.reads = time_travel(tree)
            check_rewrite(tree, rewritten, dialect=context.dialect, reads_before=run.reads, parameters=run.parameters)
            if context.outputs is not None:
                context.outputs.verify(rewritten)
        except RuleSkipped as reason:
            return tree, self._skipped(name, sql_before, str(reason), start)
        except UnsafeRewrite as refusal:  # the checks did their job: worth knowing, not alarming
            logger.info("optimizer rule %s was refused: %s", name, refusal)
            return tree, RuleChange(name, False, _elapsed_ms(start), sql_before, sql_before, error=str(refusal))
        except Exception as error:  # a broken rule must never fail the query
            message = f"{type(error).__name__}: {error}"
            logger.warning("optimizer rule %s failed and was skipped: %s", name, message)
            logger.debug("optimizer rule %s failure", name, exc_info=True)
            return tree, RuleChange(name, False, _elapsed_ms(start), sql_before, sql_before, error=message)

        run.reads = None  # the tree changes
        change = RuleChange(name, True, _elapsed_ms(start), sql_before, sql_after)
        logger.debug(
            "optimizer rule %s rewrote the query in %.2f ms\n  before: %s\n  after:  %s",
            name,
            change.duration_ms,
            sql_before,
            sql_after,
            extra={"rule": name, "duration_ms": change.duration_ms},
        )
        return rewritten, change

    @staticmethod
    def _skipped(name: str, sql: str, reason: str, start: float | None = None) -> RuleChange:
        logger.debug("optimizer rule %s skipped: %s", name, reason)
        duration = _elapsed_ms(start) if start is not None else 0.0
        return RuleChange(name, False, duration, sql, sql, skipped=reason)


@dataclass
class _Pass:
    """What one optimization keeps between rules to avoid repeating work."""

    #: The query has positional parameters (``?``); without any, no rewrite can reorder them.
    parameters: bool
    #: A copy of the current tree nobody else holds: an unchanged rule's output.
    spare: exp.Expr | None = None
    #: The current tree's table reads (see :func:`time_travel`), once computed.
    reads: Counter[tuple[str, str]] | None = None


def _preparatory(rule: OptimizationRule) -> bool:
    return bool(getattr(rule, "preparatory", False))


def _context(
    tree: exp.Expr,
    schema: Mapping[str, Mapping[str, str]] | None,
    row_counts: Mapping[str, int] | None,
    dialect: str,
) -> OptimizationContext:
    remember_identifier_case(tree)  # before qualify lower-cases them
    sqlglot_schema = build_schema(schema, dialect)
    outputs = OutputContract.capture(tree, dialect=dialect, schema=sqlglot_schema, raw_schema=schema)
    return OptimizationContext(
        dialect=dialect,
        schema=sqlglot_schema,
        raw_schema=schema,
        row_counts=dict(row_counts or {}),
        outputs=outputs,
    )


def _elapsed_ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
