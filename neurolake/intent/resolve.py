"""From a frame to an ``Intent``: choose every slot's candidate jointly, join, and know when to ask.

Each slot keeps its top candidates. Every combination is scored: the sum of the chosen
candidates' scores minus a penalty per join its tables need (so "country" is the
orders' own column when the question is about orders). The best combination wins unless
a combination that reads one slot differently scores within ``BAND`` of it and gives
different SQL: then that slot becomes a clarification whose options are both complete
intents. Two equally short join paths (a trip's start and end station) are asked about
the same way, unless a role word in the question ("start") picks one.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from neurolake.intent.frame import Frame, Slot
from neurolake.intent.keys import ID_ENDINGS, JoinGraph, Path, Step, names_a_middle
from neurolake.intent.lexicon import MONEY_WORDS
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
    Schedule,
    TimeRange,
    TimeTravel,
)
from neurolake.intent.schema import ColumnInfo, SchemaInfo, TableInfo
from neurolake.intent.vocab import load, word_lists
from neurolake.intent.words import split_identifier

JOIN_PENALTY = 0.25
#: Summing a column over a one-to-many join counts it once per child row: almost never meant.
FANOUT_PENALTY = 0.3
#: Two readings closer than this are a tie: ask instead of guessing.
BAND = 0.12
TOP_K = 3
#: Confidence kept per content word that linked to nothing.
UNLINKED_PENALTY = 0.7
#: Default limit of a ranking without a number: one for "the best product", ten for "top products".
DEFAULT_TOP = 10
#: Words of text columns that tell rows apart (a name, an address), unlike kinds (a type, a city).
_IDENTIFYING_WORDS = frozenset(
    {"name", "title", "description", "detail", "details", "address", "email", "mail", "phone", "comment", "note",
     "text", "line", "street", "url", "summary", "content", "message", "body", "label", "first", "last", "full"}
)  # fmt: skip
#: Amounts that add up across rows ("countries with revenue over 1M": a sum per country).
_ADDITIVE = word_lists("reading")["additive"]
#: Columns that sort rows into kinds ("policy type code"): listed, they are what is grouped by.
_KIND_WORDS = frozenset(load("english")["words"]["kind_words"])


@dataclass(frozen=True)
class Choice:
    """One reading of one slot: the target it names and the tables that needs."""

    target: Target | None
    score: float
    tables: frozenset[str]
    label: str
    #: For measures/ranks: the aggregate function; for entity groups: "entity".
    detail: str | None = None


@dataclass
class Plan:
    """A complete reading: one choice per slot, the root table and the joins."""

    choices: tuple[Choice, ...]
    root: str
    joins: list[tuple[str, Path]]
    score: float
    path_options: dict[str, list[Path]] = field(default_factory=dict)


class Resolver:
    """Turns frames into intents against one schema."""

    def __init__(self, schema: SchemaInfo, graph: JoinGraph) -> None:
        self.schema = schema
        self.graph = graph
        self._tree_cache: dict[tuple[str, frozenset[str]], tuple[list[tuple[str, list[Path]]], int] | None] = {}

    # ------------------------------------------------------------------------ entry point

    def resolve(self, frame: Frame, question: str, role_words: set[str]) -> Intent:
        """The intent the frame most likely means, with ambiguities when it is not sure."""
        slots = self._prepare(frame)
        if not slots and frame.period is None:
            return Intent(kind=IntentKind.UNKNOWN, question=question, confidence=0.0, refusal=_NOT_UNDERSTOOD)
        if any(s.role == "compare" and _counts_table(s) for s in slots):
            # "how many customers have more than 5 orders": a count of groups, not of rows.
            nested = any(s.role in ("measure", "rank") for s in slots)
            refusal = _NESTED if nested else _COUNT_OF_WHAT
            return Intent(kind=IntentKind.UNKNOWN, question=question, confidence=0.0, refusal=refusal)
        choices = [self._choices(slot, frame, slots) for slot in slots]
        time_grouped = frame.grain is not None and not any(
            s.role == "group" and any(self._is_temporal(t) for t in (s.mention.candidates if s.mention else []))
            for s in slots
        )
        if frame.period is not None or time_grouped:
            # One date column serves the period and the time grouping ("per month in 2024").
            slots.append(Slot("time", value="group" if time_grouped else None))
            choices.append(self._time_choices(frame, slots, choices))
        usable = [(s, c) for s, c in zip(slots, choices, strict=True) if c]
        dropped = [s for s, c in zip(slots, choices, strict=True) if not c]
        if not usable:
            return Intent(kind=IntentKind.UNKNOWN, question=question, confidence=0.0, refusal=_NOT_UNDERSTOOD)
        slots = [s for s, _ in usable]
        choices = [c for _, c in usable]
        plans = self._plans(slots, choices)
        if not plans:
            return Intent(
                kind=IntentKind.UNKNOWN,
                question=question,
                confidence=0.0,
                refusal="The tables this question needs are not connected by any key I can find.",
            )
        best = plans[0]
        intent = self._intent(frame, slots, best, question, role_words)
        confidence = self._confidence(slots, choices, best, plans, frame, dropped)
        intent.confidence = confidence
        ambiguities = self._slot_ambiguities(frame, slots, choices, plans, question, role_words)
        ambiguities += self._path_ambiguities(frame, slots, best, question, role_words)
        intent.ambiguities = ambiguities[:3]
        return intent

    # ------------------------------------------------------------------------ slots

    def _prepare(self, frame: Frame) -> list[Slot]:
        """Settle roles that depend on the whole frame (rankings, implicit measures, context tables)."""
        slots = list(frame.slots)

        def of(*roles: str) -> list[Slot]:
            return [s for s in slots if s.role in roles]

        def swap(old: Slot, new: Slot) -> None:
            slots[slots.index(old)] = new

        def numeric(slot: Slot) -> bool:
            return slot.mention is not None and _numeric_first(slot.mention.candidates, self.schema)

        # "how many Germans": a count of a value is a count of rows with that value.
        for m in of("measure"):
            if m.mention is not None and m.mention.best.kind == "value" and m.function == "count":
                swap(m, Slot("filter", m.mention))
                slots.append(Slot("measure", None, function="count"))

        # "display every customer": "every"/"each" groups only when something is computed.
        if not of("measure", "rank") and not frame.ranking:
            for g in of("group"):
                if g.source in ("every", "each", "across") and g.mention is not None and g.mention.best.kind == "table":
                    swap(g, Slot("entity", g.mention))

        if frame.ranking:
            # In a ranking, "by <number>" names the metric, not a grouping.
            for g in of("group"):
                if numeric(g):
                    swap(g, Slot("rank", g.mention, direction=frame.rank_direction or "desc"))
            # "top 3 customers by total spend": the measure is what is ranked.
            if not of("rank") and of("measure"):
                m = of("measure")[-1]
                swap(m, Slot("rank", m.mention, function=m.function, direction=frame.rank_direction or "desc"))
            # "the three customers who spent the most": the number mentioned is the metric.
            bare = [r for r in of("rank") if r.mention is None and not r.hints and not r.popularity]
            candidates = [c for c in of("column") if numeric(c)]
            if bare and candidates:
                swap(candidates[0], Slot("rank", candidates[0].mention, direction=bare[0].direction))
                slots.remove(bare[0])
            if not of("rank") and candidates:
                swap(candidates[0], Slot("rank", candidates[0].mention, direction=frame.rank_direction))
            # "top 3 countries by ...": a column named as the thing ranked is a grouping.
            for e in of("entity", "column"):
                if (
                    e.mention is not None
                    and e.mention.best.kind == "column"
                    and not numeric(e)
                    and of("rank", "measure")
                ):
                    swap(e, Slot("group", e.mention))
        for w in of("which"):
            # "which country has the highest revenue": the asked-about thing is the grouping.
            mention = w.mention
            if of("rank", "measure"):
                swap(w, Slot("group", mention))
                # "the names and ids of the albums, and how many tracks": the ids are listed per album too
                counted = [m.mention for m in of("measure") if m.mention is not None]
                if not of("rank") and counted and all(m.best.kind == "table" for m in counted):
                    for c in _joined_after(w, of("column"), frame.words):
                        swap(c, Slot("group", c.mention))
            elif mention is not None and mention.best.kind == "table":
                swap(w, Slot("entity", mention))
            elif mention is not None and mention.best.kind == "column":
                swap(w, Slot("column", mention))
            else:
                swap(w, Slot("filter", mention))

        # "customers with more than 5 orders", "countries with revenue over 1M": a comparison on
        # something computed per subject filters the groups (HAVING), not the rows.
        for c in of("compare"):
            subject = self._having_subject(c, slots)
            if subject is None:
                continue
            swap(c, Slot("having", c.mention, function=c.function, op=c.op, value=c.value, popularity=c.popularity))
            if subject.role in ("column", "group") and subject.mention is not None:
                swap(subject, Slot("group", subject.mention))

        # "the largest order total": a superlative with nothing to rank is an aggregate.
        if frame.limit is None and not of("entity", "group"):
            for r in of("rank"):
                if r.mention is not None and not r.popularity and any(c.kind == "column" for c in r.mention.candidates):
                    function = "min" if (r.direction or frame.rank_direction) == "asc" else "max"
                    swap(r, Slot("measure", r.mention, function=function))
                    frame.ranking = False

        # "revenue by country": a number next to a grouping is summed (averaged for prices).
        if (of("group") or frame.grain) and not of("measure", "rank", "having"):
            numbers = [c for c in of("column") if numeric(c)]
            if numbers:
                swap(numbers[0], Slot("measure", numbers[0].mention, function=None))
            elif of("entity"):
                # "orders by status": count the entity's rows per group.
                slots.append(Slot("measure", None, function="count"))

        if of("measure") and not of("group", "rank", "having"):
            # "the names of products and the number of complaints": listed beside a number of
            # another table's rows, the columns are what it is computed per.
            # "all majors and the number of students": beside a count of their own table's rows,
            # they are kinds the rows are counted by.
            listed = _listed_before_count(of("column"), of("measure"), frame.words)
            own = _counted_by(listed, of("measure"))
            for c in own or _listed_per_row(listed, of("measure")):
                swap(c, Slot("group", c.mention, source="" if own else "listed"))
        if of("measure", "rank", "having"):
            # "average discount on order lines": a leftover name says where, it is not listed;
            # "the part with the least amount: list its id and amount": a ranked column named
            # again is listed too.
            ranked = set() if of("measure", "having") else {_named_column(r) for r in of("rank")} - {None}
            for c in of("column", "hint"):
                if c.role != "column" or _named_column(c) not in ranked:
                    swap(c, Slot("context", c.mention, source="listed" if c.role == "column" else ""))
        # A table named beside what is computed only says where to look ("discount on order lines").
        entities = of("entity")
        targets = [s for s in of("measure", "rank") if s.mention is not None and s.mention.best.kind != "table"]
        for i, e in enumerate(entities):
            if i == 0 and frame.ranking:
                continue  # "top 10 orders by total amount": the orders are what is ranked
            if i > 0 or targets or any(s.role == "measure" and s.mention is not None for s in slots):
                swap(e, Slot("context", e.mention))
        return slots

    def _having_subject(self, compare: Slot, slots: list[Slot]) -> Slot | None:
        """What a comparison is computed per, when it is on an aggregate; None for a row filter.

        "customers with more than 5 orders" (a count of another table), "products ordered more
        than 3 times" (rows that refer to the entity), "customers with revenue over 1000" (a
        number of a table that refers to the entity), "countries with revenue over 10000" and
        "categories whose average price is below 50" (a number per value of a column). "orders
        over 100" and "products cheaper than 10" compare the entity's own column: rows.
        """
        mention = compare.mention
        entities = [s for s in slots if s.role == "entity" and s.mention is not None and s.mention.best.kind == "table"]
        entity_tables = {s.mention.best.table for s in entities if s.mention is not None}
        columns = [
            s
            for s in slots
            if s.role in ("column", "group")
            and s.mention is not None
            and s.mention.best.kind == "column"
            and not _numeric_first(s.mention.candidates, self.schema)
            and s.mention.end <= (mention.start if mention is not None else 10**6)
        ]
        if compare.popularity:
            return entities[0] if entities else None
        if mention is None:
            return None
        if _counts_table(compare):
            counted = mention.best.table
            rest = [e for e in entities if e.mention is not None and e.mention.best.table != counted]
            if rest:
                return rest[0]
            return columns[0] if columns and not entities else None
        if mention.best.kind != "column" or not _numeric_first(mention.candidates, self.schema):
            return None
        if entities:
            owners = {t.table for t in mention.of_kind("column")}
            table = mention.best.table
            if owners & entity_tables or not any(table in self._children(e) for e in entity_tables):
                return None  # "orders with a total amount over 1000": the entity's own number
            return entities[0]
        if compare.function is None and not set(mention.words) & _ADDITIVE:
            return None  # "employees of each gender whose salary is lower than 50000": each row's salary
        return columns[0] if columns else None

    def _children(self, table: str) -> set[str]:
        """Tables whose rows refer to ``table``, directly or through others (one-to-many)."""
        seen: set[str] = set()
        todo = [table]
        while todo:
            current = todo.pop()
            for fk in self.graph.neighbours(current):
                if fk.same_rows:
                    continue  # one row each: nothing to count per row
                if fk.ref_table == current and fk.table != current and fk.table not in seen and fk.table != table:
                    seen.add(fk.table)
                    todo.append(fk.table)
        return seen

    def _having_choices(self, slot: Slot, slots: list[Slot]) -> list[Choice]:
        """What is computed per subject and compared: a count of a table or an aggregate of a number."""
        if slot.popularity:
            return self._rank_choices(slot, slots)
        mention = slot.mention
        if mention is None:
            return []
        out: list[Choice] = []
        if slot.function == "count" and mention.best.kind == "table":
            for t in mention.of_kind("table"):
                label = f"number of {_words(self.schema.tables[t.table].words)}"
                out.append(Choice(t, t.score, frozenset({t.table}), label, "count"))
            return _top(out)
        entity_tables = set(self._entity_tables(slots))
        for t in mention.of_kind("column"):
            col = self._column(t)
            if not col.is_numeric or col.role == "key" or t.table in entity_tables:
                continue
            fn = slot.function if slot.function in ("sum", "avg", "min", "max") else None
            fn = fn or ("avg" if col.averaged else "sum")
            out.append(Choice(t, t.score, frozenset({t.table}), self._column_label(t), fn))
        return _top(_dedupe(out))

    def _choices(self, slot: Slot, frame: Frame, slots: list[Slot]) -> list[Choice]:
        mention = slot.mention
        role = slot.role
        if role == "entity":
            if mention is None:
                return []
            # A table named outright is meant; a half-matching other table is no rival.
            tables = self._table_choices(mention.candidates)
            return [c for c in tables if c.score >= tables[0].score - 0.2] if tables else []
        if role == "context":
            if mention is None:
                return []
            # Weighed half, and optional: it must not force a join on its own.
            weighed = [replace(c, score=round(c.score * 0.5, 3)) for c in self._table_choices(mention.candidates)]
            return [*weighed, Choice(None, 0.0, frozenset(), "nothing")]
        if role == "measure":
            return self._measure_choices(slot, slots)
        if role == "rank":
            return self._rank_choices(slot, slots)
        if role == "having":
            return self._having_choices(slot, slots)
        if role == "group":
            if mention is None:
                return []
            return self._group_choices(mention.candidates)
        if role == "filter":
            if mention is None:
                return []
            out = [
                Choice(t, t.score, frozenset({t.table}), self._value_label(t), "not" if slot.value == "not" else None)
                for t in mention.of_kind("value")
            ]
            if not out:
                out = [
                    Choice(t, t.score * 0.9, frozenset({t.table}), self._column_label(t), "true")
                    for t in mention.of_kind("column")
                    if self._column(t).role == "boolean"
                ]
            return _top(out)
        if role == "compare":
            return self._compare_choices(slot, slots)
        if role in ("order", "column"):
            if mention is None:
                return []
            cols = mention.of_kind("column")
            out = [Choice(t, t.score, frozenset({t.table}), self._column_label(t)) for t in cols]
            if not out and role == "column":
                return []
            return _top(out)
        return []

    def _table_choices(self, candidates: Sequence[Target]) -> list[Choice]:
        tables = [t for t in candidates if t.kind == "table"]
        out = [Choice(t, t.score, frozenset({t.table}), _words(self.schema.tables[t.table].words)) for t in tables]
        if not out:
            # A column named as the thing to list ("emails"): its table, a little less sure.
            seen: set[str] = set()
            for t in candidates:
                if t.kind == "column" and t.table not in seen:
                    seen.add(t.table)
                    table = Target("table", t.table, t.score * 0.8)
                    out.append(
                        Choice(table, table.score, frozenset({t.table}), _words(self.schema.tables[t.table].words))
                    )
        return _top(out)

    def _measure_choices(self, slot: Slot, slots: list[Slot]) -> list[Choice]:
        function = slot.function
        mention = slot.mention
        if mention is None:
            if function in ("count", None):
                return [Choice(None, 0.9, frozenset(), "number of rows", "count")]
            # "average" with nothing after it: any amount-like column, weakly.
            return _top(self._money_columns(function, 0.55))
        out: list[Choice] = []
        for t in mention.candidates:
            if t.kind == "table":
                if function in ("count", "count_distinct", None):
                    out.append(
                        Choice(t, t.score, frozenset({t.table}), _words(self.schema.tables[t.table].words), "count")
                    )
                else:
                    out += self._money_columns(function, t.score * 0.7, only_table=t.table)
            elif t.kind == "column":
                col = self._column(t)
                if function in ("count", "count_distinct"):
                    fn = "count_distinct" if function == "count_distinct" or col.role == "key" else "count"
                    if fn == "count" and col.is_numeric and self._refers(col):
                        fn = "count_distinct"  # "how many patients stayed": each patient once
                    elif fn == "count" and col.is_numeric and split_identifier(col.name)[-1] in ID_ENDINGS:
                        fn = "count"  # "how many rooms" over room_number: the rows, not a sum of numbers
                    elif fn == "count" and col.is_numeric:
                        fn = "sum"  # "the number of points", "total number of passengers": added up
                    elif fn == "count" and col.role == "text":
                        fn = "count_distinct"  # "how many cities", "the number of transaction types"
                    out.append(
                        Choice(
                            t,
                            t.score * (1.0 if col.role in ("key", "text") else 0.8),
                            frozenset({t.table}),
                            self._column_label(t),
                            fn,
                        )
                    )
                elif col.is_numeric or (function in ("min", "max") and col.is_temporal):
                    fn = function or ("avg" if col.averaged else "sum")
                    out.append(Choice(t, t.score, frozenset({t.table}), self._column_label(t), fn))
        return _top(_dedupe(out))

    def _refers(self, col: ColumnInfo) -> bool:
        """A number that points at another table's row (``stay.patient``): counted, never added up."""
        return any(k.table == col.table and k.column == col.name for k in self.graph.keys)

    def _money_columns(self, function: str | None, score: float, only_table: str | None = None) -> list[Choice]:
        out = []
        for table in self.schema.tables.values():
            if only_table and table.name != only_table:
                continue
            for col in table.columns:
                if not col.is_numeric:
                    continue
                bonus = 0.1 if set(col.words) & MONEY_WORDS else 0.0
                t = Target("column", table.name, round(score + bonus, 3), col.name)
                fn = function or ("avg" if col.averaged else "sum")
                out.append(Choice(t, t.score, frozenset({table.name}), self._column_label(t), fn))
        out.sort(key=lambda c: -c.score)
        return out

    def _rank_choices(self, slot: Slot, slots: list[Slot]) -> list[Choice]:
        """What to rank by: a column (of the entity or summed per entity) or a count of rows."""
        entity_tables = self._entity_tables(slots)
        if slot.popularity:
            out = []
            for table in entity_tables:
                for fk in self.graph.neighbours(table):
                    if fk.ref_table == table and fk.table != table and not fk.same_rows:
                        t = Target("table", fk.table, 0.8)
                        out.append(
                            Choice(
                                t,
                                0.8,
                                frozenset({fk.table}),
                                f"number of {_words(self.schema.tables[fk.table].words)}",
                                "count",
                            )
                        )
            return _top(_dedupe(out))
        mention = slot.mention
        if mention is None:
            # "the longest trips", "the most expensive product": a column of the entity matching the hints.
            out = self._verb_dates(slot.verb) if slot.verb else []
            if out:
                return _top(sorted(out, key=lambda c: -c.score))
            near = slot.about.best.table if slot.about is not None and slot.about.best.kind == "table" else None
            if near is not None and entity_tables and any(s.mention is slot.about for s in slots):
                # "the customer who made an order most recently": the order's date, not the customer's
                entity_tables = [near, *(t for t in entity_tables if t != near)]
            for i, table in enumerate(entity_tables or list(self.schema.tables)):
                if near is not None and i > 0 and out:
                    break
                for col in self.schema.tables[table].columns:
                    if not (col.is_numeric or col.is_temporal):
                        continue
                    sim = max((self.schema.lexicon.similarity(h, w) for h in slot.hints for w in col.words), default=0)
                    if sim >= 0.8:
                        t = Target("column", table, round(0.6 + 0.3 * sim, 3), col.name)
                        out.append(Choice(t, t.score, frozenset({table}), self._column_label(t), "order"))
            if not out and {"date", "time"} & set(slot.hints):
                # "the most recent appointment": its one date ("start"), whatever it is called
                for table in entity_tables:
                    out = [self._ordered_by(c, 0.6) for c in self.schema.tables[table].columns if c.is_temporal]
                    if out:
                        break
            elif not out:
                # "the biggest station": no column says size; the entity's numbers are the candidates.
                for table in entity_tables:
                    out += [replace(c, detail="order") for c in self._numeric_of(table, (), 0.55)]
            return _top(sorted(out, key=lambda c: -c.score))
        words = mention.words
        if slot.hints and len(words) == 1 and words[0].endswith("ed") and (dated := self._verb_dates(words[0])):
            return _top(dated)  # "the patient who most recently stayed": the stay's date
        out = []
        for t in mention.candidates:
            if t.kind == "table":
                out.append(
                    Choice(
                        t,
                        t.score,
                        frozenset({t.table}),
                        f"number of {_words(self.schema.tables[t.table].words)}",
                        "count",
                    )
                )
            elif t.kind == "column":
                col = self._column(t)
                if col.is_numeric or col.is_temporal:
                    own = t.table in entity_tables or (slot.about is not None and slot.about.best.table == t.table)
                    fn = "order" if own else ("avg" if col.averaged else "sum")
                    out.append(Choice(t, t.score, frozenset({t.table}), self._column_label(t), fn))
        return _top(_dedupe(out))

    def _verb_dates(self, verb: str) -> list[Choice]:
        """ "released most recently", "contacted most recently": the date columns the verb names."""
        return [self._ordered_by(col, 0.9) for col in self.schema.dated_by(verb)]

    def _ordered_by(self, col: ColumnInfo, score: float) -> Choice:
        """Rank by ``col`` itself (not a sum or average of it)."""
        t = Target("column", col.table, score, col.name)
        return Choice(t, score, frozenset({col.table}), self._column_label(t), "order")

    def _matching_paths(self, options: list[Path], role_words: set[str]) -> list[Path]:
        """The paths the question's words pick: by a key's role ("start station"), else by a table
        they pass through ("registered for courses": the registrations, not the attendance)."""
        matching = [p for p in options if _path_roles(p) & role_words]
        matching = matching or [p for p in options if names_a_middle(self.schema, p, role_words)]
        # No word picks: a row's own description ("professor" -> its "employee" row) is no other reading.
        return matching or [p for p in options if all(_to_same_rows(s) for s in p)][:1]

    def _entity_tables(self, slots: list[Slot]) -> list[str]:
        out = []
        for s in slots:
            if s.role in ("entity", "group") and s.mention is not None:
                best = s.mention.best
                if best.kind == "table" and best.table not in out:
                    out.append(best.table)
        return out

    def _group_choices(self, candidates: Sequence[Target]) -> list[Choice]:
        out = []
        for t in candidates:
            if t.kind == "table":
                # A table without key or name groups nothing: "per line item" is per row.
                info = self.schema.tables[t.table]
                out.append(Choice(t, t.score, frozenset({t.table}), _words(info.words), "entity"))
            elif t.kind == "column":
                col = self._column(t)
                tables = {c.table for c in candidates if c.kind == "table"}
                if t.table in tables and self.schema.tables[t.table].label is col:
                    continue  # "each party": not also party.party, the party's own name
                penalty = 0.9 if col.is_numeric else 1.0
                out.append(Choice(t, t.score * penalty, frozenset({t.table}), self._column_label(t)))
        return _top(_dedupe(out))

    def _compare_choices(self, slot: Slot, slots: list[Slot]) -> list[Choice]:
        out: list[Choice] = []
        wants_date = isinstance(slot.value, str)
        if slot.mention is not None:
            for t in slot.mention.of_kind("column"):
                col = self._column(t)
                if col.is_temporal if wants_date else col.is_numeric:
                    out.append(Choice(t, t.score, frozenset({t.table}), self._column_label(t)))
            keyed = slot.op == "=" and isinstance(slot.value, int) and not isinstance(slot.value, bool)
            if not out and keyed:
                out = self._identified(slot)
            if not out and slot.mention.best.kind == "table":
                for t in slot.mention.of_kind("table"):
                    out += self._numeric_of(t.table, slot.hints, 0.6)
        if not out:
            tables = self._entity_tables(slots) or list(self.schema.tables)
            for table in tables:
                out += self._numeric_of(table, slot.hints, 0.55)
        return _top(sorted(out, key=lambda c: -c.score))

    def _identified(self, slot: Slot) -> list[Choice]:
        """ "customer 10", "course 301": the row of the table named right before the number, by its key.
        ("the student whose id is 171" is not guessed: which table's id is meant is not said.)"""
        assert slot.mention is not None
        out = []
        for t in slot.mention.of_kind("table"):
            info = self.schema.tables[t.table]
            if info.key is not None:
                key = Target("column", t.table, t.score * 0.9, info.key.name)
                out.append(Choice(key, key.score, frozenset({t.table}), self._column_label(key)))
        return out

    def _numeric_of(self, table: str, hints: tuple[str, ...], base: float) -> list[Choice]:
        out = []
        numbers = [c for c in self.schema.tables[table].columns if c.is_numeric]
        if len(numbers) == 1 and not hints:
            base += 0.2  # the table's only number is what "over 500" is about
        for col in numbers:
            sim = max((self.schema.lexicon.similarity(h, w) for h in hints for w in col.words), default=0.0)
            score = base + (0.3 * sim if hints else 0.0)
            if hints and sim < 0.8:
                score = base - 0.1
            t = Target("column", table, round(score, 3), col.name)
            out.append(Choice(t, t.score, frozenset({table}), self._column_label(t)))
        return out

    def _time_choices(self, frame: Frame, slots: list[Slot], choices: list[list[Choice]]) -> list[Choice]:
        hinted: dict[str, float] = {}
        if frame.period_mention is not None:
            named_dates = any(
                t.kind == "column" and self._column(t).is_temporal for t in frame.period_mention.candidates
            )
            for t in frame.period_mention.candidates:
                if t.kind == "table" and named_dates:
                    continue  # "line items shipped": the ship date, not any date of line items
                if t.kind == "column" and self._column(t).is_temporal:
                    hinted[t.qualified] = max(hinted.get(t.qualified, 0.0), t.score, 0.85)
                if t.kind == "table":
                    for col in self.schema.tables[t.table].columns:
                        if col.is_temporal:
                            hinted.setdefault(col.qualified, 0.85)
        # "customers who spent more than 1000 in 2024": the period is on the rows that are summed.
        computed = {
            t for s, pool in zip(slots, choices, strict=False) if s.role == "having" for c in pool[:1] for t in c.tables
        }
        out = []
        for col in self.schema.columns:
            if not col.is_temporal:
                continue
            t = Target("column", col.table, 0.0, col.name)
            score = max(0.65, hinted.get(col.qualified, 0.0) + (0.1 if col.qualified in hinted else 0.0))
            if not hinted and col.table in computed:
                score = 0.8
            out.append(Choice(replace(t, score=round(score, 3)), score, frozenset({col.table}), self._column_label(t)))
        out.sort(key=lambda c: -c.score)
        return out[:6]

    # ------------------------------------------------------------------------ plans

    def _plans(self, slots: list[Slot], choices: list[list[Choice]]) -> list[Plan]:
        k = TOP_K if len(slots) <= 5 else 2
        # Among equally good candidates, those in tables other slots name come first.
        named = {t for pool in choices for c in pool[:1] for t in c.tables}
        pools = []
        for slot, pool in zip(slots, choices, strict=True):
            ordered = sorted(pool, key=lambda c: (-round(c.score, 3), not (c.tables & named)))
            pools.append(ordered if slot.role == "time" else ordered[:k])
        plans = []
        for combo in itertools.product(*pools):
            plan = self._plan(slots, combo)
            if plan is not None:
                plans.append(plan)
        plans.sort(key=lambda p: -p.score)
        return plans

    def _plan(self, slots: list[Slot], combo: tuple[Choice, ...]) -> Plan | None:
        tables: set[str] = set()
        for choice in combo:
            tables |= choice.tables
        root = self._root(slots, combo)
        if root is None:
            return None
        tree = self._tree(root, frozenset(tables - {root}))
        if tree is None:
            return None
        steps, joins = tree
        chosen = [(table, paths[0]) for table, paths in steps]
        additive = any(
            s.role in ("measure", "rank", "having")
            and c.detail in ("sum", "avg")
            and c.target is not None
            and c.target.table == root
            for s, c in zip(slots, combo, strict=True)
        )
        fanouts = sum(1 for _, path in chosen for step in path if step.key.table == step.target) if additive else 0
        # A join to the same rows described further ("professor" rows are "employee" rows) costs half.
        same_rows = sum(1 for _, path in chosen for step in path if _to_same_rows(step))
        score = sum(c.score for c in combo) - JOIN_PENALTY * (joins - same_rows / 2) - FANOUT_PENALTY * fanouts
        options = {table: paths for table, paths in steps if len(paths) > 1}
        return Plan(combo, root, chosen, score, options)

    def _root(self, slots: list[Slot], combo: tuple[Choice, ...]) -> str | None:
        order = ("measure", "rank", "having", "entity", "column", "group", "filter", "compare", "order", "time")
        for role in order:
            for slot, choice in zip(slots, combo, strict=True):
                if slot.role != role or not choice.tables:
                    continue
                if role == "rank" and choice.detail == "order":
                    continue  # ranking an entity by its own column: the entity is the root
                return next(iter(choice.tables))
        for choice in combo:
            if choice.tables:
                return next(iter(choice.tables))
        return None

    def _tree(self, root: str, others: frozenset[str]) -> tuple[list[tuple[str, list[Path]]], int] | None:
        """Join steps from ``root`` to every other table (shortest paths, grown greedily), in the
        order of the tables that joins the fewest (a few tables: every order is tried)."""
        key = (root, others)
        if key not in self._tree_cache:
            orders = itertools.permutations(sorted(others)) if len(others) <= 3 else [tuple(sorted(others))]
            grown = [t for t in (self._grown(root, order) for order in orders) if t is not None]
            self._tree_cache[key] = min(grown, key=_tree_cost) if grown else None
        return self._tree_cache[key]

    def _grown(self, root: str, order: tuple[str, ...]) -> tuple[list[tuple[str, list[Path]]], int] | None:
        in_tree = {root}
        steps: list[tuple[str, list[Path]]] = []
        for target in order:
            if target in in_tree:
                continue
            best: list[Path] = []
            for source in sorted(in_tree):
                paths = self.graph.shortest_paths(source, target)
                if not paths:
                    continue
                if not best or len(paths[0]) < len(best[0]):
                    best = list(paths)
                elif len(paths[0]) == len(best[0]):
                    best += [p for p in paths if p not in best]
            if not best:
                return None
            # A row's own further description comes first ("professor" -> its "employee" row).
            best.sort(key=lambda path: -sum(_to_same_rows(step) for step in path))
            # Paths through different tables or keys are different readings; keep all of them.
            steps.append((target, _distinct_paths(best)))
            for step in best[0]:
                in_tree.add(step.target)
                in_tree.add(step.source)
        return steps, len(in_tree) - 1

    # ------------------------------------------------------------------------ intent

    def _intent(self, frame: Frame, slots: list[Slot], plan: Plan, question: str, role_words: set[str]) -> Intent:
        intent = Intent(question=question)
        chosen_paths = self._chosen_paths(plan, role_words)
        self._fill(intent, frame, slots, plan.choices, plan.root, chosen_paths)
        return intent

    def _chosen_paths(self, plan: Plan, role_words: set[str], pick: dict[str, Path] | None = None) -> list[Path]:
        out = []
        for table, path in plan.joins:
            options = plan.path_options.get(table)
            if pick and table in pick:
                path = pick[table]
            elif options:
                matching = self._matching_paths(options, role_words)
                if len(matching) == 1:
                    path = matching[0]
            out.append(path)
        return out

    def _fill(
        self,
        intent: Intent,
        frame: Frame,
        slots: list[Slot],
        combo: Sequence[Choice],
        root: str,
        paths: list[Path],
    ) -> None:
        tables = [root]
        joins: list[Join] = []
        for path in paths:
            for step in path:
                if step.target in tables:
                    continue
                tables.append(step.target)
                joins.append(Join(table=step.target, on=[step.key.condition()]))
        intent.tables = tables
        intent.joins = joins
        measures: list[Measure] = []
        groups: list[GroupBy] = []
        filters: list[Filter] = []
        order: list[OrderBy] = []
        columns: list[str] = []
        having: list[Filter] = []
        entity: str | None = None
        in_values: dict[str, list[Any]] = {}
        shown: dict[str, Slot] = {}
        for slot, choice in zip(slots, combo, strict=True):
            t = choice.target
            if slot.role == "entity":
                entity = entity or (t.table if t else None)
            elif slot.role == "measure":
                measures.append(self._measure(choice, slot, root, len(joins) > 0))
            elif slot.role == "rank":
                if choice.detail == "order" and t is not None:
                    order.append(
                        OrderBy(target=t.qualified, direction=slot.direction or frame.rank_direction or "desc")
                    )
                else:
                    m = self._measure(choice, slot, root, len(joins) > 0)
                    measures.append(m)
                    order.append(OrderBy(target=m.alias, direction=slot.direction or frame.rank_direction or "desc"))
            elif slot.role == "group" and t is not None and slot.source == "listed":
                row_key = self.schema.tables[t.table].key
                groups += [GroupBy(column=row_key.qualified)] if row_key is not None else []
                groups += self._groups(choice, frame)
            elif slot.role == "group" and t is not None:
                if (
                    choice.detail == "entity"
                    and t.table == root
                    and any(
                        c.target is not None and c.target.kind == "column" and c.target.table == root
                        for s, c in zip(slots, combo, strict=True)
                        if s.role in ("measure", "rank")
                    )
                ):
                    continue  # "average quantity per order line": one row per line is no grouping
                groups += self._groups(choice, frame)
            elif slot.role == "filter" and t is not None:
                if choice.detail == "true":
                    filters.append(Filter(column=t.qualified, op="=", value=slot.value != "not"))
                    continue
                negate = choice.detail == "not"
                key = f"{t.qualified}|{negate}"
                in_values.setdefault(key, []).append(t.value)
            elif slot.role == "having":
                m = self._measure(choice, slot, root, len(joins) > 0)
                measures.append(m)
                op = slot.op or "="
                value = list(slot.value) if op == "between" else slot.value
                having.append(Filter(column=m.alias, op=op, value=value))
            elif slot.role == "compare" and t is not None:
                op = slot.op or "="
                if op == "between":
                    filters.append(Filter(column=t.qualified, op="between", value=list(slot.value)))
                else:
                    filters.append(Filter(column=t.qualified, op=op, value=slot.value))
            elif slot.role == "order" and t is not None:
                target = next((m.alias for m in measures if m.column == t.qualified), t.qualified)
                order.append(OrderBy(target=target, direction=slot.direction or frame.sort_direction or "asc"))
            elif slot.role == "column" and t is not None:
                if t.qualified in shown and _said_once(shown[t.qualified], slot, frame.words):
                    continue  # "the names of the sponsors": one column, named twice
                shown.setdefault(t.qualified, slot)
                columns.append(t.qualified)
            elif slot.role == "time" and t is not None:
                if frame.period is not None:
                    intent.time_range = TimeRange(
                        column=t.qualified, start=frame.period.start, end=frame.period.end, label=frame.period.label
                    )
                if slot.value == "group":
                    groups.append(GroupBy(column=t.qualified, grain=frame.grain))
        for key, values in in_values.items():
            name, negated = key.split("|")
            unique = list(dict.fromkeys(values))
            if len(unique) == 1:
                filters.append(Filter(column=name, op="!=" if negated == "True" else "=", value=unique[0]))
            else:
                filters.append(Filter(column=name, op="not_in" if negated == "True" else "in", value=unique))
        ranked_aggregate = any(
            s.role == "rank" and c.detail not in ("order", None) for s, c in zip(slots, combo, strict=True)
        )
        if (ranked_aggregate or having) and entity is not None and not groups:
            # "top 5 products by revenue": the revenue is summed per product.
            info = self.schema.tables[entity]
            groups += self._groups(Choice(Target("table", entity, 1.0), 1.0, frozenset({entity}), "", "entity"), frame)
            groups += self._listed_own_columns(slots, entity)
            entity = None if info else entity
        per_row = bool({"each", "every"} & set(frame.words))
        if groups and columns and not measures and (frame.ranking or per_row):
            # "which part has the least amount? list its id and amount", "the first name and
            # department name for each employee": nothing is computed, so the groups are a listing
            # (one row each); the columns named go with them. ("used by customers" is not.)
            grouped = {g.column for g in groups}
            groups += [GroupBy(column=c) for c in columns if c not in grouped]
        # Order measures by the slot order they were asked in; rank measures are already last.
        intent.measures = list(dict.fromkeys(measures))
        intent.group_by = list(dict.fromkeys(groups))
        intent.filters = filters
        intent.having = having
        if frame.sort_direction and order:
            order = [OrderBy(target=o.target, direction=frame.sort_direction) for o in order]
        if frame.sort_direction and not order and not intent.measures and intent.group_by and columns:
            # "event names by year from the most recent": a listing sorted by the year, not grouped.
            order = [OrderBy(target=g.column, direction=frame.sort_direction) for g in intent.group_by]
            intent.group_by = []
        texts = [c for c in [*(g.column for g in intent.group_by), *columns] if self._is_text(c)]
        if frame.alphabetical and not order and texts:
            # "artists with at least 3 albums in alphabetical order": by name, not by the count.
            order = [OrderBy(target=texts[0], direction=frame.sort_direction or "asc")]
        if frame.sort_direction and not order and intent.measures and frame.ranking is False:
            order = [OrderBy(target=intent.measures[0].alias, direction=frame.sort_direction)]
        if frame.sort_direction and not order and not intent.measures and columns:
            # "names in alphabetical order": the listed column is what is sorted.
            order = [OrderBy(target=columns[0], direction=frame.sort_direction)]
        intent.order_by = order
        limit = frame.limit
        if (frame.ranking or any(s.role == "rank" for s in slots)) and order and limit is None:
            limit = DEFAULT_TOP if frame.top_word and self._plural_ranked(slots) else 1
        intent.limit = limit
        if (
            intent.measures
            and not intent.group_by
            and intent.order_by
            and all(o.target in {m.alias for m in intent.measures} for o in intent.order_by)
        ):
            # One row of totals: ordering and limiting it changes nothing.
            intent.order_by, intent.limit = [], None
        if not intent.measures and not intent.group_by:
            list_table = entity or root
            if columns:
                intent.columns = columns
            else:
                intent.columns = [f"{list_table}.*"]
            if list_table != root:
                intent.tables = [list_table] + [t for t in intent.tables if t != list_table]
            # Only when asked ("different"), or for one column of kinds ("all majors", "the cities students
            # live in"): a join may repeat a row of names, and that is the answer.
            kinds = not intent.filters and not order and self._lists_kinds(intent.columns)
            # Whole rows of an entity reached through a join ("customers with orders over 500"): each once.
            whole_rows = bool(joins) and any(c.endswith(".*") for c in intent.columns)
            intent.distinct = frame.distinct or kinds or whole_rows
        if frame.time_travel is not None:
            version, timestamp = frame.time_travel
            intent.time_travel = TimeTravel(version=version, timestamp=timestamp)
        if frame.schedule is not None:
            intent.schedule = Schedule(cron=frame.schedule[0], label=frame.schedule[1])
        intent.kind = kind_of(intent, frame)

    def _lists_kinds(self, columns: list[str]) -> bool:
        """One text column that sorts rows into kinds (a type, a city), not one naming each row."""
        if len(columns) != 1 or columns[0].endswith(".*"):
            return False
        info = self.schema.column(columns[0])
        if info is None or self.schema.tables[info.table].label is info:
            return False  # "the names of parties" shown from party.party: each row's own name
        return info.role == "text" and not set(info.words) & _IDENTIFYING_WORDS

    def _is_text(self, qualified: str) -> bool:
        info = self.schema.column(qualified)
        return info is not None and info.role == "text"

    def _plural_ranked(self, slots: list[Slot]) -> bool:
        for s in slots:
            if s.role in ("entity", "group") and s.mention is not None:
                return s.mention.plural
        return True

    def _measure(self, choice: Choice, slot: Slot, root: str, joined: bool) -> Measure:
        t = choice.target
        fn = choice.detail or slot.function or "sum"
        if fn == "count":
            if t is None:
                return Measure(function="count")
            if t.kind == "table":
                info = self.schema.tables[t.table]
                if (joined or t.table != root or slot.function == "count_distinct") and info.key is not None:
                    return Measure(function="count_distinct", column=info.key.qualified)
                return Measure(function="count")
            return Measure(function="count", column=t.qualified)
        if fn == "order":
            fn = "max"
        if t is None:
            return Measure(function="count")
        return Measure(function=fn, column=t.qualified)

    def _listed_own_columns(self, slots: list[Slot], entity: str) -> list[GroupBy]:
        """ "the ids and names of accounts with 4 or more transactions": the entity's own columns
        listed beside a number computed per entity are shown with each group."""
        out = []
        for s in slots:
            if s.role != "context" or s.source != "listed" or s.mention is None:
                continue
            own = [t for t in s.mention.of_kind("column") if t.table == entity]
            if not own or own[0].score < s.mention.best.score - 0.05:
                continue
            info = self._column(own[0])
            if set(info.words) & _KIND_WORDS:
                return []  # "policy types used by more than 2 customers": counted per type, not per policy
            out.append(GroupBy(column=own[0].qualified))
        return out

    def _groups(self, choice: Choice, frame: Frame) -> list[GroupBy]:
        t = choice.target
        assert t is not None
        if choice.detail == "entity":
            info = self.schema.tables[t.table]
            out = []
            if info.key is not None:
                out.append(GroupBy(column=info.key.qualified))
            if info.label is not None and info.label is not info.key:
                out.append(GroupBy(column=info.label.qualified))
            return out
        col = self._column(t)
        if col.is_temporal:
            return [GroupBy(column=t.qualified, grain=frame.grain or "day")]
        return [GroupBy(column=t.qualified)]

    # ------------------------------------------------------------------------ confidence

    def _confidence(
        self,
        slots: list[Slot],
        choices: list[list[Choice]],
        best: Plan,
        plans: list[Plan],
        frame: Frame,
        dropped: list[Slot],
    ) -> float:
        """How sure the reading is: how well its words matched, times its lead over the next
        reading that gives different SQL, times a penalty per word nothing linked."""
        matched = 1.0
        for slot, choice in zip(slots, best.choices, strict=True):
            if slot.role == "context" or choice.target is None:
                continue
            matched *= min(1.0, choice.score + 0.15)
        rival = next(
            (
                p
                for p in plans[1:40]
                if any(not _same_result(a, b) for a, b in zip(p.choices, best.choices, strict=True))
            ),
            None,
        )
        lead = best.score - rival.score if rival is not None else 1.0
        confidence = matched * min(1.0, 0.6 + 0.4 * lead / (2 * BAND))
        confidence *= UNLINKED_PENALTY ** len(frame.unlinked)
        confidence *= 0.85 ** len(dropped)
        return max(0.0, min(1.0, confidence))

    # ------------------------------------------------------------------------ ambiguity

    def _slot_ambiguities(
        self,
        frame: Frame,
        slots: list[Slot],
        choices: list[list[Choice]],
        plans: list[Plan],
        question: str,
        role_words: set[str],
    ) -> list[Ambiguity]:
        best = plans[0]
        out = []
        for i, slot in enumerate(slots):
            if slot.role == "context":
                continue
            rivals: list[Plan] = []
            for plan in plans[1:60]:
                if best.score - plan.score >= BAND and not self._tied_off_root(best, plan, i):
                    continue
                if not self._differs_only_in(best, plan, i):
                    continue
                if any(_same_result(plan.choices[i], r.choices[i]) for r in rivals):
                    continue
                if _same_result(plan.choices[i], best.choices[i]):
                    continue
                rivals.append(plan)
            if not rivals:
                continue
            options = []
            labels: set[str] = set()
            for plan in [best, *rivals][:4]:
                chosen = plan.choices[i]
                label = chosen.label
                if label in labels:
                    label = f"{label} ({chosen.target.qualified if chosen.target is not None else 'rows'})"
                labels.add(label)
                option = self._intent(frame, slots, plan, question, role_words)
                option.confidence = 0.9
                options.append(AmbiguityOption(label=label, intent=option))
            words = slot.mention.text if slot.mention is not None else _SLOT_NOUNS.get(slot.role, slot.role)
            out.append(
                Ambiguity(
                    slot=slot.role,
                    question=_slot_question(slot, words, [o.label for o in options]),
                    options=options,
                )
            )
        return out

    def _tied_off_root(self, best: Plan, rival: Plan, i: int) -> bool:
        """Two equally good words for different things, both a join away ("revenue by name"):
        the join count is no reason to prefer one."""
        a, b = best.choices[i], rival.choices[i]
        if a.target is None or b.target is None or a.target.kind != "column" or b.target.kind != "column":
            return False
        if abs(a.score - b.score) > 0.01 or best.root != rival.root or self._describes_root(best, a):
            return False
        return best.root not in a.tables and rival.root not in b.tables

    def _describes_root(self, plan: Plan, choice: Choice) -> bool:
        """The choice's table holds the root's own rows, described further ("professor" -> "employee")."""
        return any(
            step.target in choice.tables and step.source == plan.root and _to_same_rows(step)
            for _, path in plan.joins
            for step in path[:1]
        )

    def _differs_only_in(self, a: Plan, b: Plan, i: int) -> bool:
        return all(
            (x == y or _same_result(x, y)) if j != i else x != y
            for j, (x, y) in enumerate(zip(a.choices, b.choices, strict=True))
        )

    def _path_ambiguities(
        self, frame: Frame, slots: list[Slot], plan: Plan, question: str, role_words: set[str]
    ) -> list[Ambiguity]:
        out = []
        for table, options in plan.path_options.items():
            matching = self._matching_paths(options, role_words)
            if len(matching) == 1:
                continue
            choices = matching or options
            if len(choices) < 2:
                continue
            labelled = []
            for path in choices[:4]:
                intent = Intent(question=question)
                self._fill(
                    intent, frame, slots, plan.choices, plan.root, self._chosen_paths(plan, role_words, {table: path})
                )
                intent.confidence = 0.9
                labelled.append(AmbiguityOption(label=self._path_label(path, table), intent=intent))
            if len({o.label for o in labelled}) < len(labelled):
                labelled = [
                    AmbiguityOption(label=f"{o.label} via {' and '.join(s.key.column for s in p)}", intent=o.intent)
                    for o, p in zip(labelled, choices, strict=False)
                ]
            noun = _words(self.schema.tables[table].words)
            out.append(
                Ambiguity(
                    slot="join",
                    question=f"Which {noun} do you mean: {_or_list([o.label for o in labelled])}?",
                    options=labelled,
                )
            )
        return out

    def _path_label(self, path: Path, table: str) -> str:
        noun = _words(self.schema.tables[table].words)
        roles = [s.key.role_label for s in path if s.key.role]
        if roles:
            return f"{' '.join(roles)} {noun}"
        middle = [s.target for s in path[:-1]]
        if middle:
            return f"{noun} of the {_words(self.schema.tables[middle[-1]].words)}"
        return f"{noun} via {path[0].key.column}"

    # ------------------------------------------------------------------------ labels

    def _is_temporal(self, t: Target) -> bool:
        return t.kind == "column" and self._column(t).is_temporal

    def _column(self, t: Target) -> ColumnInfo:
        col = self.schema.column(t.qualified)
        assert col is not None, t
        return col

    def _column_label(self, t: Target) -> str:
        col = self._column(t)
        table = self.schema.tables[t.table]
        return _qualified_words(table, col)

    def _value_label(self, t: Target) -> str:
        col = self._column(t)
        return f"{t.value} as {_qualified_words(self.schema.tables[t.table], col)}"


_NOT_UNDERSTOOD = "I could not find anything in your tables that this question refers to."
_NESTED = (
    'Counting the groups that meet a condition ("how many customers have more than 5 orders") needs a '
    'nested query, which I cannot write yet. Ask for the groups themselves ("customers with more than '
    '5 orders"): the number of rows is the answer.'
)

_COUNT_OF_WHAT = (
    "A number of rows can be compared per something only: say what it is counted for "
    '("customers with more than 5 orders").'
)


def _counts_table(slot: Slot) -> bool:
    """A comparison whose number counts a table ("more than 5 orders")."""
    return slot.function == "count" and slot.mention is not None and slot.mention.best.kind == "table"


_SLOT_NOUNS = {"time": "the date", "measure": "the amount", "compare": "the number"}


def _slot_question(slot: Slot, words: str, labels: list[str]) -> str:
    choices = _or_list(labels)
    if slot.role == "time":
        return f"Which date should the period apply to: {choices}?"
    if slot.role == "filter":
        return f"Where should {words!r} be looked up: {choices}?"
    if slot.role == "compare":
        return f"Which number should be compared: {choices}?"
    return f"By {words!r}, do you mean {choices}?"


def _or_list(labels: list[str]) -> str:
    if len(labels) <= 2:
        return " or ".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _words(words: Iterable[str]) -> str:
    return " ".join(words)


def _qualified_words(table: TableInfo, col: ColumnInfo) -> str:
    """``order date`` for orders.order_date, ``customer country`` for customers.country."""
    if set(table.words) & set(col.words):
        return _words(col.words)
    return f"{_words(table.words)} {_words(col.words)}"


#: Words between "the names" and "(of all the) sponsors" that make them one thing.
_OF_WORDS = frozenset({"of", "the", "all", "these", "those", "different", "distinct", "unique", "each", "every"})


def _said_once(first: Slot, second: Slot, words: tuple[str, ...]) -> bool:
    """ "the names of the sponsors" (read as sponsor_name twice): an attribute and, right after
    "of", what it belongs to, the same column; "the school name and driver name" are two things."""
    if first.mention is None or second.mention is None:
        return False
    a, b = sorted((first.mention, second.mention), key=lambda m: m.start)
    between = words[a.end : b.start]
    return "of" in between and set(between) <= _OF_WORDS


def _tree_cost(tree: tuple[list[tuple[str, list[Path]]], int]) -> float:
    """Joins, a join to the same rows described further counting half (as in a plan's score)."""
    steps, joins = tree
    return joins - sum(_to_same_rows(step) for _, paths in steps for step in paths[0]) / 2


def _to_same_rows(step: Step) -> bool:
    """A step from a row to the same row described further: "professor" to its "employee" row,
    not "city" to its "temperature" row (the described table refers, the describing one is referred to)."""
    return step.key.same_rows and step.source == step.key.table


def _path_roles(path: Path) -> set[str]:
    return {w for s in path for w in s.key.role}


def _distinct_paths(paths: list[Path]) -> list[Path]:
    seen: set[tuple[tuple[str, str, str, str], ...]] = set()
    out = []
    for p in paths:
        key = tuple((s.key.table, s.key.column, s.key.ref_table, s.key.ref_column) for s in p)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def _same_result(a: Choice, b: Choice) -> bool:
    if a.target is None or b.target is None:
        return a.target is b.target and a.detail == b.detail
    return a.target.qualified == b.target.qualified and a.detail == b.detail and a.target.value == b.target.value


def _top(choices: list[Choice]) -> list[Choice]:
    choices = sorted(choices, key=lambda c: -c.score)
    if len(choices) > TOP_K + 1:
        # Keep every candidate tied with the last one kept ("name" in five tables).
        cut = choices[TOP_K].score
        return [c for c in choices if c.score >= cut - 1e-9][:12]
    return choices


def _dedupe(choices: list[Choice]) -> list[Choice]:
    seen: dict[tuple[str, str | None, str | None], Choice] = {}
    for c in choices:
        key = (c.target.qualified if c.target else "", c.detail, c.target.value if c.target else None)
        if key not in seen or seen[key].score < c.score:
            seen[key] = c
    return list(seen.values())


def _numeric_first(candidates: Sequence[Target], schema: SchemaInfo) -> bool:
    """True when the best column reading of a mention is a number (and not a key)."""
    for t in candidates:
        if t.kind == "value":
            return False
        if t.kind == "table":
            return False
        col = schema.column(t.qualified)
        return col is not None and col.is_numeric
    return False


def kind_of(intent: Intent, frame: Frame | None = None, *, explain: bool = False) -> IntentKind:
    """The kind that best names what the intent does."""
    if explain or (frame is not None and frame.explain):
        return IntentKind.EXPLAIN
    if intent.schedule is not None:
        return IntentKind.PIPELINE
    if intent.time_travel is not None:
        return IntentKind.TIME_TRAVEL
    if intent.limit is not None and intent.order_by:
        return IntentKind.RANKING
    if intent.measures:
        return IntentKind.AGGREGATION
    if intent.filters or intent.time_range is not None:
        return IntentKind.FILTER
    return IntentKind.QUERY


def _named_column(slot: Slot) -> str | None:
    """The column a slot's words name best, if they name a column."""
    if slot.mention is None or slot.mention.best.kind != "column":
        return None
    return slot.mention.best.qualified


#: Words that join a listed column to the count beside it ("names and the number of ...").
_LISTING_JOINERS = frozenset({"and", "with", "along", "plus"})


def _joined_after(first: Slot, columns: list[Slot], words: tuple[str, ...]) -> list[Slot]:
    """Columns listed right after ``first`` with "and" or a comma ("names and ids", "name, age and")."""
    out: list[Slot] = []
    end = first.mention.end if first.mention is not None else None
    listed = [(c.mention, c) for c in columns if c.mention is not None]
    for mention, c in sorted(listed, key=lambda pair: pair[0].start):
        if end is None or mention.start < end or set(words[end : mention.start]) - {"and", "the", "their"}:
            break
        out.append(c)
        end = mention.end
    return out


def _listed_before_count(columns: list[Slot], measures: list[Slot], words: tuple[str, ...]) -> list[Slot]:
    """The columns listed before what is computed, joined to it by "and" / "along with" / "with"."""
    if not measures or any(m.mention is None for m in measures):
        return []
    start = min(m.mention.start for m in measures if m.mention is not None)
    out = []
    for c in columns:
        if c.mention is None or c.mention.end > start:
            return []  # "the average rating and resolution": a column after the number is computed too
        out.append(c)
    last = max((c.mention.end for c in out if c.mention is not None), default=start)
    return out if _LISTING_JOINERS & set(words[last:start]) else []


def _counted_by(columns: list[Slot], measures: list[Slot]) -> list[Slot]:
    """One listed column beside one count of the rows of its own table."""
    if len(columns) != 1 or len(measures) != 1:
        return []
    column, measure = columns[0].mention, measures[0].mention
    if column is None or measure is None or column.best.kind != "column" or measure.best.kind != "table":
        return []
    if measures[0].function not in ("count", None) or column.best.table != measure.best.table:
        return []
    return columns


def _listed_per_row(columns: list[Slot], measures: list[Slot]) -> list[Slot]:
    """The listed columns, when all are of one table and every measure is of another."""
    if not columns or any(c.mention is None or c.mention.best.kind != "column" for c in columns):
        return []
    if any(m.mention is None for m in measures):
        return []
    tables = {c.mention.best.table for c in columns if c.mention is not None}
    measured = {m.mention.best.table for m in measures if m.mention is not None}
    return columns if len(tables) == 1 and not measured & tables else []
