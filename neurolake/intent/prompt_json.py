"""The ``intent_parsing`` prompt's JSON shape, to and from ``Intent``.

The prompt (prompts/intent_parsing) asks a model for a small JSON object (kind in
aggregate/list/lookup/schema/time_travel/unknown, ``table.column`` names, ``as_of``,
``clarification``). Reading it back checks every name against the schema and rebuilds the
joins from the catalog's keys, so a model can name columns but never invent a join.
"""

from __future__ import annotations

import re
from typing import Any

from neurolake.intent.keys import JoinGraph, Path
from neurolake.intent.model import (
    Filter,
    GroupBy,
    Intent,
    IntentKind,
    Join,
    Measure,
    OrderBy,
    TimeTravel,
)
from neurolake.intent.resolve import kind_of
from neurolake.intent.schema import SchemaInfo

_AGGREGATE_REF = re.compile(r"^\s*(count|count_distinct|sum|avg|min|max)\s*\(\s*(distinct\s+)?([\w.*]*)\s*\)\s*$", re.I)
_OPS = {
    "=": "=",
    "!=": "!=",
    ">": ">",
    ">=": ">=",
    "<": "<",
    "<=": "<=",
    "in": "in",
    "between": "between",
    "like": "like",
}


class IntentShapeError(ValueError):
    """The model's JSON names something the schema does not have; the message says what."""


def to_prompt_json(intent: Intent) -> dict[str, Any]:
    """An intent in the prompt's JSON shape (what the offline handler answers)."""
    kind = {
        IntentKind.AGGREGATION: "aggregate",
        IntentKind.RANKING: "aggregate" if intent.measures else "list",
        IntentKind.QUERY: "list",
        IntentKind.FILTER: "lookup",
        IntentKind.SCHEMA: "schema",
        IntentKind.TIME_TRAVEL: "time_travel",
    }.get(intent.kind, "aggregate" if intent.measures else "list")
    if intent.kind is IntentKind.UNKNOWN:
        kind = "unknown"
    aliases = {m.alias: m for m in intent.measures}
    clarification = intent.clarification
    grain = next((g.grain for g in intent.group_by if g.grain), None)
    as_of: int | str | None = None
    if intent.time_travel is not None:
        as_of = intent.time_travel.version if intent.time_travel.version is not None else intent.time_travel.timestamp
    filters: list[dict[str, Any]] = [
        {"column": f.column, "op": {"not_in": "!=", "is_null": "=", "not_null": "!="}.get(f.op, f.op), "value": f.value}
        for f in intent.filters
    ]
    if intent.time_range is not None and intent.time_range.column:
        if intent.time_range.start is not None:
            filters.append(
                {"column": intent.time_range.column, "op": ">=", "value": intent.time_range.start.isoformat()}
            )
        if intent.time_range.end is not None:
            filters.append({"column": intent.time_range.column, "op": "<", "value": intent.time_range.end.isoformat()})
    out: dict[str, Any] = {
        "kind": kind,
        "tables": list(intent.tables),
        "measures": [{"function": m.function, "column": m.column} for m in intent.measures],
        "group_by": [g.column for g in intent.group_by],
        "filters": filters,
        "order_by": [
            {
                "column": f"{aliases[o.target].function}({aliases[o.target].column or '*'})"
                if o.target in aliases
                else o.target,
                "direction": o.direction,
            }
            for o in intent.order_by
        ],
        "limit": intent.limit,
        "time_grain": grain,
        "as_of": as_of,
        "confidence": intent.confidence,
        "clarification": {"question": clarification.question, "options": clarification.options}
        if clarification is not None and intent.ambiguities
        else None,
    }
    if intent.having:
        # Written like order_by's aggregates: {"column": "count(*)", "op": ">", "value": 5}.
        out["having"] = [
            {
                "column": f"{aliases[h.column].function}({aliases[h.column].column or '*'})"
                if h.column in aliases
                else h.column,
                "op": h.op,
                "value": h.value,
            }
            for h in intent.having
        ]
    return out


def from_prompt_json(data: dict[str, Any], question: str, schema: SchemaInfo, graph: JoinGraph) -> Intent:
    """Read a model's answer; raise ``IntentShapeError`` naming the first thing that is wrong."""
    kind = str(data.get("kind") or "unknown")
    if kind == "unknown":
        return Intent(
            kind=IntentKind.UNKNOWN,
            question=question,
            confidence=0.0,
            refusal="The model could not map the question onto the tables.",
        )
    tables = [_table(schema, t) for t in data.get("tables") or []]
    if kind == "schema":
        return Intent(
            kind=IntentKind.SCHEMA,
            question=question,
            tables=tables[:1],
            schema_request="describe" if tables else "tables",
        )
    measures = []
    for m in data.get("measures") or []:
        column = _column(schema, m.get("column")) if m.get("column") not in (None, "*", "") else None
        function = str(m.get("function") or "count")
        if function not in ("count", "count_distinct", "sum", "avg", "min", "max"):
            raise IntentShapeError(f"measures: unknown function {function!r}")
        if function in ("sum", "avg") and column is not None and not schema.column(column).is_numeric:  # type: ignore[union-attr]
            raise IntentShapeError(f"measures: {column} is not a number, it cannot be summed or averaged")
        measures.append(Measure(function=function, column=column))
    grain = data.get("time_grain")
    groups = []
    for name in data.get("group_by") or []:
        column = _column(schema, name)
        info = schema.column(column)
        groups.append(GroupBy(column=column, grain=grain if info is not None and info.is_temporal and grain else None))
    filters = []
    for f in data.get("filters") or []:
        op = _OPS.get(str(f.get("op", "=")).lower())
        if op is None:
            raise IntentShapeError(f"filters: unknown operator {f.get('op')!r}")
        filters.append(Filter(column=_column(schema, f.get("column")), op=op, value=f.get("value")))
    order = []
    aliases = {f"{m.function}({m.column or '*'})".lower(): m.alias for m in measures}
    for o in data.get("order_by") or []:
        target = str(o.get("column") or "")
        match = _AGGREGATE_REF.match(target)
        if match:
            function = "count_distinct" if match.group(2) else match.group(1).lower()
            column = match.group(3) or "*"
            key = f"{function}({_column(schema, column) if column != '*' else '*'})".lower()
            if key not in aliases:
                raise IntentShapeError(f"order_by: {target} is not one of the measures")
            target = aliases[key]
        elif target not in {m.alias for m in measures}:
            target = _column(schema, target)
        order.append(OrderBy(target=target, direction="asc" if str(o.get("direction")).lower() == "asc" else "desc"))
    having = []
    for h in data.get("having") or []:
        target = str(h.get("column") or "")
        op = _OPS.get(str(h.get("op", "=")).lower())
        if op is None or op in ("in", "like"):
            raise IntentShapeError(f"having: unsupported operator {h.get('op')!r}")
        match = _AGGREGATE_REF.match(target)
        if match:
            function = "count_distinct" if match.group(2) else match.group(1).lower()
            column = match.group(3) or "*"
            measure = Measure(function=function, column=_column(schema, column) if column != "*" else None)
            if measure not in measures:
                measures.append(measure)
            target = measure.alias
        elif target not in {m.alias for m in measures}:
            raise IntentShapeError(f"having: {target} is not an aggregate such as count(*) or sum(table.column)")
        having.append(Filter(column=target, op=op, value=h.get("value")))
    as_of = data.get("as_of")
    travel = None
    if as_of not in (None, ""):
        travel = TimeTravel(version=int(as_of)) if str(as_of).isdigit() else TimeTravel(timestamp=str(as_of))
    intent = Intent(
        question=question,
        measures=measures,
        group_by=groups,
        filters=filters,
        having=having,
        order_by=order,
        limit=data.get("limit"),
        time_travel=travel,
        confidence=float(data.get("confidence") or 0.0),
    )
    referenced = [m.column for m in measures if m.column] + [g.column for g in groups] + [f.column for f in filters]
    referenced += [o.target for o in order if "." in o.target]
    root = tables[0] if tables else (referenced[0].rpartition(".")[0] if referenced else None)
    if root is None:
        raise IntentShapeError("tables: no table is named")
    if not measures and not groups:
        intent.columns = [f"{root}.*"]
    _join(intent, root, {c.rpartition(".")[0] for c in referenced} | set(tables), graph)
    intent.kind = kind_of(intent)
    return intent


def _table(schema: SchemaInfo, name: Any) -> str:
    info = schema.table(str(name))
    if info is None:
        raise IntentShapeError(f"tables: there is no table {name!r}; use one of {', '.join(schema.tables)}")
    return info.name


def _column(schema: SchemaInfo, name: Any) -> str:
    text = str(name or "")
    if "." not in text:
        owners = [t.name for t in schema.tables.values() if t.column(text) is not None]
        if len(owners) != 1:
            raise IntentShapeError(f"{text!r} must be written table.column" + (f" (one of {owners})" if owners else ""))
        text = f"{owners[0]}.{text}"
    info = schema.column(text)
    if info is None:
        raise IntentShapeError(f"there is no column {text!r} in the schema")
    return info.qualified


def _join(intent: Intent, root: str, tables: set[str], graph: JoinGraph) -> None:
    """Join ``tables`` to ``root`` along the shortest key paths."""
    intent.tables = [root]
    for target in sorted(tables - {root}):
        if target in intent.tables:
            continue
        paths: list[Path] = []
        for source in intent.tables:
            found = graph.shortest_paths(source, target)
            if found and (not paths or len(found[0]) < len(paths[0])):
                paths = found
        if not paths:
            raise IntentShapeError(f"tables: {target} is not connected to {root} by any key")
        for step in paths[0]:
            if step.target not in intent.tables:
                intent.tables.append(step.target)
                intent.joins.append(Join(table=step.target, on=[step.key.condition()]))
    if intent.columns and intent.joins:
        intent.distinct = True
