"""redundant_subquery_elimination: merge subqueries into their parent, or turn them into joins.

Wraps sqlglot: ``unnest_subqueries`` rewrites ``IN (SELECT ...)``, ``EXISTS`` and scalar
subqueries in conditions as joins (never ``NOT IN``, whose NULL semantics a join cannot keep),
``merge_subqueries`` folds derived tables and single-use CTEs into the query that reads them
when that cannot change the rows (no aggregation, DISTINCT, window or LIMIT in the way), and
``eliminate_ctes`` drops CTEs nobody reads any more.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.eliminate_ctes import eliminate_ctes
from sqlglot.optimizer.merge_subqueries import merge_subqueries
from sqlglot.optimizer.unnest_subqueries import unnest_subqueries

from neurolake.optimizer.constant_folding import drop_true_conditions


def redundant_subquery_elimination(tree: exp.Expr, *, dialect: str = "duckdb", unnest: bool = True) -> exp.Expr:
    """Merge or unnest subqueries where that is safe; needs a qualified tree.

    >>> from sqlglot import parse_one
    >>> sql = "SELECT s.a AS a FROM (SELECT x.a AS a FROM x AS x WHERE x.b > 1) AS s"
    >>> redundant_subquery_elimination(parse_one(sql)).sql()
    'SELECT x.a AS a FROM x AS x WHERE x.b > 1'
    """
    if unnest:
        tree = unnest_subqueries(tree)
    tree = merge_subqueries(tree)
    tree = eliminate_ctes(tree)
    return drop_true_conditions(tree, dialect=dialect)  # decorrelating leaves `WHERE TRUE AND ...`
