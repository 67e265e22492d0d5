"""Follow-ups: "only Germany", "now by month", "top 3", "what about last year".

A follow-up is parsed like any question, then edits the previous intent: it replaces the
slots it names (a filter on the same column, the grouping, the period, the limit) and keeps
the rest. Candidates in the previous intent's tables are preferred, and the joins are
worked out again for whatever tables the edited intent now needs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from neurolake.intent.frame import Frame, Slot
from neurolake.intent.keys import JoinGraph
from neurolake.intent.linker import Target
from neurolake.intent.model import (
    Ambiguity,
    AmbiguityOption,
    Filter,
    GroupBy,
    Intent,
    IntentKind,
    Join,
    Measure,
    OrderBy,
    TimeRange,
    TimeTravel,
)
from neurolake.intent.resolve import _COUNT_OF_WHAT, DEFAULT_TOP, UNLINKED_PENALTY, Resolver, _counts_table, kind_of
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.text import Question

if TYPE_CHECKING:
    from neurolake.intent.keys import Path

_STARTS = (
    ("what", "about"), ("how", "about"), ("what", "if"), ("and",), ("but",), ("only",), ("just",), ("now",),
    ("instead",), ("also",), ("same",), ("then",), ("limit",), ("restrict",), ("filter",), ("exclude",),
    ("excluding",), ("without",), ("except",), ("break", "it"), ("split", "it"), ("sort",), ("order",),
    ("as", "of"), ("show", "only"), ("show", "it"), ("group", "it"), ("make", "it"), ("for",),
)  # fmt: skip
#: Bonus for candidates in the previous intent's tables.
CONTEXT_BONUS = 0.3


def is_follow_up(q: Question, frame: Frame, context: Intent) -> bool:
    """True when ``q`` edits ``context`` rather than asking something new."""
    if context.kind in (IntentKind.UNKNOWN, IntentKind.SCHEMA, IntentKind.SQL) or not context.tables:
        return False
    words = [t.text for t in q.tokens]
    starts = any(tuple(words[: len(s)]) == s for s in _STARTS)
    own = [s for s in frame.slots if s.role in ("entity", "which") or (s.role == "measure" and s.mention)]
    if own and not starts:
        return False
    return starts or bool(frame.slots or frame.grain or frame.period or frame.limit or frame.time_travel)


#: How a message that builds on the last answer starts ("only Germany", "what about 2023").
_FOLLOW_UP_START = re.compile(
    r"^\s*(?:what|how)\s+about\b|^\s*(?:and|but|only|just|now|instead|also|same|then|for|by|per|in|as\s+of|"
    r"without|except|excluding|exclude|limit|restrict|filter|sort|order|top|bottom|split|break|group|make|show\s+only)\b",
    re.IGNORECASE,
)


def is_complete(question: str, fresh: Intent) -> bool:
    """True when ``question`` read alone is a whole question (what to compute, from which table)
    and does not start like a follow-up: it is answered as asked, not as an edit of the last answer."""
    if _FOLLOW_UP_START.match(question) or fresh.kind in (IntentKind.UNKNOWN, IntentKind.SQL):
        return fresh.kind is IntentKind.SQL
    if fresh.needs_clarification:
        return False
    return bool(fresh.tables) and bool(fresh.measures or fresh.columns)


class FollowUp:
    """Applies a follow-up frame to the previous intent."""

    def __init__(self, schema: SchemaInfo, graph: JoinGraph, resolver: Resolver) -> None:
        self.schema = schema
        self.graph = graph
        self.resolver = resolver

    def apply(self, context: Intent, frame: Frame, question: str, role_words: set[str]) -> Intent:
        intent = context.model_copy(deep=True)
        intent.question = question
        intent.ambiguities = []
        intent.kind = IntentKind.QUERY
        tables = set(context.tables)
        new_groups: list[GroupBy] = []
        filters = list(intent.filters)
        for slot in frame.slots:
            if slot.role == "which" and slot.mention is not None:
                # "what about Spain": a value to filter on; "what about channel": a grouping;
                # "what about revenue" after an aggregate: the measure.
                best = slot.mention.best
                role = "filter" if best.kind == "value" else "group"
                if role == "group" and intent.measures and self._measure_of(best) is not None:
                    role = "measure"
                slot = Slot(role, slot.mention)
            target = self._pick(slot, tables)
            if slot.role == "column" and target is not None and intent.measures:
                # "revenue by country" after "orders by country": a bare amount replaces the measure.
                measure = self._measure_of(target)
                if measure is not None:
                    intent.measures = [measure]
                    continue
            if slot.role == "filter" and target is not None and target.kind == "value":
                negate = slot.value == "not"
                joined = slot.joined_with is not None and any(f.column == target.qualified for f in filters)
                if joined:
                    filters = _add_value(filters, target.qualified, target.value)
                else:
                    filters = [f for f in filters if f.column != target.qualified]
                    filters.append(Filter(column=target.qualified, op="!=" if negate else "=", value=target.value))
            elif slot.role == "compare" and (having := self._having(intent, slot)) is not None:
                # "only those with more than 10 orders", "only those above 1000": the groups, not the rows.
                measure, condition = having
                if measure not in intent.measures:
                    intent.measures.append(measure)
                intent.having = [
                    h for h in intent.having if not (h.column == condition.column and h.op == condition.op)
                ] + [condition]
            elif slot.role == "compare" and _counts_table(slot):
                # "only those with more than 5 orders" with nothing to count them per: not a row filter.
                return Intent(kind=IntentKind.UNKNOWN, question=question, confidence=0.0, refusal=_COUNT_OF_WHAT)
            elif slot.role == "compare" and target is not None:
                op = slot.op or "="
                filters = [f for f in filters if not (f.column == target.qualified and f.op == op)]
                filters.append(Filter(column=target.qualified, op=op, value=slot.value))
            elif slot.role == "group" and target is not None:
                new_groups += self._group(target, frame)
            elif slot.role == "measure":
                intent.measures = self._measures(intent, slot, target)
            elif slot.role in ("rank",) and target is not None and target.kind == "column":
                intent.order_by = [OrderBy(target=target.qualified, direction=slot.direction or "desc")]
        intent.filters = filters
        _follow_measures(intent, context)
        if frame.grain is not None:
            column = self._time_column(intent)
            if column is not None:
                new_groups = [g for g in new_groups if not g.grain] + [GroupBy(column=column, grain=frame.grain)]
        if new_groups:
            intent.group_by = new_groups
            intent.order_by = [o for o in intent.order_by if o.target in {m.alias for m in intent.measures}]
            if not intent.measures:
                intent.measures = [Measure(function="count")]
        date_choices: list[str] = []
        if frame.period is not None:
            date_choices = self._time_columns(intent)
            column = date_choices[0] if date_choices else None
            intent.time_range = TimeRange(
                column=column, start=frame.period.start, end=frame.period.end, label=frame.period.label
            )
        if frame.limit is not None or frame.ranking:
            intent.limit = frame.limit or intent.limit or DEFAULT_TOP
            direction = frame.rank_direction or "desc"
            if intent.measures:
                intent.order_by = [OrderBy(target=intent.measures[-1].alias, direction=direction)]
            elif intent.order_by:
                intent.order_by = [OrderBy(target=o.target, direction=direction) for o in intent.order_by]
        if frame.sort_direction and intent.order_by:
            intent.order_by = [OrderBy(target=o.target, direction=frame.sort_direction) for o in intent.order_by]
        if frame.time_travel is not None:
            version, timestamp = frame.time_travel
            intent.time_travel = TimeTravel(version=version, timestamp=timestamp)
        self._rejoin(intent, role_words)
        intent.kind = kind_of(intent, explain=frame.explain)
        intent.confidence = round(context.confidence * (UNLINKED_PENALTY ** len(frame.unlinked)), 3)
        intent.unlinked = frame.unlinked
        if len(date_choices) > 1 and frame.period is not None:
            intent.ambiguities = [self._date_ambiguity(intent, date_choices, frame.period.label, role_words)]
        return intent

    def _date_ambiguity(self, intent: Intent, columns: list[str], label: str, role_words: set[str]) -> Ambiguity:
        """A period on a table with several dates ("what about 1996" on line items): one option per date."""
        options = []
        for column in columns[:4]:
            option = intent.model_copy(deep=True)
            assert option.time_range is not None
            option.time_range = option.time_range.model_copy(update={"column": column})
            self._rejoin(option, role_words)
            info = self.schema.column(column)
            words = " ".join(info.words) if info is not None else column
            options.append(AmbiguityOption(label=words, intent=option))
        labels = [o.label for o in options]
        question = f"Which date should {label!r} apply to: {', '.join(labels[:-1])} or {labels[-1]}?"
        return Ambiguity(slot="time", question=question, options=options)

    # ------------------------------------------------------------------------ pieces

    def _pick(self, slot: Slot, tables: set[str]) -> Target | None:
        if slot.mention is None:
            if slot.role == "compare":
                choices = self.resolver._compare_choices(slot, [Slot("entity", None)])
                in_context = [c for c in choices if c.target is not None and c.target.table in tables]
                pool = in_context or choices
                return pool[0].target if pool else None
            return None
        best: Target | None = None
        best_score = 0.0
        for t in slot.mention.candidates:
            if slot.role == "filter" and t.kind != "value":
                continue
            if slot.role in ("group",) and t.kind == "value":
                continue
            if slot.role == "compare" and (t.kind != "column" or not self._is_number(t)):
                continue
            score = t.score + (CONTEXT_BONUS if t.table in tables else 0.0)
            if score > best_score:
                best, best_score = t, score
        return best

    def _having(self, intent: Intent, slot: Slot) -> tuple[Measure, Filter] | None:
        """A comparison in a follow-up of a grouped aggregate that is about what is computed per group:
        a bare number ("only those above 1000": the measure), a count ("with more than 10 orders"),
        or the measure's own column ("only those with revenue over 1M")."""
        if slot.popularity:
            return None
        mention = slot.mention
        counts = slot.function == "count" and mention is not None and mention.best.kind == "table"
        if not intent.measures and not intent.group_by and counts and mention is not None:
            # A list of one table, then a count of rows that refer to it.
            root = intent.tables[0]
            if mention.best.table == root or not self._entity_groups(root):
                return None
            if self.resolver._tree(root, frozenset({mention.best.table})) is None:
                return None
            # "show me the customers", then "only those with more than 5 orders": per customer.
            intent.group_by = self._entity_groups(root)
            intent.columns, intent.distinct = [], False
        elif not intent.measures or not intent.group_by:
            return None
        measure: Measure | None = None
        if mention is None:
            measure = intent.measures[-1]
        elif slot.function == "count" and mention.best.kind == "table":
            info = self.schema.tables[mention.best.table]
            key = info.key.qualified if info.key is not None else None
            for m in intent.measures:
                counts_rows = m.function == "count" and m.column is None and intent.tables[0] == info.name
                if counts_rows or (
                    m.function in ("count", "count_distinct") and m.column is not None and m.column == key
                ):
                    measure = m
            if measure is None and key is None and info.name != intent.tables[0]:
                if intent.measures:
                    return None  # counting its rows would change what the other measures count
                # Rows without a key ("items" of an order) are counted from their own table.
                intent.tables = [info.name, *[t for t in intent.tables if t != info.name]]
                measure = Measure(function="count")
            if measure is None:
                joined = info.name != intent.tables[0] or bool(intent.joins)
                measure = (
                    Measure(function="count_distinct", column=key) if key and joined else Measure(function="count")
                )
        elif mention.best.kind == "column":
            columns = {t.qualified for t in mention.of_kind("column")[:3]}
            measure = next((m for m in intent.measures if m.column in columns), None)
        if measure is None:
            return None
        op = slot.op or "="
        value = list(slot.value) if op == "between" else slot.value
        return measure, Filter(column=measure.alias, op=op, value=value)

    def _entity_groups(self, table: str) -> list[GroupBy]:
        info = self.schema.tables[table]
        out = [GroupBy(column=info.key.qualified)] if info.key is not None else []
        if out and info.label is not None and info.label is not info.key:
            out.append(GroupBy(column=info.label.qualified))
        return out

    def _measure_of(self, t: Target) -> Measure | None:
        """A bare amount column as a measure (sum, or avg for prices and rates); None for anything else."""
        col = self.schema.column(t.qualified) if t.kind == "column" else None
        if col is None or col.role != "number":
            return None
        return Measure(function="avg" if col.averaged else "sum", column=col.qualified)

    def _is_number(self, t: Target) -> bool:
        col = self.schema.column(t.qualified)
        return col is not None and col.is_numeric

    def _group(self, target: Target, frame: Frame) -> list[GroupBy]:
        if target.kind == "table":
            info = self.schema.tables[target.table]
            out = [GroupBy(column=info.key.qualified)] if info.key is not None else []
            if info.label is not None and info.label is not info.key:
                out.append(GroupBy(column=info.label.qualified))
            return out
        col = self.schema.column(target.qualified)
        if col is not None and col.is_temporal:
            return [GroupBy(column=target.qualified, grain=frame.grain or "month")]
        return [GroupBy(column=target.qualified)]

    def _measures(self, intent: Intent, slot: Slot, target: Target | None) -> list[Measure]:
        function = slot.function or "sum"
        if target is None:
            # "and the average?": the same column, another function.
            column = next((m.column for m in intent.measures if m.column), None)
            if column is None:
                return intent.measures if function != "count" else [Measure(function="count")]
            return [Measure(function=function, column=column)]
        if target.kind == "table":
            return [Measure(function="count")]
        return [Measure(function=function, column=target.qualified)]

    def _time_column(self, intent: Intent) -> str | None:
        columns = self._time_columns(intent)
        return columns[0] if columns else None

    def _time_columns(self, intent: Intent) -> list[str]:
        """The date the previous intent already used, else every date of its first table that has one."""
        if intent.time_range is not None and intent.time_range.column:
            return [intent.time_range.column]
        for group in intent.group_by:
            if group.grain:
                return [group.column]
        for name in intent.tables:
            info = self.schema.tables.get(name)
            temporal = [c.qualified for c in info.columns if c.is_temporal] if info is not None else []
            if temporal:
                return temporal
        return []

    def _rejoin(self, intent: Intent, role_words: set[str]) -> None:
        """Join whatever tables the edited intent names, from its first table."""
        root = intent.tables[0]
        needed = {c.rpartition(".")[0] for c in _columns(intent)} - {root}
        tree = self.resolver._tree(root, frozenset(needed))
        if tree is None:
            return
        steps, _ = tree
        tables = [root]
        joins: list[Join] = []
        for _table, paths in steps:
            matching = [p for p in paths if {w for s in p for w in s.key.role} & role_words]
            path: Path = matching[0] if len(matching) == 1 else paths[0]
            # Keep the previous join when it still reaches the table.
            for step in path:
                if step.target in tables:
                    continue
                previous = next((j for j in intent.joins if j.table == step.target), None)
                tables.append(step.target)
                joins.append(previous or Join(table=step.target, on=[step.key.condition()]))
        intent.tables = tables
        intent.joins = joins
        if intent.columns and not intent.measures:
            intent.distinct = bool(joins)


def _follow_measures(intent: Intent, context: Intent) -> None:
    """An order on a measure the follow-up replaced moves to the new measure ("top 5 ... what about revenue")."""
    aliases = {m.alias for m in intent.measures}
    replaced = {m.alias for m in context.measures} - aliases
    if not replaced or not intent.measures:
        return
    new = intent.measures[-1].alias
    intent.order_by = [
        OrderBy(target=new, direction=o.direction) if o.target in replaced else o for o in intent.order_by
    ]


def _columns(intent: Intent) -> list[str]:
    out = [m.column for m in intent.measures if m.column]
    out += [g.column for g in intent.group_by]
    out += [f.column for f in intent.filters]
    out += [c for c in intent.columns if not c.endswith(".*")]
    if intent.time_range is not None and intent.time_range.column:
        out.append(intent.time_range.column)
    out += [o.target for o in intent.order_by if "." in o.target]
    return out


def _add_value(filters: list[Filter], column: str, value: object) -> list[Filter]:
    out = []
    for f in filters:
        if f.column == column and f.op in ("=", "in"):
            values = f.value if isinstance(f.value, list) else [f.value]
            out.append(Filter(column=column, op="in", value=[*values, value]))
        else:
            out.append(f)
    return out
