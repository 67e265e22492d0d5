"""The row a superlative picks, when the answer lists the many rows related to it.

"the names of cities in the county with the most police officers" picks one county, then lists
its cities. Read as ``ORDER BY police_officers DESC LIMIT 1`` over the join it shows one city
only. When every shown table lies past a one-to-many step from the ranked one, the extreme
picks the ranked row and the answer keeps all its related rows:
``WHERE county.police_officers = (SELECT MAX(county.police_officers) FROM county JOIN city ...)``.
The extreme is taken over the same joined and filtered rows as the answer (a county without
cities is not the one meant), like an ordering with a limit that keeps its ties. "the
department of the student with the lowest GPA" (one department per student) stays an ordering
with a limit.
"""

from __future__ import annotations

from neurolake.intent.keys import JoinGraph, Path
from neurolake.intent.model import Filter, Intent, Join, SubQuery


def extreme_as_filter(intent: Intent, graph: JoinGraph) -> Intent:
    """``intent`` with a top-1 ordering on a related table's column made a filter on its extreme."""
    if intent.limit != 1 or len(intent.order_by) != 1 or intent.combine is not None:
        return intent
    if intent.measures or intent.group_by or intent.having or not intent.columns:
        return intent
    order = intent.order_by[0]
    if "." not in order.target:
        return intent
    ranked = order.target.rsplit(".", 1)[0]
    shown = {c.rsplit(".", 1)[0] for c in intent.columns}
    if ranked in shown or not all(_fans_out(graph.shortest_paths(ranked, t)) for t in shown):
        return intent
    joins = _rooted_at(ranked, intent.joins)
    if joins is None:
        return intent
    plain = [f for f in intent.filters if f.subquery is None]
    function = "max" if order.direction == "desc" else "min"
    extreme = SubQuery(column=order.target, function=function, joins=joins, filters=plain)
    picked = Filter(column=order.target, op="=", subquery=extreme)
    return intent.model_copy(update={"filters": [*intent.filters, picked], "order_by": [], "limit": None})


def _rooted_at(root: str, joins: list[Join]) -> list[Join] | None:
    """The same joins written from ``root`` (each joins a table to those joined before it)."""
    pairs = [(a, b) for join in joins for a, b in join.on]
    tables = {_table(c) for pair in pairs for c in pair}
    joined, out = {root}, []
    while tables - joined:
        for table in sorted(tables - joined):
            on = [
                (a, b)
                for a, b in pairs
                if table in (_table(a), _table(b)) and {_table(a), _table(b)} <= joined | {table}
            ]
            if on:
                out.append(Join(table=table, on=on))
                joined.add(table)
                break
        else:
            return None  # not connected to the ranked table
    return out


def _table(column: str) -> str:
    return column.rsplit(".", 1)[0]


def _fans_out(paths: list[Path]) -> bool:
    """Every shortest path takes a one-to-many step (from a referenced table to one that refers to it)."""
    return bool(paths) and all(any(step.source == step.key.ref_table for step in path) for path in paths)
