"""Writes from SQL, for callers holding write permission: always through the storage manager.

The backend never writes files. INSERT and MERGE evaluate their source query on the
backend (over pinned snapshots, like any query) and hand the rows to the storage manager;
DELETE and UPDATE become delta-rs predicates and expressions, with parameter values turned
into SQL literals by sqlglot (quoted by the syntax tree, never by string pasting).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from neurolake.engine.base import BoundParams
from neurolake.engine.safety import StatementKind
from neurolake.engine.statement import PreparedStatement, placeholder_name
from neurolake.errors import QueryValidationError, TableNotFoundError
from neurolake.storage.names import did_you_mean

if TYPE_CHECKING:
    from neurolake.storage import DeltaStorageManager

#: What a write did: the table, the rows it touched, and the version its own commit produced.
_Written = tuple[str, int, int]
#: Runs a prepared query with bound parameters and returns every row.
RunQuery = Callable[[PreparedStatement, BoundParams, dict[str, Any]], pa.Table]

# Predicates and SET expressions are written in the SQL delta-rs (DataFusion) reads.
_DELTA_DIALECT = "postgres"
_MERGE_SHAPE = "MERGE INTO t USING s ON t.key = s.key WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"


class WriteRunner:
    """Runs INSERT, DELETE, UPDATE and MERGE on lakehouse tables via the storage manager."""

    def __init__(self, storage: DeltaStorageManager) -> None:
        self.storage = storage

    def run(
        self, statement: PreparedStatement, bound: BoundParams, values: dict[str, Any], run_query: RunQuery
    ) -> pa.Table:
        """Apply the write; returns one row: operation, table, rows_affected, version.

        ``run_query`` evaluates the source query of an INSERT or MERGE.
        """
        tree = statement.tree
        if tree.args.get("returning"):
            raise QueryValidationError(f"{statement.label} ... RETURNING is not supported.")
        handlers = {
            StatementKind.INSERT: self._insert,
            StatementKind.DELETE: self._delete,
            StatementKind.UPDATE: self._update,
            StatementKind.MERGE: self._merge,
        }
        name, rows, version = handlers[statement.kind](statement, bound, values, run_query)
        return pa.table(
            {
                "operation": [statement.label],
                "table": [name],
                "rows_affected": pa.array([rows], pa.int64()),
                "version": pa.array([version], pa.int64()),
            }
        )

    # ------------------------------------------------------------------------- statements

    def _insert(
        self, statement: PreparedStatement, bound: BoundParams, values: dict[str, Any], run_query: RunQuery
    ) -> _Written:
        tree = statement.tree
        if tree.args.get("conflict") or tree.args.get("alternative") or tree.args.get("overwrite"):
            raise QueryValidationError(
                "Only plain INSERT INTO ... is supported (no OR REPLACE, ON CONFLICT or OVERWRITE)."
            )
        target = tree.this
        listed = [c.name for c in target.expressions] if isinstance(target, exp.Schema) else None
        table = target.this if isinstance(target, exp.Schema) else target
        name = _target_name(table)
        schema = self._schema(name)
        assert statement.inner is not None
        data = run_query(statement.inner, _inner_params(statement.inner, bound, values), values)
        if not tree.args.get("by_name"):
            columns = listed if listed is not None else schema.names[: data.num_columns]
            _check_known(columns, schema, name)
            if len(columns) != data.num_columns:
                raise QueryValidationError(
                    f"INSERT gives {data.num_columns} value(s) per row but names {len(columns)} column(s) of {name!r}."
                )
            data = data.rename_columns(columns)
        else:
            _check_known(data.column_names, schema, name)
        return name, data.num_rows, self.storage.write_table(data, name, mode="append")

    def _delete(
        self, statement: PreparedStatement, bound: BoundParams, values: dict[str, Any], run_query: RunQuery
    ) -> _Written:
        tree = statement.tree
        if tree.args.get("using"):
            raise QueryValidationError("DELETE ... USING is not supported; use a WHERE condition on the table.")
        table = tree.this
        name = _target_name(table)
        schema = self._schema(name)
        where = tree.args.get("where")
        literals = _Literals(bound)
        predicate = _delta_sql(where.this, table, schema, name, literals) if where is not None else "TRUE"
        deleted = self.storage.delete(name, predicate)
        return name, deleted["deleted"], deleted["version"]

    def _update(
        self, statement: PreparedStatement, bound: BoundParams, values: dict[str, Any], run_query: RunQuery
    ) -> _Written:
        tree = statement.tree
        if tree.args.get("from_") or tree.args.get("from"):
            raise QueryValidationError("UPDATE ... FROM is not supported; use MERGE to update from other rows.")
        table = tree.this
        name = _target_name(table)
        schema = self._schema(name)
        literals = _Literals(bound)  # SET comes before WHERE, as positional parameters do
        assignments: dict[str, Any] = {}
        for item in tree.expressions:
            if not isinstance(item, exp.EQ) or not isinstance(item.this, exp.Column):
                raise QueryValidationError("UPDATE takes SET column = expression, ...")
            column = item.this.name
            _check_known([column], schema, name)
            assignments[column] = _delta_sql(item.expression, table, schema, name, literals)
        where = tree.args.get("where")
        predicate = _delta_sql(where.this, table, schema, name, literals) if where is not None else None
        updated = self.storage.update(name, assignments, predicate)
        return name, updated["updated"], updated["version"]

    def _merge(
        self, statement: PreparedStatement, bound: BoundParams, values: dict[str, Any], run_query: RunQuery
    ) -> _Written:
        tree = statement.tree
        table = tree.this
        name = _target_name(table)
        keys = _merge_keys(tree, table)
        _check_known(keys, self._schema(name), name)
        assert statement.inner is not None
        data = run_query(statement.inner, _inner_params(statement.inner, bound, values), values)
        counts = self.storage.merge(data, name, on=keys)
        return name, counts["inserted"] + counts["updated"], counts["version"]

    def _schema(self, name: str) -> pa.Schema:
        return pa.schema(self.storage.open_table(name).schema().to_arrow())


def _target_name(table: exp.Expr) -> str:
    if not isinstance(table, exp.Table) or not isinstance(table.this, exp.Identifier):
        raise QueryValidationError("The target of a write must be a lakehouse table.")
    if table.args.get("catalog") or (table.db and table.db.lower() != "main"):
        raise TableNotFoundError(f"Table {table.sql()!r} does not exist in the lakehouse.")
    return table.name.lower()


def _check_known(columns: Sequence[str], schema: pa.Schema, table: str) -> None:
    for column in columns:
        if column not in schema.names:
            raise QueryValidationError(
                f"Column {column!r} does not exist in table {table!r}.",
                hint=did_you_mean(column, schema.names) or "Columns are: " + ", ".join(schema.names) + ".",
            )


def _inner_params(inner: PreparedStatement, bound: BoundParams, values: dict[str, Any]) -> BoundParams:
    """The parameters the source query of an INSERT or MERGE binds."""
    if inner.parameters.named:
        return {n: values[n] for n in inner.parameters.named}
    return bound if inner.parameters.positional else None


class _Literals:
    """Parameter values as SQL literals, taking positional ones in the order they appear."""

    def __init__(self, bound: BoundParams) -> None:
        self.bound = bound
        self._next = 0

    def literal(self, node: exp.Placeholder) -> exp.Expr:
        name, bound = placeholder_name(node), self.bound
        if isinstance(bound, Mapping) and name in bound:
            return exp.convert(bound[name])
        if isinstance(bound, Sequence) and name.isdigit():
            return exp.convert(bound[int(name) - 1])
        if isinstance(bound, Sequence) and not name and self._next < len(bound):
            self._next += 1
            return exp.convert(bound[self._next - 1])
        raise QueryValidationError(f"Missing value for parameter {node.sql()}.")


def _delta_sql(expression: exp.Expr, table: exp.Table, schema: pa.Schema, name: str, literals: _Literals) -> str:
    """``expression`` as delta-rs SQL: parameters become literals, columns lose the table prefix."""
    if expression.find(exp.Query, exp.Subquery) is not None:
        raise QueryValidationError(
            "Subqueries are not supported in DELETE or UPDATE.",
            hint="Compute the keys first, or use MERGE with a source query.",
        )
    prefixes = {table.name.lower(), table.alias.lower()} - {""}

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Placeholder):
            return literals.literal(node)
        if isinstance(node, exp.Column):
            if node.table and node.table.lower() not in prefixes:
                raise QueryValidationError(f"{node.sql()!r} does not refer to table {name!r}.")
            _check_known([node.name], schema, name)
            return exp.column(node.name, quoted=True)
        return node

    return expression.copy().transform(rewrite).sql(dialect=_DELTA_DIALECT)


def _merge_keys(tree: exp.Expr, table: exp.Table) -> list[str]:
    """The key columns of an upsert-shaped MERGE, or QueryValidationError."""
    whens = tree.args.get("whens")
    actions = {
        (bool(w.args.get("matched")), type(w.args.get("then")).__name__, _is_star(w.args.get("then")))
        for w in (whens.expressions if whens is not None else [])
    }
    if actions != {(True, "Update", True), (False, "Insert", True)}:
        raise QueryValidationError("Only the upsert form of MERGE is supported.", hint=_MERGE_SHAPE)
    target = {table.name.lower(), table.alias.lower()} - {""}
    keys: list[str] = []
    for condition in tree.args["on"].flatten() if isinstance(tree.args.get("on"), exp.And) else [tree.args.get("on")]:
        if not (
            isinstance(condition, exp.EQ)
            and isinstance(condition.this, exp.Column)
            and isinstance(condition.expression, exp.Column)
        ):
            raise QueryValidationError(
                "MERGE ... ON must compare key columns with =, joined by AND.", hint=_MERGE_SHAPE
            )
        left, right = condition.this, condition.expression
        if left.name != right.name:
            raise QueryValidationError(
                "MERGE keys must have the same name in the table and the source.", hint=_MERGE_SHAPE
            )
        if left.table.lower() not in target and right.table.lower() not in target:
            raise QueryValidationError("MERGE ... ON must name the target table's key columns.", hint=_MERGE_SHAPE)
        keys.append(left.name)
    return keys


def _is_star(then: exp.Expr | None) -> bool:
    if isinstance(then, exp.Update):
        return len(then.expressions) == 1 and isinstance(then.expressions[0], exp.Star)
    return isinstance(then, exp.Insert) and isinstance(then.this, exp.Star)
