"""Checks every rewrite must pass: time travel clauses and positional parameters survive.

A rule that moves or copies a subtree could drop ``VERSION AS OF 3`` from a table, or move a
``?`` ahead of another one so the values bind to the wrong places. Either would silently change
the result, so the optimizer refuses such a rewrite (:class:`UnsafeRewrite`).
"""

from __future__ import annotations

import re
from collections import Counter

from sqlglot import exp

from neurolake.optimizer.outputs import UnsafeRewrite

_PARAMETER = "neurolake_parameter"
_MARKER = re.compile(r"__neurolake_parameter_(\d+)__")


def tag_positional_parameters(tree: exp.Expr, *, dialect: str = "duckdb") -> None:
    """Number each ``?`` by its place in the SQL text, so it can be followed through rewrites."""
    placeholders = _positional(tree)
    for provisional, placeholder in enumerate(placeholders):
        placeholder.meta[_PARAMETER] = provisional
    position = {provisional: rank for rank, provisional in enumerate(parameter_order(tree, dialect=dialect))}
    for placeholder in placeholders:
        placeholder.meta[_PARAMETER] = position[placeholder.meta[_PARAMETER]]


def check_rewrite(
    before: exp.Expr,
    after: exp.Expr,
    *,
    dialect: str,
    reads_before: Counter[tuple[str, str]] | None = None,
    parameters: bool = True,
) -> None:
    """Raise :class:`UnsafeRewrite` if ``after`` lost a time travel clause or reordered a ``?``.

    ``reads_before`` is ``time_travel(before)`` when already known; ``parameters=False`` says
    the query had no ``?`` when they were tagged, so there is no order to check (a rewrite
    cannot make up tagged ones).
    """
    if isinstance(before, exp.Query) and not isinstance(after, exp.Query):
        raise UnsafeRewrite("the rewrite is no longer a query")
    gained = time_travel(after) - (time_travel(before) if reads_before is None else reads_before)
    if gained:
        table, version = next(iter(gained))
        raise UnsafeRewrite(f"the rewrite changed how table {table} is read ({version or 'current version'})")
    if parameters and parameter_order(after, dialect=dialect) != parameter_order(before, dialect=dialect):
        raise UnsafeRewrite("the rewrite moves, drops or copies a positional parameter (?)")


def time_travel(tree: exp.Expr) -> Counter[tuple[str, str]]:
    """How often each table is read at each version (``''`` for the current one)."""
    reads: Counter[tuple[str, str]] = Counter()
    for table in tree.find_all(exp.Table):
        version = table.args.get("version") or table.args.get("when")
        reads[(table.name.lower(), version.sql() if version else "")] += 1
    return reads


def parameter_order(tree: exp.Expr, *, dialect: str) -> list[int]:
    """The numbers of the tagged ``?`` placeholders in the order the SQL text binds them."""
    if not any(p.meta.get(_PARAMETER) is not None for p in _positional(tree)):
        return []
    marked = tree.copy()
    for placeholder in list(_positional(marked)):
        number = placeholder.meta.get(_PARAMETER, -1)
        placeholder.replace(exp.var(f"__neurolake_parameter_{number}__"))
    return [int(number) for number in _MARKER.findall(marked.sql(dialect))]


def _positional(tree: exp.Expr) -> list[exp.Placeholder]:
    return [p for p in tree.find_all(exp.Placeholder) if not p.this]
