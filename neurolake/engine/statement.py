"""Prepared statements: one parse, one safety check and one SQL generation per distinct text.

Preparing finds the lakehouse tables a query reads (with any time-travel clause), its
parameters and the columns it names, and generates the backend's SQL once with a marker in
place of each table. Running a prepared statement then only pins snapshots and swaps each
marker for the relation over the pinned files, so a repeated query is not parsed again.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlglot import exp

from neurolake.engine.hooks import OptimizerHook
from neurolake.engine.parsing import DIALECT, explained_sql, parse_statement
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
    optimizer_changes: tuple[str, ...] = ()
    #: The statement inside: the query of EXPLAIN / DESCRIBE / INSERT / MERGE.
    inner: PreparedStatement | None = None

    @cached_property
    def canonical(self) -> str:
        """Normalized SQL (one spelling for equivalent texts), for cache keys."""
        return self.tree.sql(dialect=DIALECT, normalize=True)

    def render(self, relations: list[str]) -> str:
        """The backend SQL with each table marker replaced by its relation."""
        sql = self.template
        for ref, relation in zip(self.tables, relations, strict=True):
            sql = sql.replace(ref.marker, relation)
        return sql


class StatementPreparer:
    """Prepares statements for one backend dialect and keeps the recent ones."""

    def __init__(self, *, dialect: str, optimizer: OptimizerHook | None = None, cache_size: int = 256) -> None:
        self.dialect = dialect
        self.optimizer = optimizer
        # Markers are unguessable, so no user text can collide with one.
        self._marker_prefix = f"__nl_{secrets.token_hex(6)}_"
        # How the dialect quotes an identifier, e.g. "{}" or `{}` (markers need no escaping).
        self._quoted = exp.to_identifier("{}", quoted=True).sql(dialect=dialect)
        self._cache: OrderedDict[str, PreparedStatement] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def prepare(self, sql: str) -> PreparedStatement:
        """The prepared form of ``sql`` (from the cache when seen recently)."""
        with self._lock:
            hit = self._cache.get(sql)
            if hit is not None:
                self._cache.move_to_end(sql)
                return hit
        statement = self._prepare(sql)
        if self._cache_size:
            with self._lock:
                self._cache[sql] = statement
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return statement

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    # ----------------------------------------------------------------------------- kinds

    def _prepare(self, sql: str) -> PreparedStatement:
        inner_sql = explained_sql(sql)
        if inner_sql is None:
            tree = parse_statement(sql)
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
        changes: tuple[str, ...] = ()
        if self.optimizer is not None:
            optimized, made = self.optimizer.optimize(tree)
            changes = tuple(made)
            if classify(optimized) is not StatementKind.QUERY:  # the rewrite is checked too
                raise QueryValidationError("The optimizer produced a statement that is not a query.")
            tree = optimized
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
            optimizer_changes=changes,
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
