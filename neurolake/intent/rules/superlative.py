"""``superlative``: "the X of the Y with the highest Z" is an ordering by Z with X listed.

"the name of the climber with the most points" -> ``SELECT name ... ORDER BY points DESC LIMIT 1``;
"the name of the highest mountain" -> ordered by the mountain's number that "highest" names
(height), not by how many rows share a name.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.lexicon import DIRECTION_WORDS, POPULARITY_WORDS
from neurolake.intent.model import Filter, GroupBy, Intent, Measure, OrderBy, SubQuery
from neurolake.intent.rules import Context, Found, Rule, mention_after
from neurolake.intent.rules.vocabulary import phrases
from neurolake.intent.schema import label_column
from neurolake.intent.text import Question

_EXTREME_AGGREGATES = frozenset({"minimum", "maximum", "min", "max"})


def _after_with_the(ctx: Context, index: int) -> bool:
    """ "with the minimum", "has the maximum", "having the max": a row picked by its extreme."""
    before = [t.text for t in ctx.q.tokens[max(0, index - 2) : index]]
    return before in (["with", "the"], ["has", "the"], ["have", "the"], ["having", "the"], ["had", "the"])


#: Superlatives that count rows ("the most orders"); the others name a number ("the highest").
_COUNTING = frozenset({"most", "least", "fewest", "more", "less", "fewer"})


#: Words before a superlative that say where an ordering starts ("starting with the oldest").
_ORDER_STARTS = (("starting", "with", "the"), ("beginning", "with", "the"), ("starting", "from", "the"))


def starts_an_order(q: Question, index: int) -> bool:
    """ "starting with the oldest", "beginning with the largest": where an ordering starts, not
    the one row."""
    return tuple(t.text for t in q.tokens[max(0, index - 3) : index]) in _ORDER_STARTS


class Superlative(Rule):
    name = "superlative"

    def claim(self, q: Question) -> list[Found]:
        """ "starting with the oldest": the lead-in of an order's first rows is read here."""
        for tok in q.tokens:
            if tok.text in DIRECTION_WORDS and starts_an_order(q, tok.index):
                q.claim(tok.index - 3, tok.index, "order")
        return []

    def take(self, found: list[Found], ctx: Context, cues: list[Any]) -> list[Found]:
        out = []
        for tok in ctx.q.tokens:
            if tok.role == "direction" and tok.text in POPULARITY_WORDS:
                data_p = {"word": tok.text, "at": tok.index, "popular": True}
                out.append(Found(self.name, tok.raw, data_p, applied=True))
                continue
            if tok.role == "direction" and tok.text in DIRECTION_WORDS and tok.text not in ("first", "last"):
                after = mention_after(ctx, tok.index, within=2)
                groups = [
                    m
                    for g in ctx.q.tokens
                    if g.role == "group"
                    and (m := mention_after(ctx, g.index, within=2)) is not None
                    and m.best.kind == "column"
                ]
                each = any(g.role == "group" and g.text in ("each", "every", "per") for g in ctx.q.tokens)
                data = {"word": tok.text, "at": tok.index, "after": after, "groups": groups, "each": each}
                out.append(Found(self.name, tok.raw, data, applied=True))
        for tok in ctx.q.tokens:
            # "the volume with the minimum weeks on top": the row holding the minimum, not MIN per row.
            if tok.role == "aggregate" and tok.text in _EXTREME_AGGREGATES and _after_with_the(ctx, tok.index):
                data_a = {"word": tok.text, "at": tok.index, "arg": True}
                out.append(Found(self.name, tok.raw, data_a, applied=True))
        args = [f for f in out if f.data.get("arg")]
        if args:
            return args[:1]
        popular = [f for f in out if f.data.get("popular")]
        return popular[:1] or out[:1]

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        """Rewrites listings without an order and self-counts; anything else is left as read."""
        out = self._rewrite(intent, found, ctx)
        if found.data["word"] in ("highest", "lowest", "best", "worst", "top", "bottom"):
            out = self._ranks(out, ctx)
        if out.order_by and out.limit == 1 and starts_an_order(ctx.q, found.data.get("at", -1)):
            out = out.model_copy(update={"limit": None})  # "all the clubs starting with the oldest": an order
        return out

    def _rewrite(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        word = found.data["word"]
        if not intent.measures and intent.group_by and not any(g.grain for g in intent.group_by):
            # Groups with nothing computed are a listing ("the name and price of the cheapest product").
            listed = [g.column for g in intent.group_by] + [c for c in intent.columns if not c.endswith(".*")]
            ranked_at = found.data.get("at", -9)
            listed = sorted(dict.fromkeys(listed), key=lambda c: _first_named(c, ctx, ranked_at))  # as asked
            intent = intent.model_copy(update={"group_by": [], "columns": listed})
        if found.data.get("popular"):
            return self._mode(self._own_rows(intent, ctx), found, ctx)
        if found.data.get("arg"):
            return self._arg_extreme(intent, found)
        direction = DIRECTION_WORDS[word][0]
        if word in ("oldest", "youngest") and self._column(intent, ctx, ("age",)):
            direction = "desc" if word == "oldest" else "asc"
        if word in ("oldest", "youngest") and intent.order_by:
            # "the oldest host": the highest age, though the oldest date is the lowest.
            fixed = [
                o.model_copy(update={"direction": direction}) if self._is_age(o.target, ctx) else o
                for o in intent.order_by
            ]
            intent = intent.model_copy(update={"order_by": fixed})
        if found.data.get("each") and self._ranks_a_sum(intent):
            # "the smallest salary for every department": the smallest per department, not the
            # department with the smallest total.
            ordered = intent.order_by[0].target
            measures = [
                m.model_copy(update={"function": "max" if direction == "desc" else "min"}) if m.alias == ordered else m
                for m in intent.measures
            ]
            return intent.model_copy(update={"measures": measures, "order_by": [], "limit": None})
        listing = not intent.measures and not intent.group_by
        if listing and not intent.order_by and self._counts_own_rows(intent, found, ctx):
            return self._mode(intent, found, ctx)  # "the state that has the most customers"
        ranked = self._ranked_after(intent, found, ctx)
        if listing and intent.order_by and not ranked and not self._named(intent.order_by[0].target, ctx):
            # "the oldest employee" ranked by a number nothing names: by what the word means instead.
            hinted = self._ranked_column(intent, found, ctx)
            if hinted is not None:
                order = [OrderBy(target=hinted, direction=self._direction(word, hinted, ctx))]
                intent = intent.model_copy(update={"order_by": order})
        if listing and found.data["groups"] and (ranked or intent.order_by):
            return self._per_group(intent, found, ranked or intent.order_by[0].target, direction)
        if listing and ranked and intent.order_by and intent.order_by[0].target != ranked:
            # "the age of the person with the greatest height": ranked by what follows the word.
            intent = intent.model_copy(update={"order_by": []})
        if listing and intent.order_by and intent.limit:
            target = intent.order_by[0].target
            # Named in the list asked for ("the name and price of ..."), before the rows are named.
            listed_end = min([m.start for m in ctx.mentions if m.best.kind == "table"] + [found.data["at"]])
            naming = [m for m in ctx.mentions if any(t.qualified == target for t in m.of_kind("column"))]
            # Named in the list, or named again after the ranking ("... cheapest price? List the name and price")
            again = len(naming) >= 2 and naming[-1].start - naming[0].end >= 6  # not "built in the latest year"
            before = any(m.end <= listed_end for m in naming) or again
            if before and target not in intent.columns and not any(c.endswith(".*") for c in intent.columns):
                return intent.model_copy(update={"columns": [*intent.columns, target]})  # "the name and price of ..."
        if listing and not intent.order_by:
            column = self._ranked_column(intent, found, ctx)
            if column is None:
                return intent
            after = found.data.get("after")
            named_after = after is not None and any(t.qualified == column for t in after.candidates)
            named_before = any(
                m.end <= found.data["at"] and any(t.qualified == column for t in m.candidates) for m in ctx.mentions
            )
            # "the name of the climber with the most points": points ranks, it is not listed.
            drop = named_after and not named_before
            columns = [c for c in intent.columns if c != column or not drop] or intent.columns
            if named_before and column not in columns and not any(c.endswith(".*") for c in columns):
                columns = [*columns, column]  # "the name and price of the cheapest product"
            columns = self._who(columns, column, ctx, intent.tables, found.data["at"])
            return intent.model_copy(
                update={"order_by": [OrderBy(target=column, direction=direction)], "limit": intent.limit or 1,
                        "columns": columns}
            )  # fmt: skip
        if self._counts_itself(intent) and word not in _COUNTING:
            column = self._ranked_column(intent, found, ctx)
            if column is None:
                found.applied = False  # "highest" counted nothing it names: not answered
                return intent
            listed = [g.column for g in intent.group_by]
            return intent.model_copy(
                update={"measures": [], "group_by": [], "having": [], "columns": listed,
                        "order_by": [OrderBy(target=column, direction=direction)], "limit": intent.limit or 1}
            )  # fmt: skip
        return intent

    def _ranks_a_sum(self, intent: Intent) -> bool:
        if not intent.group_by or not intent.order_by or intent.limit is None:
            return False
        ordered = {m.alias: m for m in intent.measures}.get(intent.order_by[0].target)
        return ordered is not None and ordered.function in ("sum", "avg") and ordered.column is not None

    def _arg_extreme(self, intent: Intent, found: Found) -> Intent:
        extremes = [m for m in intent.measures if m.function in ("min", "max") and m.column is not None]
        if len(intent.measures) != 1 or not extremes or intent.having or intent.joins:
            return intent
        measure = extremes[0]
        listed = [g.column for g in intent.group_by if not g.grain] or intent.columns
        if not listed:
            return intent
        direction = "asc" if measure.function == "min" else "desc"
        assert measure.column is not None
        return intent.model_copy(
            update={"measures": [], "group_by": [], "columns": listed, "limit": 1,
                    "order_by": [OrderBy(target=measure.column, direction=direction)]}
        )  # fmt: skip

    def _own_rows(self, intent: Intent, ctx: Context) -> Intent:
        """ "the most common apartment type code": how many rows of the apartments hold each code,
        not how many bookings refer to them."""
        groups = {g.column.split(".")[0] for g in intent.group_by}
        counts = [m for m in intent.measures if m.function in ("count", "count_distinct")]
        if len(groups) != 1 or len(counts) != 1 or not intent.joins:
            return intent
        own = next(iter(groups))
        if any(f.column.split(".")[0] != own for f in [*intent.filters, *intent.any_of]):
            return intent
        measure = Measure(function="count")
        order = [o.model_copy(update={"target": measure.alias}) if o.target == counts[0].alias else o
                 for o in intent.order_by]  # fmt: skip
        return intent.model_copy(
            update={"tables": [own], "joins": [], "measures": [measure], "order_by": order, "distinct": False}
        )

    def _mode(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        """ "the most common competition type": the value the most rows hold, with its count."""
        listed = [c for c in intent.columns if not c.endswith(".*")]
        at = found.data["at"]
        fewest = any(
            t.text in DIRECTION_WORDS and DIRECTION_WORDS[t.text][0] == "asc"
            for t in ctx.q.tokens[max(0, at - 1) : at + 1]
        )
        picked = self._rows_holding_mode(intent, found, ctx, "asc" if fewest else "desc")
        if picked is not None:
            return picked
        if intent.measures or intent.group_by or intent.order_by or len(listed) != 1 or len(intent.columns) != 1:
            return intent  # one thing whose values are counted; two would count their pairs
        measure = Measure(function="count")
        order = [OrderBy(target=measure.alias, direction="asc" if fewest else "desc")]
        return intent.model_copy(
            update={"columns": [], "group_by": [GroupBy(column=c) for c in listed], "measures": [measure],
                    "order_by": order, "limit": intent.limit or 1, "distinct": False}
        )  # fmt: skip

    def _rows_holding_mode(self, intent: Intent, found: Found, ctx: Context, direction: str) -> Intent | None:
        """ "the names of customers using the most popular payment method": the customers whose
        method is the one most customers use, not the (name, method) pair that occurs most."""
        listed = [g.column for g in intent.group_by if not g.grain] or [
            c for c in intent.columns if not c.endswith(".*")
        ]
        counts = all(m.function == "count" and m.column is None for m in intent.measures)
        after = mention_after(ctx, found.data["at"], within=2)
        if len(listed) < 2 or not counts or intent.having or intent.joins or after is None:
            return None
        popular = next((c for c in listed if any(t.qualified == c for t in after.of_kind("column"))), None)
        if popular is None:
            return None
        table = popular.split(".")[0]
        others = [c for c in listed if c != popular]
        named_before = {t.qualified for m in ctx.mentions if m.end <= found.data["at"] for t in m.of_kind("column")}
        if any(c.split(".")[0] != table or c not in named_before for c in others):
            return None  # "the most common country across members": the country, not the members
        own = [f for f in intent.filters if f.subquery is None]
        mode = SubQuery(column=popular, filters=own, mode="asc" if direction == "asc" else "desc")
        return intent.model_copy(
            update={"columns": others, "group_by": [], "measures": [], "order_by": [], "limit": None,
                    "filters": [*intent.filters, Filter(column=popular, op="=", subquery=mode)]}
        )  # fmt: skip

    def _counts_own_rows(self, intent: Intent, found: Found, ctx: Context) -> bool:
        """ "the state that has the most customers" where the state is a column of customers:
        the superlative counts the listed column's own rows ("most", "largest number of")."""
        listed = [c for c in intent.columns if not c.endswith(".*")]
        if len(listed) != 1 or len(intent.columns) != 1 or intent.joins:
            return False
        at = found.data["at"]
        j = at + 1
        counting = found.data["word"] in _COUNTING
        while ctx.q.at(j) is not None and ctx.q.tokens[j].text in ("number", "of", "amount", "count"):
            counting = counting or ctx.q.tokens[j].text in ("number", "count")
            j += 1
        after = next((m for m in ctx.mentions if m.start == j), None)
        if not counting or after is None or after.best.kind != "table":
            return False
        return after.best.table == listed[0].split(".")[0]

    def _who(self, columns: list[str], ranked: str, ctx: Context, tables: list[str], at: int) -> list[str]:
        """ "Which department has the lowest budget?": the department (its name), not the budget."""
        if columns != [ranked]:
            return columns
        # "all the stores in the district with the most people": the stores named first are listed
        named = [m.best.table for m in ctx.mentions if m.best.kind == "table" and m.end <= at]
        if named and named[0] != ranked.split(".")[0] and named[0] in tables:
            label = label_column(ctx.schema.tables[named[0]])
            if label is not None:
                return [label.qualified]
        asks_who = ctx.q.tokens and ctx.q.tokens[0].text in ("who", "which", "whose")
        if not asks_who:
            return columns
        table = ctx.schema.table(ranked.split(".")[0])
        label = label_column(table) if table is not None else None
        return [label.qualified] if label is not None else columns

    def _per_group(self, intent: Intent, found: Found, column: str, direction: str) -> Intent:
        """ "the youngest person for each job": ``MIN(age)`` per job."""
        groups = [GroupBy(column=m.best.qualified) for m in found.data["groups"]]
        if any(g.column.split(".")[0] not in intent.tables for g in groups):
            return intent
        measure = Measure(function="max" if direction == "desc" else "min", column=column)
        return intent.model_copy(
            update={"columns": [], "measures": [measure], "group_by": groups, "order_by": [], "limit": None}
        )

    def _ranked_after(self, intent: Intent, found: Found, ctx: Context) -> str | None:
        """The number named right after the superlative ("the greatest height")."""
        after = found.data.get("after")
        if after is not None and after.best.kind == "column":  # "the largest orders" names the rows
            for target in after.of_kind("column"):
                info = ctx.schema.column(target.qualified)
                if info is not None and (info.is_numeric or info.is_temporal) and target.table in intent.tables:
                    return str(target.qualified)
        return None

    def _ranked_column(self, intent: Intent, found: Found, ctx: Context) -> str | None:
        ranked = self._ranked_after(intent, found, ctx)
        if ranked is not None:
            return ranked
        word = found.data["word"]
        hints = DIRECTION_WORDS[word][1]
        if word in ("oldest", "youngest"):
            hints = ("age", *hints)
        if word in phrases()["height_superlatives"]:
            hints = (*phrases()["height_words"], *hints)
        return self._column(intent, ctx, hints)

    def _column(self, intent: Intent, ctx: Context, hints: tuple[str, ...]) -> str | None:
        table = ctx.schema.table(intent.tables[0]) if intent.tables else None
        if table is None or not hints:
            return None
        for hint in hints:  # the hints are in order of preference
            matches = [c for c in table.columns if (c.is_numeric or c.is_temporal) and hint in c.words]
            if len(matches) == 1:
                return matches[0].qualified
        return None

    def _named(self, qualified: str, ctx: Context) -> bool:
        return any(t.qualified == qualified for m in ctx.mentions for t in m.candidates)

    def _direction(self, word: str, column: str, ctx: Context) -> str:
        if word in ("oldest", "youngest") and self._is_age(column, ctx):
            return "desc" if word == "oldest" else "asc"
        return DIRECTION_WORDS[word][0]

    def _ranks(self, intent: Intent, ctx: Context) -> Intent:
        """ "the pilot of the highest rank": rank 1 is the highest, so the order is ascending."""
        fixed = []
        for o in intent.order_by:
            info = ctx.schema.column(o.target) if "." in o.target else None
            if info is not None and set(info.words) & phrases()["rank_words"]:
                o = o.model_copy(update={"direction": "asc" if o.direction == "desc" else "desc"})
            fixed.append(o)
        return intent.model_copy(update={"order_by": fixed})

    def _is_age(self, qualified: str, ctx: Context) -> bool:
        info = ctx.schema.column(qualified)
        return info is not None and "age" in info.words

    def _counts_itself(self, intent: Intent) -> bool:
        """COUNT(*) per a table's own columns, no join: how many rows share a name, never what is meant."""
        if intent.joins or len(intent.measures) != 1 or intent.measures[0].column is not None:
            return False
        root = intent.tables[0] if intent.tables else ""
        return bool(intent.group_by) and all(g.column.split(".")[0] == root for g in intent.group_by)


def _first_named(column: str, ctx: Context, ranked_at: int) -> int:
    """Where the question first lists ``column``: not in the superlative's own words ("the
    highest fee"), and after everything else when it does not name it."""
    starts = [
        m.start
        for m in ctx.mentions
        if m.candidates[0].qualified == column and not ranked_at < m.start <= ranked_at + 2
    ]
    return min(starts, default=len(ctx.q.tokens))
