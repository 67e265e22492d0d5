"""``text_match``: words inside a text column.

"names that contain the word 'Mount'" -> ``name ILIKE '%Mount%'``; "titles starting with 'The'"
-> ``ILIKE 'The%'``; "cities ending in 'ville'" -> ``ILIKE '%ville'``. The column is the one
named right before the phrase, else the text column the answer lists, else the table's name.
"""

from __future__ import annotations

from neurolake.intent.model import Filter, Intent
from neurolake.intent.rules import Context, Found, Rule, mention_before
from neurolake.intent.rules.vocabulary import phrases
from neurolake.intent.schema import label_column
from neurolake.intent.text import Question


class TextMatch(Rule):
    name = "text_match"

    def claim(self, q: Question) -> list[Found]:
        words = phrases()
        out = []
        i = 0
        while i < len(q.tokens):
            op = _trigger(q, i, words)
            if op is None:
                i += 1
                continue
            op_name, end = op
            j = end
            named = False  # "the word", "the letter": what follows is text, whatever it is
            while q.word(j) in words["text_match_fillers"]:
                named = named or q.word(j) in words["text_match_nouns"]
                j += 1
            value = q.at(j)
            if value is None or value.used or value.kind not in ("quoted", "word", "number"):
                i += 1
                continue
            if value.kind == "word" and not named and not _looks_like_text(value.raw):
                i += 1
                continue  # "albums containing tracks": a relation, not a text match
            q.claim(i, j + 1, "text_match")
            text = value.value if value.kind == "quoted" else value.raw
            out.append(
                Found(
                    self.name,
                    " ".join(t.raw for t in q.tokens[i : j + 1]),
                    {"op": op_name, "value": str(text), "at": i},
                )
            )
            i = j + 1
        return out

    def link(self, found: Found, ctx: Context) -> None:
        before = mention_before(ctx, found.data["at"], within=3)
        if before is not None:
            texts = [str(c.qualified) for c in before.of_kind("column") if _is_text(ctx, c.qualified)]
            if texts:
                found.data["columns"] = texts  # "whose name contains": the name is matched, not listed
                ctx.mentions.remove(before)

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        named = [c for c in found.data.get("columns", []) if c.split(".")[0] in intent.tables]
        if found.data.get("columns") and not named:
            return intent  # a column of a table the reading does not join: not a guess to make
        column = named[0] if named else _listed_text(intent, ctx)
        if column is None:
            return intent
        found.applied = True
        flt = Filter(column=column, op=found.data["op"], value=found.data["value"])
        return intent.model_copy(update={"filters": [*intent.filters, flt]})


def _trigger(q: Question, i: int, words: dict[str, frozenset[str]]) -> tuple[str, int] | None:
    word = q.word(i)
    if word in words["text_contains"]:
        return "like", i + 1
    if word in words["text_starts"] and q.word(i + 1) in ("with", "by"):
        return "starts_with", i + 2
    if word in words["text_ends"] and q.word(i + 1) in ("with", "in"):
        return "ends_with", i + 2
    if word in ("with", "has", "have", "having"):
        # "with the letter 'a'", "whose name has substring 'Donor'"
        j = i + 2 if q.word(i + 1) in ("the", "a") else i + 1
        if q.word(j) in words["text_match_nouns"]:
            return "like", j + 1
    return None


def _looks_like_text(raw: str) -> bool:
    """A word written as a literal: capitalised, upper case or a single letter ("Mount", "TN", "a")."""
    return len(raw) == 1 or raw[:1].isupper()


def _is_text(ctx: Context, qualified: str) -> bool:
    info = ctx.schema.column(qualified)
    return info is not None and info.role == "text"


def _listed_text(intent: Intent, ctx: Context) -> str | None:
    for column in intent.columns:
        if not column.endswith(".*") and _is_text(ctx, column):
            return column
    if intent.tables:
        table = ctx.schema.table(intent.tables[0])
        label = label_column(table) if table is not None else None
        return label.qualified if label is not None else None
    return None
