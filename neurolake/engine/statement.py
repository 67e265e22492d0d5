"""Prepared statements: one parse, one safety check and one SQL generation per distinct text.

Preparing finds the lakehouse tables a query reads (with any time-travel clause), its
parameters and the columns it names, and generates the backend's SQL once with a marker in
place of each table. Running a prepared statement then only pins snapshots and swaps each
marker for the relation over the pinned files, so a repeated query is not parsed again.
The optimizer's rewrite of a query is prepared the same way (``prepare_rewrite``) and kept
next to the statements (``rewrites``), keyed by ``neurolake.engine.optimization``.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

from sqlglot import exp

from neurolake.engine.parsing import DIALECT, SqlLimits, explained_sql, parse_statement
from neurolake.engine.plan import OPTIMIZER_OFF, OptimizerReport
from neurolake.engine.safety import StatementKind, classify, statement_label
from neurolake.engine.snapshots import VersionSpec
from neurolake.errors import QueryValidationError, TableNotFoundError

# Names DuckDB resolves without a table (sqlglot reads them as columns) and the column
# names of the row-generating table functions.
_BUILTIN_NAMES = frozenset(
    {
        "user", "current_user", "session_user", "current_role", "current_schema",
        "current_catalog", "current_database", "current_query", "rowid", "localtime",
        "localtimestamp", "range", "generate_series", "unnest",
    }
)  # fmt: skip


@dataclass(frozen=True)
class TableRef:
    """A lakehouse table read by a query, as written there."""

    name: str
    alias: str
    version: VersionSpec | None
    #: The marker standing for this table in the generated SQL.
    marker: str


@dataclass(frozen=True)
class ColumnRef:
    """A column named in a query (lower-case), with where it was written."""

    qualifier: str | None
    name: str
    line: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class ParameterSpec:
    """The parameters a statement takes."""

    #: Named parameters the backend binds (``$name`` or ``:name``).
    named: tuple[str, ...] = ()
    #: How many positional parameters (``?`` or ``$1``...) the backend binds.
    positional: int = 0
    #: Named parameters used only in time-travel clauses (resolved by the engine).
    version_only: tuple[str, ...] = ()


@dataclass
class PreparedStatement:
    """Everything about one SQL text that does not depend on data or parameter values."""

    sql: str
    kind: StatementKind
    label: str
    tree: exp.Expr
    template: str = ""
    tables: tuple[TableRef, ...] = ()
    parameters: ParameterSpec = field(default_factory=ParameterSpec)
    columns: tuple[ColumnRef, ...] = ()
    known_names: frozenset[str] = frozenset()
    checks_columns: bool = False
    #: True when a row window can be appended as ``LIMIT n OFFSET m`` (else it wraps).
    appendable_limit: bool = False
    #: The query's own literal LIMIT and OFFSET, folded into the row window.
    query_limit: int | None = None
    query_offset: int = 0
    #: What the optimizer did (set on a rewrite; a statement as written was not optimized).
    optimizer: OptimizerReport = OPTIMIZER_OFF
    #: The statement inside: the query of EXPLAIN / DESCRIBE / INSERT / MERGE.
    inner: PreparedStatement | None = None

    @cached_property
    def canonical(self) -> str:
        """Normalized SQL for cache keys: sqlglot's spelling of the tree, without comments.

        Whitespace, keyword case and quoting are normalized; identifier case is kept, since
        it names the result's columns (``AS Total`` and ``AS total`` differ).
        """
        return self.tree.sql(dialect=DIALECT, comments=False)

    def render(self, relations: list[str]) -> str:
        """The backend SQL with each table marker replaced by its relation."""
        sql = self.template
        for ref, relation in zip(self.tables, relations, strict=True):
            sql = sql.replace(ref.marker, relation)
        return sql


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class RecentlyUsed(Generic[K, V]):
    """A small thread-safe LRU map; ``get_or_build`` builds outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[K, V] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: K, build: Callable[[], V]) -> V:
        """The value kept for ``key``, or ``build()``'s, kept for next time."""
        with self._lock:
            hit = self._items.get(key)
            if hit is not None:
                self._items.move_to_end(key)
                return hit
        value = build()  # two threads may build the same value once each; both are equal
        if self.size:
            with self._lock:
                self._items[key] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class StatementPreparer:
    """Prepares statements for one backend dialect and keeps the recent ones.

    ``rewrites`` keeps the optimizer's prepared rewrites, keyed by whoever optimizes
    (normalized SQL and table shapes); ``clear`` forgets both.
    """

    def __init__(self, *, dialect: str, cache_size: int = 256, limits: SqlLimits = SqlLimits()) -> None:
        self.dialect = dialect
        self.limits = limits
        # Markers are unguessable, so no user text can collide with one.
        self._marker_prefix = f"__nl_{secrets.token_hex(6)}_"
        # How the dialect quotes an identifier, e.g. "{}" or `{}` (markers need no escaping).
        self._quoted = exp.to_identifier("{}", quoted=True).sql(dialect=dialect)
        self._statements: RecentlyUsed[str, PreparedStatement] = RecentlyUsed(cache_size)
        self.rewrites: RecentlyUsed[Hashable, PreparedStatement] = RecentlyUsed(cache_size)

    def prepare(self, sql: str) -> PreparedStatement:
        """The prepared form of ``sql`` (from the cache when seen recently)."""
        return self._statements.get_or_build(sql, lambda: self._prepare(sql))

    def prepare_rewrite(
        self, statement: PreparedStatement, tree: exp.Expr, report: OptimizerReport
    ) -> PreparedStatement:
        """The query ``statement`` prepared from the optimizer's rewrite ``tree`` instead.

        The rewrite is checked like the original (it must still be a query; table names and
        time travel are read from it again); ``tree`` is owned by the new statement.
        """
        if classify(tree) is not StatementKind.QUERY:
            raise QueryValidationError("The optimizer produced a statement that is not a query.")
        rewritten = self._query(statement.sql, tree)
        rewritten.optimizer = report
        return rewritten

    def clear(self) -> None:
        """Forget every prepared statement and rewrite (the next run prepares afresh)."""
        self._statements.clear()
        self.rewrites.clear()

    # ----------------------------------------------------------------------------- kinds

    def _prepare(self, sql: str) -> PreparedStatement:
        inner_sql = explained_sql(sql)
        if inner_sql is None:
            tree = parse_statement(sql, self.limits)
            inner_sql = explained_sql(sql, tree)
        if inner_sql is not None:
            inner = self.prepare(inner_sql)
            if inner.kind is not StatementKind.QUERY:
                raise QueryValidationError(f"EXPLAIN works on queries, not on {inner.label}.")
            return PreparedStatement(sql, StatementKind.EXPLAIN, "EXPLAIN", inner.tree, inner=inner)
        kind = classify(tree)
        label = statement_label(tree)
        if kind is StatementKind.QUERY:
            return self._query(sql, tree)
        if kind is StatementKind.DESCRIBE:
            return self._describe(sql, tree)
        if kind is StatementKind.SHOW_TABLES:
            return PreparedStatement(sql, kind, "SHOW TABLES", tree)
        return self._write(sql, kind, label, tree)

    def _query(self, sql: str, tree: exp.Expr) -> PreparedStatement:
        scan = _Scan(tree)
        tables, swaps = self._markers(scan.tables)
        appendable, query_limit, query_offset = _split_limit(tree)
        # Generate the backend SQL with markers swapped in and the folded LIMIT/OFFSET taken
        # out, then put the tree back as it was: cheaper than copying it.
        clauses = {k: tree.args.get(k) for k in ("limit", "offset")} if appendable else {}
        try:
            for original, marker in swaps:
                original.replace(marker)
            for key in clauses:
                tree.set(key, None)
            template = tree.sql(dialect=self.dialect)
        finally:
            for original, marker in swaps:
                marker.replace(original)
            for key, clause in clauses.items():
                tree.set(key, clause)
        return PreparedStatement(
            sql,
            StatementKind.QUERY,
            statement_label(tree),
            tree,
            template=template,
            tables=tables,
            parameters=parameters_of(scan.placeholders),
            columns=tuple(scan.columns),
            known_names=frozenset(scan.known),
            checks_columns=not scan.opaque,
            appendable_limit=appendable,
            query_limit=query_limit,
            query_offset=query_offset,
        )

    def _describe(self, sql: str, tree: exp.Expr) -> PreparedStatement:
        target = tree.this
        query: exp.Expr
        if isinstance(target, exp.Table):
            # DESCRIBE t [VERSION AS OF n]: the columns of one snapshot.
            query = exp.select("*").from_(target.copy())
        elif isinstance(target, exp.Query):
            query = target
        else:
            raise QueryValidationError("DESCRIBE takes a table name or a query.")
        inner = self._query(query.sql(dialect=DIALECT), query)
        return PreparedStatement(sql, StatementKind.DESCRIBE, "DESCRIBE", tree, inner=inner)

    def _write(self, sql: str, kind: StatementKind, label: str, tree: exp.Expr) -> PreparedStatement:
        source: exp.Expr | None = None
        if isinstance(tree, exp.Insert):
            source = tree.expression
        elif isinstance(tree, exp.Merge):
            using = tree.args.get("using")
            source = exp.select("*").from_(using.copy()) if using is not None else None
        inner = self._query(source.sql(dialect=DIALECT), source) if source is not None else None
        return PreparedStatement(sql, kind, label, tree, parameters=collect_parameters(tree), inner=inner)

    # ------------------------------------------------------------------------------ tables

    def _markers(self, found: list[exp.Table]) -> tuple[tuple[TableRef, ...], list[tuple[exp.Table, exp.Table]]]:
        """The lakehouse tables among ``found``, and for each a marker table to swap in."""
        refs: list[TableRef] = []
        swaps: list[tuple[exp.Table, exp.Table]] = []
        for table in found:
            if not isinstance(table.this, exp.Identifier) or is_cte_reference(table):
                if table.args.get("version") or table.args.get("when"):
                    raise QueryValidationError(f"Time travel applies to lakehouse tables, not to {table.name!r}.")
                continue
            if table.args.get("catalog") or (table.db and table.db.lower() != "main"):
                raise TableNotFoundError(
                    f"Table {table.sql(dialect=DIALECT)!r} does not exist in the lakehouse.",
                    hint="Lakehouse tables have one-part names, e.g. orders.",
                )
            name = f"{self._marker_prefix}{len(refs)}"
            identifier = exp.to_identifier(name, quoted=True)
            alias = table.args.get("alias") or exp.TableAlias(this=table.this.copy())
            marker = exp.Table(this=identifier, alias=alias.copy())
            for arg in ("sample", "hints", "pivots", "joins", "laterals", "ordinality"):
                value = table.args.get(arg)
                if value:
                    marker.set(arg, [v.copy() for v in value] if isinstance(value, list) else _copy(value))
            refs.append(
                TableRef(table.name.lower(), alias.name.lower(), version_spec(table), self._quoted.format(name))
            )
            swaps.append((table, marker))
        return tuple(refs), swaps


def _copy(value: object) -> object:
    return value.copy() if isinstance(value, exp.Expr) else value


class _Scan:
    """One walk over a query collecting what preparing it needs."""

    def __init__(self, tree: exp.Expr) -> None:
        self.tables: list[exp.Table] = []
        self.columns: list[ColumnRef] = []
        self.placeholders: list[exp.Placeholder] = []
        self.known: set[str] = set(_BUILTIN_NAMES)
        #: PIVOT and COLUMNS(...) make output columns depend on data: no column check then.
        self.opaque = False
        for node in tree.walk():
            if isinstance(node, exp.Table):
                self.tables.append(node)
            elif isinstance(node, exp.Column):
                self._column(node)
            elif isinstance(node, exp.Alias):
                self.known.add(node.alias.lower())
            elif isinstance(node, exp.TableAlias):
                self.known.update(c.name.lower() for c in node.columns)
            elif isinstance(node, exp.Lambda):
                self.known.update(p.name.lower() for p in node.expressions)
            elif isinstance(node, exp.Placeholder):
                self.placeholders.append(node)
            elif isinstance(node, exp.Pivot | exp.Columns):
                self.opaque = True

    def _column(self, column: exp.Column) -> None:
        if column.args.get("db") or column.args.get("catalog") or isinstance(column.this, exp.Star):
            return
        meta = column.this.meta if isinstance(column.this, exp.Identifier) else {}
        self.columns.append(
            ColumnRef(column.table.lower() or None, column.name.lower(), meta.get("line"), meta.get("col"))
        )


def _split_limit(tree: exp.Expr) -> tuple[bool, int | None, int]:
    """Whether the root's LIMIT/OFFSET can fold into a row window, and their values.

    Returns (whether a window can be appended, the limit, the offset). A root that is not a
    SELECT or set operation, or whose LIMIT is not a plain number, keeps its clauses and
    gets wrapped instead.
    """
    if not isinstance(tree, exp.Select | exp.SetOperation):
        return False, None, 0
    limit, offset = tree.args.get("limit"), tree.args.get("offset")
    numbers = [_whole_number(clause) for clause in (limit, offset) if clause is not None]
    if any(n is None for n in numbers):
        return False, None, 0
    return (
        True,
        _whole_number(limit) if limit is not None else None,
        (_whole_number(offset) or 0) if offset is not None else 0,
    )


def _whole_number(clause: exp.Expr) -> int | None:
    options = clause.args.get("limit_options")
    if not isinstance(clause, exp.Limit | exp.Offset) or (
        options is not None and (options.args.get("percent") or options.args.get("with_ties"))
    ):
        return None
    value = clause.expression
    if isinstance(value, exp.Literal) and not value.is_string and value.name.isdigit():
        return int(value.name)
    return None


def is_cte_reference(table: exp.Table) -> bool:
    """True when ``table`` names a CTE in scope rather than a lakehouse table."""
    if table.args.get("db") or table.args.get("catalog"):
        return False
    name = table.name.lower()
    path: set[int] = set()
    node: exp.Expr | None = table
    while node is not None:
        path.add(id(node))
        node = node.parent
        if node is None:
            break
        with_ = node.args.get("with_") or node.args.get("with")
        if not isinstance(with_, exp.With):
            continue
        ctes = with_.expressions
        # A CTE sees the CTEs defined before it (and itself when RECURSIVE), never later ones.
        inside = next((i for i, cte in enumerate(ctes) if id(cte) in path), None)
        recursive = bool(with_.args.get("recursive"))
        for j, cte in enumerate(ctes):
            if cte.alias.lower() == name and (inside is None or j < inside or recursive):
                return True
    return False


def version_spec(table: exp.Table) -> VersionSpec | None:
    """The time-travel request of a table reference (``VERSION AS OF`` / ``AT (VERSION => ...)``)."""
    version, when = table.args.get("version"), table.args.get("when")
    if version is not None:
        if str(version.args.get("kind") or "").upper() != "AS OF":
            raise QueryValidationError("Only VERSION AS OF and TIMESTAMP AS OF are supported for time travel.")
        kind, value = str(version.this).lower(), version.expression
    elif when is not None:
        if str(when.this).upper() != "AT":
            raise QueryValidationError("Only AT (VERSION => n) and AT (TIMESTAMP => '...') are supported.")
        kind, value = str(when.args.get("kind") or "").lower(), when.expression
    else:
        return None
    if kind not in ("version", "timestamp"):
        raise QueryValidationError(f"Unknown time-travel kind {kind!r}; use VERSION or TIMESTAMP.")
    clause = f"{kind.upper()} AS OF on table {table.name!r}"
    if isinstance(value, exp.Placeholder) and placeholder_name(value) and not placeholder_name(value).isdigit():
        return VersionSpec(kind, parameter=placeholder_name(value))  # type: ignore[arg-type]
    if isinstance(value, exp.Cast) and isinstance(value.this, exp.Literal):
        value = value.this
    if kind == "version":
        if isinstance(value, exp.Literal) and not value.is_string and value.name.isdigit():
            return VersionSpec("version", value=int(value.name))
        raise QueryValidationError(f"{clause} needs a version number (0 or more) or a named parameter such as $v.")
    if isinstance(value, exp.Literal) and value.is_string:
        return VersionSpec("timestamp", value=value.name)
    raise QueryValidationError(f"{clause} needs a quoted timestamp such as '2025-01-01 00:00:00' or a named parameter.")


def placeholder_name(placeholder: exp.Placeholder) -> str:
    """``x`` for ``$x``/``:x``, ``1`` for ``$1``, ``""`` for ``?``."""
    return str(placeholder.this or "")


def collect_parameters(tree: exp.Expr) -> ParameterSpec:
    """The parameters ``tree`` uses; mixing named and positional styles is refused."""
    return parameters_of(tree.find_all(exp.Placeholder))


def parameters_of(placeholders: Iterable[exp.Placeholder]) -> ParameterSpec:
    """The parameters these placeholders make up (see ``collect_parameters``)."""
    named: set[str] = set()
    in_versions: set[str] = set()
    anonymous = numbered = 0
    for placeholder in placeholders:
        name = placeholder_name(placeholder)
        in_version = placeholder.find_ancestor(exp.Version, exp.HistoricalData) is not None
        if not name or name.isdigit():
            if in_version:
                raise QueryValidationError("Time travel takes a named parameter ($v), not a positional one.")
            anonymous += not name
            numbered = max(numbered, int(name or 0))
        else:
            (in_versions if in_version else named).add(name)
    if anonymous and numbered:
        raise QueryValidationError("Use either ? or $1-style parameters in one query, not both.")
    if (anonymous or numbered) and (named or in_versions):
        raise QueryValidationError("Use either named ($name) or positional (?) parameters in one query, not both.")
    return ParameterSpec(
        named=tuple(sorted(named)),
        positional=anonymous or numbered,
        version_only=tuple(sorted(in_versions - named)),
    )
