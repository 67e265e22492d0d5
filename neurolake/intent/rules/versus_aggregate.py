"""``versus_aggregate``: a comparison with a number computed over the table.

"mountains with height above the average height" -> ``height > (SELECT AVG(height) FROM ...)``;
"pilots older than the average" -> ``age > (SELECT AVG(age) ...)``; "products cheaper than the
maximum price" works the same way with ``MAX``; "no more than the average" is ``<=``.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.lexicon import DIRECTION_WORDS
from neurolake.intent.model import Filter, Intent, SubQuery
from neurolake.intent.rules import Context, Found, Rule, mention_after, mention_before, written_at
from neurolake.intent.rules.vocabulary import phrases
from neurolake.intent.text import Question

_NEGATED = {">": "<=", "<": ">="}


class VersusAggregate(Rule):
    name = "versus_aggregate"

    def claim(self, q: Question) -> list[Found]:
        words = phrases()
        out = []
        for i, tok in enumerate(q.tokens):
            if tok.used:
                continue
            op, j = _operator(q, i, words)
            if op is None:
                continue
            while q.word(j) in ("the", "that", "of", "an", "a"):
                j += 1
            function = _function(q.word(j), words)
            if function is None:
                continue
            start = i
            if q.word(i - 1) in ("no", "not"):  # "no more than the average": at most it
                op, start = _NEGATED[op], i - 1
            q.claim(start, j + 1, self.name)
            hints = DIRECTION_WORDS.get(tok.text, ("", ()))[1] or DIRECTION_WORDS.get(tok.text[:-2], ("", ()))[1]
            data: dict[str, Any] = {"op": op, "function": function, "at": start, "end": j, "hints": hints}
            out.append(Found(self.name, " ".join(t.raw for t in q.tokens[start : j + 1]), data))
        return out

    def link(self, found: Found, ctx: Context) -> None:
        after = mention_after(ctx, found.data["end"], within=2)
        if after is not None and _numeric(ctx, after) is not None:
            found.data["of"] = _numeric(ctx, after)
            ctx.mentions.remove(after)
        before = mention_before(ctx, found.data["at"], within=2)
        if before is not None and _numeric(ctx, before) is not None:
            found.data["compared"] = _numeric(ctx, before)
            ctx.mentions.remove(before)

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        compared = found.data.get("compared") or found.data.get("of") or _hinted(intent, found, ctx)
        of = found.data.get("of") or compared
        if compared is None or of is None or compared.split(".")[0] not in intent.tables:
            return intent
        found.applied = True
        # "below the average salary of instructors in Physics": what follows the average says
        # which rows it is computed over, not which rows are listed.
        table = of.split(".")[0]
        inner = [
            f
            for f in intent.filters
            if f.subquery is None
            and f.column.split(".")[0] == table
            and (at := written_at(ctx.q, f.value)) is not None
            and at > found.data["end"]
        ]
        sub = SubQuery(column=of, function=found.data["function"], filters=inner)
        flt = Filter(column=compared, op=found.data["op"], subquery=sub)
        intent = intent.model_copy(update={"filters": [f for f in intent.filters if f not in inner]})
        # "names and budgets of departments with budgets over the average": listed too, so kept.
        listed = any(t.qualified == compared for m in ctx.mentions for t in m.of_kind("column"))
        columns = intent.columns if listed else [c for c in intent.columns if c != compared] or intent.columns
        return intent.model_copy(update={"filters": [*intent.filters, flt], "columns": columns})


def _operator(q: Question, i: int, words: dict[str, frozenset[str]]) -> tuple[str | None, int]:
    word = q.word(i)
    if word in words["greater"]:
        return ">", i + 1
    if word in words["less"]:
        return "<", i + 1
    if word in words["comparative_greater"] and q.word(i + 1) == "than":
        return ">", i + 2
    if word in words["comparative_less"] and q.word(i + 1) == "than":
        return "<", i + 2
    return None, i


def _function(word: str, words: dict[str, frozenset[str]]) -> str | None:
    for function in ("average", "max", "min"):
        if word in words[f"aggregate_{function}"]:
            return "avg" if function == "average" else function
    return None


def _numeric(ctx: Context, mention: Any) -> str | None:
    if mention.best.kind != "column":
        return None  # "students older than average": the students are the rows, not a number
    for target in mention.of_kind("column"):
        info = ctx.schema.column(target.qualified)
        if info is not None and (info.is_numeric or info.is_temporal):
            return str(target.qualified)
    return None


def _hinted(intent: Intent, found: Found, ctx: Context) -> str | None:
    """ "older than the average": the root table's number the comparative hints at (age)."""
    hints = set(found.data.get("hints") or ())
    table = ctx.schema.table(intent.tables[0]) if intent.tables else None
    if not hints or table is None:
        return None
    matches = [c for c in table.columns if (c.is_numeric or c.is_temporal) and set(c.words) & hints]
    return matches[0].qualified if len(matches) == 1 else None
