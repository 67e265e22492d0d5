"""predicate_pushdown: apply filters as early as possible, below joins and inside subqueries.

Wraps sqlglot's ``pushdown_predicates``: a WHERE condition on one table moves into the ON of
the inner join that brings that table in, and a condition on a derived table or CTE moves into
it (unless it aggregates, windows, limits or is read twice). Outer joins keep their filters.
sqlglot leaves ``TRUE`` where a condition used to be; those are tidied away.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.pushdown_predicates import pushdown_predicates
from sqlglot.optimizer.simplify import simplify

from neurolake.optimizer.constant_folding import drop_true_conditions
from neurolake.optimizer.rule import RuleSkipped


def predicate_pushdown(tree: exp.Expr, *, dialect: str = "duckdb") -> exp.Expr:
    """Push WHERE conditions into joins and subqueries; needs a qualified tree.

    >>> from sqlglot import parse_one
    >>> sql = ("SELECT s.a AS a FROM (SELECT x.a AS a FROM x AS x) AS s "
    ...        "JOIN y AS y ON s.a = y.a WHERE s.a > 1 AND y.b = 2")
    >>> predicate_pushdown(parse_one(sql)).sql()
    'SELECT s.a AS a FROM (SELECT x.a AS a FROM x AS x WHERE x.a > 1) AS s JOIN y AS y ON s.a = y.a AND y.b = 2'
    """
    baseline = _simplify_conditions(tree.copy(), dialect)
    pushed = drop_true_conditions(pushdown_predicates(tree, dialect=dialect), dialect=dialect)
    if pushed == baseline:  # sqlglot also reorders conditions; that alone is not worth a rewrite
        raise RuleSkipped("no filter can move closer to its table")
    return pushed


def _simplify_conditions(tree: exp.Expr, dialect: str) -> exp.Expr:
    """The conditions in the form pushdown leaves them when it moves nothing."""
    for select in tree.find_all(exp.Select):
        where = select.args.get("where")
        if where is not None:
            where.set("this", simplify(where.this, dialect=dialect))
        for join in select.args.get("joins") or []:
            if join.args.get("on") is not None and join.side not in ("RIGHT", "FULL"):
                join.set("on", simplify(join.args["on"], dialect=dialect))
    drop_true_conditions(tree, dialect=dialect)
    return tree
