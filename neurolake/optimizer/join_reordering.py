"""join_reordering: in a run of inner joins, start from the smallest table and grow by size.

sqlglot has no cost-based join order, so this rule is ours. It looks at the leading run of
plain inner joins of each SELECT (``FROM a JOIN b ON ... JOIN c ON ...``), orders the inputs
greedily (smallest first, then always the smallest input joined by a condition to those already
placed), and puts every ON condition at the first join where all its tables are present. For
inner joins ON conditions are plain filters, so the rows are the same in any order.

Left alone: outer, semi, anti, lateral, natural and USING joins (and everything after the first
of them), inputs without a row count, volatile or subquery conditions, runs whose condition
graph is not connected (reordering would create a cross product), and a SELECT with LIMIT but
no ORDER BY, whose rows depend on the order of the scan.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from sqlglot.optimizer.scope import traverse_scope

_VOLATILE = (exp.Rand, exp.Uuid)


def join_reordering(tree: exp.Expr, *, row_counts: Mapping[str, int] | None = None) -> exp.Expr:
    """Reorder inner joins so smaller inputs come first; needs a qualified tree and row counts.

    >>> from sqlglot import parse_one
    >>> sql = "SELECT o.id AS id FROM orders AS o JOIN regions AS r ON o.region = r.id"
    >>> join_reordering(parse_one(sql), row_counts={"orders": 1000, "regions": 5}).sql()
    'SELECT o.id AS id FROM regions AS r JOIN orders AS o ON o.region = r.id'
    """
    if not row_counts:
        return tree
    sizes = {name.lower(): rows for name, rows in row_counts.items()}
    for scope in traverse_scope(tree):
        if isinstance(scope.expression, exp.Select):
            _reorder(scope.expression, sizes)
    return tree


def _reorder(select: exp.Select, sizes: Mapping[str, int]) -> None:
    from_ = select.args.get("from_")
    joins: list[exp.Join] = list(select.args.get("joins") or [])
    if from_ is None or not joins or (select.args.get("limit") and not select.args.get("order")):
        return
    run = _inner_run(joins)
    inputs = [from_.this] + [join.this for join in run]
    names = [source.alias_or_name for source in inputs]
    rows = [_rows(source, sizes) for source in inputs]
    if len(run) == 0 or len(set(names)) != len(names) or any(r is None for r in rows):
        return
    conditions = _conditions(run, set(names))
    if conditions is None:
        return
    order = _greedy_order(names, [r for r in rows if r is not None], conditions)
    if order is None or order == list(range(len(inputs))):
        return
    placed = _place(order, names, conditions)
    new_joins = [
        exp.Join(this=inputs[index], on=exp.and_(*placed[position], copy=False) if placed[position] else None)
        for position, index in enumerate(order)
        if position > 0
    ]
    if any(join.args.get("on") is None for join in new_joins):
        return  # a join would lose its condition: leave this run as written
    from_.set("this", inputs[order[0]])
    select.set("joins", new_joins + joins[len(run) :])


def _inner_run(joins: list[exp.Join]) -> list[exp.Join]:
    """The leading joins that are plain inner joins of a table or a derived table."""
    run = []
    for join in joins:
        plain = (
            not join.side
            and join.kind in ("", "INNER", "CROSS")
            and not join.method
            and not join.args.get("using")
            and not join.args.get("match_condition")
            and isinstance(join.this, (exp.Table, exp.Subquery))
            and not (isinstance(join.this, exp.Table) and not isinstance(join.this.this, exp.Identifier))
        )
        if not plain:
            break
        run.append(join)
    return run


def _rows(source: exp.Expr, sizes: Mapping[str, int]) -> int | None:
    if not isinstance(source, exp.Table) or not isinstance(source.this, exp.Identifier):
        return None
    qualified = ".".join(part for part in (source.db, source.name) if part).lower()
    return sizes.get(qualified, sizes.get(source.name.lower()))


def _conditions(run: list[exp.Join], names: set[str]) -> list[tuple[exp.Expr, set[str]]] | None:
    """Each ON conjunct with the inputs it reads; None when one cannot be moved safely."""
    conditions = []
    for join in run:
        on = join.args.get("on")
        for conjunct in on.flatten() if isinstance(on, exp.And) else [on] if on else []:
            if conjunct.find(exp.Query, *_VOLATILE):
                return None
            columns = list(conjunct.find_all(exp.Column))
            if any(not column.table for column in columns):
                return None
            conditions.append((conjunct, {c.table for c in columns if c.table in names}))
    return conditions


def _greedy_order(names: list[str], rows: list[int], conditions: list[tuple[exp.Expr, set[str]]]) -> list[int] | None:
    """Smallest input first, then the smallest one joined by a condition to those placed."""
    edges = [tables for _, tables in conditions if len(tables) == 2]
    remaining = sorted(range(len(names)), key=lambda i: (rows[i], i))
    order = [remaining.pop(0)]
    while remaining:
        placed = {names[i] for i in order}
        linked = [i for i in remaining if any(names[i] in e and e & placed for e in edges)]
        if not linked:
            return None  # no condition links the rest: reordering would make a cross product
        order.append(linked[0])
        remaining.remove(linked[0])
    return order


def _place(order: list[int], names: list[str], conditions: list[tuple[exp.Expr, set[str]]]) -> list[list[exp.Expr]]:
    """Conditions per position in the new order: each where its last table has joined."""
    position_of = {names[index]: position for position, index in enumerate(order)}
    placed: list[list[exp.Expr]] = [[] for _ in order]
    for conjunct, tables in conditions:
        position = max((position_of[t] for t in tables), default=1)
        placed[max(position, 1)].append(conjunct)
    return placed
