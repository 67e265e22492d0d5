"""Checks that need the pinned snapshots: do the named columns exist?

The check is conservative: it flags a column only when no table the query reads has it and
the query does not define it itself (an alias, a CTE or subquery column, a lambda
parameter). Anything it cannot judge is left to the backend, whose own error is reported.
"""

from __future__ import annotations

from collections.abc import Sequence

from neurolake.engine.snapshots import TableSnapshot
from neurolake.engine.statement import PreparedStatement
from neurolake.errors import QueryValidationError
from neurolake.storage.names import did_you_mean


def check_columns(statement: PreparedStatement, snapshots: Sequence[TableSnapshot]) -> None:
    """Raise QueryValidationError (with a "did you mean") for a column no table has."""
    if not statement.checks_columns or not statement.columns:
        return
    by_alias: dict[str, set[str]] = {}
    for ref, snapshot in zip(statement.tables, snapshots, strict=True):
        by_alias.setdefault(ref.alias, set()).update(n.lower() for n in snapshot.column_names)
    every_column = set().union(*by_alias.values()) if by_alias else set()
    for column in statement.columns:
        if column.qualifier is not None:
            candidates = by_alias.get(column.qualifier)
            if candidates is None or column.name in candidates:
                continue  # a CTE, subquery or struct we cannot judge, or a real column
            where = f"table {column.qualifier!r}"
        else:
            candidates = every_column | statement.known_names
            if column.name in candidates or not by_alias:
                continue
            where = "the tables this query reads"
        raise QueryValidationError(
            f"Column {column.name!r} does not exist in {where}.",
            hint=did_you_mean(column.name, candidates) or "Check the column names with DESCRIBE <table>.",
            line=column.line,
            column=column.column,
        )
