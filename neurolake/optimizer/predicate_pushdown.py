"""predicate_pushdown: apply filters as early as possible, below joins and inside subqueries.

Built on sqlglot's ``pushdown_predicates``: a WHERE condition on one table moves into the ON of
the inner join that brings that table in, and a condition on a derived table or CTE moves into
it (unless it aggregates, windows, limits or is read twice). Outer joins keep their filters.

Two differences from sqlglot, both for the plans the backends make:

- A condition with a subquery (scalar, ``IN (SELECT ...)``, ``EXISTS``) stays where it was
  written: in a join's ON, DuckDB planned TPC-H Q2 2.5x slower, and Spark refuses a
  correlated scalar subquery there. A condition that reads a column of an enclosing query (a
  correlated condition) stays in its subquery's WHERE, where the backends decorrelate it.
- Conditions keep their written order: those that stay are not sorted, and those that move
  are appended in order to the ON or WHERE they move to (sqlglot sorts them by their text).

sqlglot leaves ``TRUE`` where a condition used to be; those are tidied away.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import Dialect, exp
from sqlglot.optimizer.normalize import normalized
from sqlglot.optimizer.pushdown_predicates import pushdown_cnf, pushdown_dnf
from sqlglot.optimizer.scope import Scope, build_scope

from neurolake.optimizer.constant_folding import contains_subquery, drop_true_conditions, simplify_in_order
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
    pushed = drop_true_conditions(_pushdown_predicates(tree, dialect), dialect=dialect)
    if pushed == baseline:  # only simplified: that alone is not worth a rewrite
        raise RuleSkipped("no filter can move closer to its table")
    return pushed


def _pushdown_predicates(tree: exp.Expr, dialect: str) -> exp.Expr:
    """sqlglot's ``pushdown_predicates`` (30.x), minus the conditions that must stay put."""
    root = build_scope(tree)
    if root is None:
        return tree
    ref_count = root.ref_count()
    presto_like = _presto_like(dialect)
    for scope in reversed(list(root.traverse())):
        select = scope.expression
        where = select.args.get("where")
        joins: list[exp.Join] = select.args.get("joins") or []
        if any(join.args.get("nearest") for join in joins):
            continue
        if where is not None:
            join_index = {join.alias_or_name: i for i, join in enumerate(joins)}
            # a RIGHT or FULL join null-extends what was joined before it: only sources after it
            last_null_extending = max((i for i, join in enumerate(joins) if join.side in ("RIGHT", "FULL")), default=-1)
            reachable: dict[str, tuple[exp.Selectable, exp.Table | Scope]] = {}
            allowed = True
            for name, (node, source) in scope.selected_sources.items():
                parent = node.find_ancestor(exp.Join, exp.From)
                if isinstance(parent, exp.Join):
                    if isinstance(node, exp.Unnest) and presto_like:
                        allowed = False  # Presto and Trino join an UNNEST only with CROSS JOIN
                        break
                    position = join_index.get(parent.alias_or_name, -1)
                else:
                    position = -1
                if position >= last_null_extending:
                    reachable[name] = (node, source)
            if allowed:
                _pushdown(where, "this", scope, reachable, ref_count, dialect, join_index)
        # a join's own condition only moves into that join's source
        for join in joins:
            name = join.alias_or_name
            if join.side in ("RIGHT", "FULL") or name not in scope.selected_sources:
                continue
            _pushdown(join, "on", scope, {name: scope.selected_sources[name]}, ref_count, dialect, None)
    return tree


def _pushdown(
    clause: exp.Expr,
    key: str,
    scope: Scope,
    sources: Mapping[str, tuple[exp.Selectable, exp.Table | Scope]],
    ref_count: Mapping[int, int],
    dialect: str,
    join_index: Mapping[str, int] | None,
) -> None:
    condition = clause.args.get(key)
    if condition is None:
        return
    condition = simplify_in_order(condition, dialect=dialect)
    clause.set(key, condition)
    cnf_like = normalized(condition) or not normalized(condition, dnf=True)
    connector = exp.And if cnf_like else exp.Or
    predicates = list(condition.flatten()) if isinstance(condition, connector) else [condition]
    movable = [p for p in predicates if _movable(p, scope)]
    if cnf_like:
        pushdown_cnf(movable, sources, ref_count, join_index=join_index)
    elif len(movable) == len(predicates):  # each OR branch goes along, so all must be movable
        pushdown_dnf(predicates, sources, ref_count, join_index=join_index)


def _movable(predicate: exp.Expr, scope: Scope) -> bool:
    """Neither a subquery nor a column of an enclosing query (both stay in WHERE)."""
    if contains_subquery(predicate):
        return False
    local = set(scope.selected_sources)
    return all(column.table in local for column in predicate.find_all(exp.Column) if column.table)


def _presto_like(dialect: str) -> bool:
    # By class name: importing Presto's and Athena's dialects costs every query 40 ms at first.
    return any(cls.__name__ in ("Presto", "Athena") for cls in type(Dialect.get_or_raise(dialect)).__mro__)


def _simplify_conditions(tree: exp.Expr, dialect: str) -> exp.Expr:
    """The conditions in the form pushdown leaves them when it moves nothing."""
    for select in tree.find_all(exp.Select):
        where = select.args.get("where")
        if where is not None:
            where.set("this", simplify_in_order(where.this, dialect=dialect))
        for join in select.args.get("joins") or []:
            if join.args.get("on") is not None and join.side not in ("RIGHT", "FULL"):
                join.set("on", simplify_in_order(join.args["on"], dialect=dialect))
    drop_true_conditions(tree, dialect=dialect)
    return tree
