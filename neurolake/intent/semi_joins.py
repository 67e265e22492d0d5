"""Conditions on related rows read as "has one" / "has none", not as a join that repeats rows.

"dorms that do not have a TV lounge", joined to their amenities with ``amenity <> 'TV lounge'``,
keeps every dorm that has some other amenity; "nurses who are on call", joined to the on-call
shifts, lists a nurse once per shift. When the tables past a one-to-many step from the listed
table carry only conditions (nothing shown, counted, grouped or sorted comes from them), the
question asks whether such related rows exist:

- ``dorm.dormid NOT IN (SELECT has_amenity.dormid FROM has_amenity JOIN dorm_amenity ON ...
  WHERE dorm_amenity.amenity_name = 'TV Lounge')`` when every condition there is negated;
- ``nurse.employeeid IN (SELECT on_call.nurse FROM on_call)`` when none is.

Negated and plain conditions mixed in one related part ("professors who do not play tennis on
Mondays") stay as they were read.
"""

from __future__ import annotations

from neurolake.intent.keys import ForeignKey, JoinGraph
from neurolake.intent.model import Filter, Intent, Join, SubQuery

_NEGATED = {"!=": "=", "not_in": "in"}


def as_semi_joins(intent: Intent, graph: JoinGraph) -> Intent:
    """``intent`` with each filter-only branch below a one-to-many step made an IN / NOT IN."""
    if not intent.joins or intent.combine is not None or not intent.tables:
        return intent
    root = intent.tables[0]
    for join in list(intent.joins):
        if _parent(join) != root:
            continue
        key = _fan_key(graph, join, root)
        if key is not None:
            intent = _folded(intent, join.table, key)
    return intent


def _parent(join: Join) -> str | None:
    """The one table ``join`` attaches its table to, or None."""
    others = {c.rsplit(".", 1)[0] for pair in join.on for c in pair} - {join.table}
    return next(iter(others)) if len(others) == 1 else None


def _fan_key(graph: JoinGraph, join: Join, root: str) -> ForeignKey | None:
    """The key by which ``join``'s table refers to ``root`` (so a root row has many of them)."""
    if len(join.on) != 1:
        return None
    pair = {c.lower() for c in join.on[0]}
    for fk in graph.keys:
        if fk.table == join.table and fk.ref_table == root and {c.lower() for c in fk.condition()} == pair:
            return fk
    return None


def _branch(intent: Intent, child: str) -> set[str]:
    """``child`` and every table joined below it."""
    below = {child}
    for join in intent.joins:
        if _parent(join) in below:
            below.add(join.table)
    return below


def _tables_used(intent: Intent) -> set[str]:
    """Tables of what the answer shows, computes, groups, sorts or ranges over."""
    columns = [*intent.columns, *(m.column for m in intent.measures if m.column)]
    columns += [g.column for g in intent.group_by] + [o.target for o in intent.order_by if "." in o.target]
    columns += [f.column for f in intent.any_of]
    if intent.time_range is not None and intent.time_range.column:
        columns.append(intent.time_range.column)
    return {c.rsplit(".", 1)[0] for c in columns}


def _folded(intent: Intent, child: str, key: ForeignKey) -> Intent:
    branch = _branch(intent, child)
    if branch & _tables_used(intent):
        return intent
    inside = [f for f in intent.filters if f.column.rsplit(".", 1)[0] in branch]
    negated = [f for f in inside if f.op in _NEGATED and f.subquery is None]
    if negated and len(negated) != len(inside):
        return intent  # "not X but Y" about the same related rows: no single existence question
    conditions = [f.model_copy(update={"op": _NEGATED[f.op]}) for f in negated] if negated else inside
    joins = [j for j in intent.joins if j.table in branch and j.table != child]
    own, other = f"{key.ref_table}.{key.ref_column}", f"{child}.{key.column}"
    absent = next((f for f in intent.filters if _none_of(f, own, other)), None)
    kept = [f for f in intent.filters if f not in inside and f is not absent]
    if absent is not None and absent.subquery is not None and not negated:
        # "instructors who did not teach courses in the Spring": the conditions say which rows are absent.
        sub = absent.subquery
        merged = sub.model_copy(update={"joins": [*sub.joins, *joins], "filters": [*sub.filters, *conditions]})
        exists = absent.model_copy(update={"subquery": merged})
    else:
        kept += [absent] if absent is not None else []
        sub = SubQuery(column=other, joins=joins, filters=conditions)
        exists = Filter(column=own, op="not_in" if negated else "in", subquery=sub)
    return intent.model_copy(
        update={
            "tables": [t for t in intent.tables if t not in branch],
            "joins": [j for j in intent.joins if j.table not in branch],
            "filters": [*kept, exists],
        }
    )


def _none_of(f: Filter, own: str, other: str) -> bool:
    """``f`` says the row has no related rows in ``other`` (``own NOT IN (SELECT other ...)``)."""
    return f.op == "not_in" and f.column == own and f.subquery is not None and f.subquery.column == other
