"""What a statement may do, decided on its whole sqlglot tree (never on the text).

Read-only statements run for anyone. INSERT, DELETE, UPDATE and MERGE on lakehouse tables
need write permission and then go through the storage manager. Everything else that
changes state (DDL, GRANT, SET, ATTACH, COPY, INSTALL, CALL, transactions, ...) and every
function that reads files or engine internals is refused, wherever it hides in the tree.
DuckDB's own hardening (external access off, configuration locked) is the second wall.
"""

from __future__ import annotations

import re
from enum import StrEnum

from sqlglot import exp

from neurolake.errors import PermissionDeniedError, QueryValidationError


class StatementKind(StrEnum):
    """The statements the engine runs."""

    QUERY = "query"
    EXPLAIN = "explain"
    DESCRIBE = "describe"
    SHOW_TABLES = "show_tables"
    INSERT = "insert"
    DELETE = "delete"
    UPDATE = "update"
    MERGE = "merge"

    @property
    def writes(self) -> bool:
        return self in (StatementKind.INSERT, StatementKind.DELETE, StatementKind.UPDATE, StatementKind.MERGE)


READ_ONLY_HINT = "Queries run read-only: SELECT, WITH, EXPLAIN, DESCRIBE and SHOW TABLES."

_WRITE_ROOTS: dict[type[exp.Expr], StatementKind] = {
    exp.Insert: StatementKind.INSERT,
    exp.Delete: StatementKind.DELETE,
    exp.Update: StatementKind.UPDATE,
    exp.Merge: StatementKind.MERGE,
}

# Node types that change state or reach outside the query; refused anywhere in a tree.
_FORBIDDEN_NAMES = (
    "DML", "DDL", "Drop", "Alter", "AlterSession", "TruncateTable", "Command", "Set", "Pragma",
    "Attach", "Detach", "Install", "Use", "Transaction", "Commit", "Rollback", "Grant", "Revoke",
    "Into", "Lock", "Kill", "Analyze", "Cache", "Uncache", "Refresh", "Export", "LoadData",
    "Comment", "Declare", "Execute", "Summarize", "Undrop", "SwapTable", "ConnectTo",
    "Disconnect", "NextValueFor", "UserDefinedFunction", "Describe", "Show",
)  # fmt: skip
_FORBIDDEN: tuple[type[exp.Expr], ...] = tuple(getattr(exp, name) for name in _FORBIDDEN_NAMES if hasattr(exp, name))

_LABELS: dict[str, str] = {
    "truncatetable": "TRUNCATE",
    "transaction": "BEGIN TRANSACTION",
    "into": "SELECT ... INTO",
    "userdefinedfunction": "CREATE FUNCTION",
    "nextvaluefor": "NEXT VALUE FOR",
}

#: Functions that read files, the network or engine state: refused in any position.
DENIED_FUNCTIONS = frozenset(
    {
        "glob", "getenv", "current_setting", "query", "query_table", "sniff_csv", "checkpoint",
        "force_checkpoint", "load_extension", "install_extension", "which_secret", "system",
        "enable_logging", "disable_logging", "truncate_duckdb_logs", "set_variable", "read_blob",
        "read_text", "st_read",
    }
)  # fmt: skip
DENIED_PREFIXES = (
    "read_", "parquet_", "iceberg_", "delta_", "duckdb_", "pragma_", "sqlite_", "postgres_",
    "mysql_", "http", "write_", "ducklake_", "json_execute",
)  # fmt: skip

#: Table functions a query may use in FROM: they generate rows, they read nothing.
_ALLOWED_TABLE_FUNCTIONS: tuple[type[exp.Expr], ...] = (exp.GenerateSeries, exp.Unnest)
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def statement_label(node: exp.Expr) -> str:
    """A short upper-case name for a statement or clause (``INSERT``, ``CREATE TABLE``)."""
    if isinstance(node, exp.Command):
        return str(node.this).upper()
    if isinstance(node, exp.Create):
        return f"CREATE {node.args.get('kind') or ''}".strip().upper()
    if isinstance(node, exp.Column | exp.Identifier):
        return node.sql().upper()
    return _LABELS.get(node.key, node.key.upper())


def function_name(node: exp.Func) -> str:
    """The lower-case SQL name of a function call as the user wrote it."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def is_denied_function(name: str) -> bool:
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


def classify(tree: exp.Expr) -> StatementKind:
    """The kind of ``tree``, or PermissionDeniedError for anything the engine never runs.

    Whether the caller may write is checked separately (``require_permission``).
    """
    kind = _root_kind(tree)
    for node in tree.walk():
        if node is tree:
            continue
        # MERGE's WHEN ... THEN UPDATE/INSERT clauses are part of the MERGE itself.
        merge_action = isinstance(node.parent, exp.When) and node.arg_key == "then"
        if isinstance(node, _FORBIDDEN) and not merge_action:
            raise _forbidden_inside(node)
        if isinstance(node, exp.Func) and is_denied_function(function_name(node)):
            raise _denied_function(function_name(node))
        if isinstance(node, exp.Table):
            check_table_source(node)
    return kind


def require_permission(kind: StatementKind, *, allow_write: bool, label: str) -> None:
    """Refuse a write unless the caller holds write permission."""
    if kind.writes and not allow_write:
        raise PermissionDeniedError(
            f"{label} modifies data and needs write permission.",
            hint=READ_ONLY_HINT,
        )


def check_table_source(table: exp.Table) -> None:
    """Refuse table functions that read things and table names that are file paths."""
    source = table.this
    if isinstance(source, exp.Func):
        if isinstance(source, _ALLOWED_TABLE_FUNCTIONS):
            return
        raise _denied_function(function_name(source))
    if isinstance(source, exp.Identifier) and not _TABLE_NAME.match(source.name):
        raise PermissionDeniedError(
            f"{source.name!r} is not a table name; reading files by path is not allowed.",
            hint="Query lakehouse tables by name (`neurolake tables` lists them).",
        )


def _root_kind(tree: exp.Expr) -> StatementKind:
    for root_type, kind in _WRITE_ROOTS.items():
        if isinstance(tree, root_type):
            return kind
    if isinstance(tree, exp.Query | exp.Values | exp.Pivot):
        return StatementKind.QUERY
    if isinstance(tree, exp.Describe):
        return StatementKind.DESCRIBE
    if isinstance(tree, exp.Show):
        if str(tree.name).upper() != "TABLES":
            raise QueryValidationError(
                f"SHOW {tree.name} is not supported.", hint="Use SHOW TABLES, or DESCRIBE <table>."
            )
        return StatementKind.SHOW_TABLES
    raise PermissionDeniedError(f"{statement_label(tree)} statements are not allowed.", hint=READ_ONLY_HINT)


def _forbidden_inside(node: exp.Expr) -> PermissionDeniedError:
    label = statement_label(node)
    if isinstance(node, exp.DML) and node.find_ancestor(exp.CTE) is not None:
        return PermissionDeniedError(f"A data-modifying CTE ({label} inside WITH) is not allowed.", hint=READ_ONLY_HINT)
    return PermissionDeniedError(f"{label} is not allowed inside a query.", hint=READ_ONLY_HINT)


def _denied_function(name: str) -> PermissionDeniedError:
    return PermissionDeniedError(
        f"{name}() reads files or engine internals directly and is not allowed.",
        hint="Query lakehouse tables by name (`neurolake tables` lists them).",
    )
