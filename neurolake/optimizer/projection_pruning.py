"""projection_pruning: subqueries and CTEs compute only the columns somebody reads.

Wraps sqlglot's ``pushdown_projections``; the outermost select list is never touched, and a
subquery under DISTINCT or a set operation keeps every column (removing one would change which
rows are distinct).
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.pushdown_projections import pushdown_projections


def projection_pruning(tree: exp.Expr) -> exp.Expr:
    """Drop select items of subqueries and CTEs that no outer query uses; needs a qualified tree.

    >>> from sqlglot import parse_one
    >>> sql = "SELECT s.a AS a FROM (SELECT x.a AS a, x.b AS b, x.c AS c FROM x AS x) AS s"
    >>> projection_pruning(parse_one(sql)).sql()
    'SELECT s.a AS a FROM (SELECT x.a AS a FROM x AS x) AS s'
    """
    return pushdown_projections(tree)
