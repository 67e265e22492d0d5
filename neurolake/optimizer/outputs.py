"""The output contract: an optimized query returns the same columns, named and ordered the same.

sqlglot's qualification lower-cases identifiers and gives every result column an alias
(``sum(amount)`` becomes ``SUM(orders.amount) AS _col_1``), which changes the names DuckDB
reports. Before any rule runs, :meth:`OutputContract.capture` records each result column of
the query as written: its name when the name is known (an alias, or the declared name of the
column it selects), or else the expression itself, whose text is the name. After each rule the
optimizer checks the tree can still be given back those names (:meth:`OutputContract.verify`),
and at the end :meth:`OutputContract.restore` does so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from sqlglot import exp
from sqlglot.optimizer.scope import Scope, build_scope
from sqlglot.schema import MappingSchema

from neurolake.optimizer.qualify import qualify_tree

ORIGINAL_NAME = "neurolake_original_name"
"""Meta key on identifiers: the text as written, before sqlglot normalized its case."""

_OUTPUT_INDEX = "neurolake_output_index"
_PLACEHOLDER_ALIAS = re.compile(r"_col_\d+")


class UnsafeRewrite(Exception):
    """A rule produced a tree that would change the query's result; its work is discarded."""


def remember_identifier_case(tree: exp.Expr) -> None:
    """Note every identifier's spelling so :func:`restore_identifier_case` can put it back."""
    for identifier in tree.find_all(exp.Identifier):
        identifier.meta[ORIGINAL_NAME] = identifier.this


def restore_identifier_case(tree: exp.Expr) -> None:
    """Give identifiers their spelling as written; DuckDB and Spark ignore case, people do not."""
    for identifier in tree.find_all(exp.Identifier):
        original = identifier.meta.get(ORIGINAL_NAME)
        if isinstance(original, str) and original.lower() == identifier.this.lower():
            identifier.set("this", original)


def naming_select(tree: exp.Expr) -> exp.Select | None:
    """The SELECT whose list names the result: the query itself, or a set operation's first arm."""
    node: exp.Expr | None = tree
    while node is not None and not isinstance(node, exp.Select):
        node = node.this if isinstance(node, (exp.SetOperation, exp.Subquery)) else None
    return node


@dataclass(frozen=True)
class OutputColumn:
    """One result column as written.

    ``named``: its name is known (``name``), so any expression may produce it under an alias.
    ``expression``: an unaliased expression whose text is its name; it goes back as written,
    replacing the projection qualify aliased ``alias``. ``verbatim``: must stay exactly as written.
    """

    kind: Literal["named", "expression", "verbatim"]
    original: exp.Expr
    name: str = ""
    alias: str = ""


@dataclass
class OutputContract:
    """The result columns of a query as written, and how to give them back after rewriting.

    Captured from the query as written; the first rewrite that qualifies the tree (and so
    expands stars and resolves each column's source) refines it with every column's name.
    """

    columns: list[OutputColumn]
    original_sql: list[str]
    dialect: str
    schema: MappingSchema | None = None
    raw_schema: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    refined: bool = False

    @classmethod
    def capture(
        cls,
        tree: exp.Expr,
        *,
        dialect: str,
        schema: MappingSchema | None = None,
        raw_schema: Mapping[str, Mapping[str, str]] | None = None,
    ) -> OutputContract | None:
        """Record the result columns of ``tree`` (call after :func:`remember_identifier_case`);
        ``None`` when the tree has no select list to name its result."""
        select = naming_select(tree)
        if select is None:
            return None
        for index, projection in enumerate(select.selects):
            projection.meta[_OUTPUT_INDEX] = index
        originals = [projection.copy() for projection in select.selects]
        columns = [_written_column(projection) for projection in originals]
        return cls(columns, [p.sql(dialect) for p in originals], dialect, schema, raw_schema or {})

    def protected(self, tree: exp.Expr) -> list[exp.Expr]:
        """Projections of ``tree`` whose text is their name, which rules must leave as they are."""
        select = naming_select(tree)
        if select is None:
            return []
        if len(select.selects) != len(self.columns):
            return list(select.selects)
        return [p for p, c in zip(select.selects, self.columns, strict=True) if c.kind != "named"]

    def verify(self, tree: exp.Expr) -> None:
        """Raise :class:`UnsafeRewrite` unless ``tree`` can be given back the original columns."""
        if self._unchanged(tree):
            return
        if not self.refined and self.schema is not None:
            columns = _qualified_columns(tree, [c.original for c in self.columns], self.raw_schema)
            if columns is not None:
                self.columns, self.refined = columns, True
        select = naming_select(tree)
        assert select is not None  # _unchanged is False only for a tree with a select list
        if len(select.selects) != len(self.columns):
            raise UnsafeRewrite(
                f"the rewritten query returns {len(select.selects)} columns instead of {len(self.columns)}"
            )
        pending = [p for p, c in zip(select.selects, self.columns, strict=True) if self._needs_restore(p, c)]
        if pending:  # some column goes back as written: check it still means the same there
            restored, replaced = self._restore(tree.copy())
            self._check_same_meaning(tree, restored, replaced)

    def _needs_restore(self, projection: exp.Expr, column: OutputColumn) -> bool:
        """Whether an expression column must be put back as written; raises if it cannot be."""
        if column.kind == "named":
            if projection.alias_or_name.lower() != column.name.lower():
                raise UnsafeRewrite(f"result column {column.name!r} was renamed to {projection.alias_or_name!r}")
            return False
        if projection.sql(self.dialect) == column.original.sql(self.dialect):
            return False
        if column.kind == "expression" and projection.alias_or_name == column.alias:
            return True
        raise UnsafeRewrite(f"result column {column.original.sql()} was rewritten")

    def restore(self, tree: exp.Expr) -> exp.Expr:
        """Rename and rewrite the result columns of ``tree`` (in place) back to the contract."""
        restored, _ = self._restore(tree)
        restore_identifier_case(restored)
        return restored

    def _unchanged(self, tree: exp.Expr) -> bool:
        select = naming_select(tree)
        if select is None:
            raise UnsafeRewrite("the rewritten query no longer starts with a select list")
        selects = select.selects
        if len(selects) != len(self.original_sql):
            return False
        # generating one projection's SQL copies it: stop at the first that differs
        return all(p.sql(self.dialect) == sql for p, sql in zip(selects, self.original_sql, strict=True))

    def _restore(self, tree: exp.Expr) -> tuple[exp.Expr, list[int]]:
        if self._unchanged(tree):
            return tree, []
        select = naming_select(tree)
        assert select is not None
        replaced = []
        for position, (column, projection) in enumerate(zip(self.columns, list(select.selects), strict=True)):
            if column.kind == "named" and projection.alias_or_name != column.name:
                _rename(projection, column.name)
            elif self._needs_restore(projection, column):
                projection.replace(column.original.copy())
                _order_by_position(tree, select, column.alias, position + 1)
                replaced.append(position)
        return tree, replaced

    def _check_same_meaning(self, tree: exp.Expr, restored: exp.Expr, replaced: list[int]) -> None:
        """Expressions put back as written must resolve to what the rewritten tree computes."""
        try:
            requalified = naming_select(qualify_tree(restored, schema=self.schema, dialect=self.dialect))
        except Exception as error:
            raise UnsafeRewrite(f"result columns cannot be put back as written: {error}") from error
        rewritten = naming_select(tree)
        assert requalified is not None and rewritten is not None
        for position in replaced:
            expected = rewritten.selects[position].unalias().sql(self.dialect)
            if requalified.selects[position].unalias().sql(self.dialect) != expected:
                raise UnsafeRewrite(f"result column {position + 1} would change meaning when put back")


def _written_column(projection: exp.Expr) -> OutputColumn:
    if isinstance(projection, exp.Alias):
        return OutputColumn("named", projection, name=projection.alias)
    return OutputColumn("verbatim", projection)


def _qualified_columns(
    tree: exp.Expr, originals: list[exp.Expr], raw_schema: Mapping[str, Mapping[str, str]]
) -> list[OutputColumn] | None:
    """Name the result columns of a qualified ``tree`` (stars expanded); None if unsure."""
    scope = _naming_scope(build_scope(tree))
    if scope is None:
        return None
    names = _DeclaredNames(raw_schema)
    columns, seen = [], []
    for projection in _select(scope).selects:
        index = _output_index(projection)
        original = originals[index] if index is not None and index < len(originals) else None
        if index is not None:
            seen.append(index)
        if isinstance(original, exp.Alias):
            columns.append(OutputColumn("named", original, name=original.alias))
        elif original is not None and not isinstance(original, exp.Column):
            if not isinstance(projection, exp.Alias):
                return None
            columns.append(OutputColumn("expression", original, alias=projection.alias))
        else:  # a column as written, or one a star expanded to
            name = names.of(projection, scope)
            if name is None:
                return None
            columns.append(OutputColumn("named", original or projection.copy(), name=name))
    written = [i for i, p in enumerate(originals) if not p.is_star]
    return columns if seen == written else None


def _output_index(projection: exp.Expr) -> int | None:
    for node in (projection, projection.unalias()):
        index = node.meta.get(_OUTPUT_INDEX)
        if isinstance(index, int):
            return index
    return None


def _select(scope: Scope) -> exp.Select:
    assert isinstance(scope.expression, exp.Select)  # _naming_scope only returns select scopes
    return scope.expression


def _naming_scope(scope: Scope | None) -> Scope | None:
    while scope is not None and not isinstance(scope.expression, exp.Select):
        scope = scope.set_operation_scopes[0] if scope.set_operation_scopes else None
    return scope


class _DeclaredNames:
    """The name DuckDB gives each selected column, with every lookup indexed once per query.

    Looking a column up by scanning the schema (or a derived table's select list) for each
    selected column made a 10,000-column ``SELECT *`` cost 10,000 squared comparisons.
    """

    def __init__(self, raw_schema: Mapping[str, Mapping[str, str]]) -> None:
        self._tables: dict[str, dict[str, str]] = {}
        for table, columns in raw_schema.items():
            if table.lower() not in self._tables:  # the first table of a spelling, as DuckDB resolves it
                spellings: dict[str, str] = {}
                for name in columns:
                    spellings.setdefault(name.lower(), name)
                self._tables[table.lower()] = spellings
        self._selects: dict[int, dict[str, exp.Expr]] = {}

    def of(self, projection: exp.Expr, scope: Scope) -> str | None:
        """Its spelling where it was declared; None when unsure."""
        node = projection.unalias()
        if isinstance(node, exp.Coalesce):  # a USING column, named after its first table's column
            node = node.this
        if not isinstance(node, exp.Column) or not node.table:
            return None
        source = scope.sources.get(node.table)
        if isinstance(source, exp.Table):
            return self._tables.get(source.name.lower(), {}).get(node.name.lower())
        inner = _naming_scope(source) if isinstance(source, Scope) else None
        if inner is None:
            return None
        candidate = self._by_name(_select(inner)).get(node.name)
        return None if candidate is None else self._candidate(candidate, inner)

    def _by_name(self, select: exp.Select) -> dict[str, exp.Expr]:
        known = self._selects.get(id(select))
        if known is None:
            known = self._selects[id(select)] = {}
            for candidate in select.selects:
                known.setdefault(candidate.alias_or_name, candidate)
        return known

    def _candidate(self, candidate: exp.Expr, scope: Scope) -> str | None:
        """The declared name of a derived table's column, from its (qualified) select item."""
        if not isinstance(candidate, exp.Alias):
            return self.of(candidate, scope)
        written = candidate.args["alias"].meta.get(ORIGINAL_NAME)
        if isinstance(written, str):  # an alias as the person wrote it
            return written
        inner = candidate.unalias()
        if isinstance(inner, exp.Column) and inner.name == candidate.alias:  # qualify named a bare column
            return self.of(inner, scope)
        # qualify's stand-in for an unnamed expression has no known name; others come from `AS t(x, y)`
        return None if _PLACEHOLDER_ALIAS.fullmatch(candidate.alias) else candidate.alias


def _rename(projection: exp.Expr, name: str) -> None:
    if projection.alias_or_name.lower() != name.lower():
        raise UnsafeRewrite(f"result column {name!r} was renamed to {projection.alias_or_name!r}")
    if isinstance(projection, exp.Alias):
        projection.set("alias", exp.to_identifier(name))
    else:
        projection.replace(exp.alias_(projection.copy(), name))


def _order_by_position(tree: exp.Expr, select: exp.Select, alias: str, position: int) -> None:
    """Point ORDER BY references to an alias that is going away at the column's position."""
    owners = [select] if tree is select else [tree, select]
    for owner in owners:
        order = owner.args.get("order")
        for ordered in order.expressions if order else []:
            key = ordered.this
            if isinstance(key, exp.Column) and not key.table and key.name == alias:
                key.replace(exp.Literal.number(position))
    left = [c for owner in owners for c in _references(owner, alias)]
    if left:
        raise UnsafeRewrite(f"the query refers to result column {alias!r}, which has no name as written")


def _references(owner: exp.Expr, alias: str) -> list[exp.Column]:
    if isinstance(owner, exp.Select):
        return [c for c in owner.find_all(exp.Column) if c.name == alias and not c.table]
    order = owner.args.get("order")
    return [c for c in order.find_all(exp.Column) if c.name == alias and not c.table] if order else []
