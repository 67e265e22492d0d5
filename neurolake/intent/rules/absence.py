"""``absence``: rows that nothing in a related table refers to.

"mountains that no climber has climbed" -> ``mountain.mountain_id NOT IN (SELECT
climber.mountain_id FROM climber)``; "pilots who have not won any match in Australia" keeps the
related table's own conditions inside: ``... NOT IN (SELECT match.winning_pilot FROM match
WHERE match.country = 'Australia')``. The key between the two tables picks the columns; two
keys (a match's winner and its loser) are told apart by the question's words, or not guessed.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.keys import ForeignKey, names_a_middle, tables_a_verb_names
from neurolake.intent.model import Filter, Intent, Join, SubQuery
from neurolake.intent.rules import Context, Found, Rule
from neurolake.intent.rules.vocabulary import phrases
from neurolake.intent.words import singular


class Absence(Rule):
    name = "absence"

    def take(self, found: list[Found], ctx: Context, cues: list[Any]) -> list[Found]:
        """Negations followed by a table ("no climber", "never won any match"), cue and mention taken."""
        words = phrases()
        out = []
        for tok in ctx.q.tokens:
            if tok.text not in words["absence_negations"] or (tok.used and tok.role != "negate"):
                continue
            cue = next((c for c in cues if c.kind == "negate" and c.start <= tok.index <= c.index), None)
            start = cue.index if cue is not None else tok.index
            mention = _table_after(ctx, start, words["absence_fillers"])
            if mention is None:
                named = _verb_after(ctx, start, words["absence_fillers"])
                if named is not None:  # "projects not assigned yet": no row of the assignments
                    verb, table = named
                    if cue is not None:
                        cues.remove(cue)
                    end = verb + 2 if (after := ctx.q.at(verb + 1)) is not None and after.text == "yet" else verb + 1
                    ctx.q.claim(tok.index, end, self.name)
                    text = " ".join(t.raw for t in ctx.q.tokens[tok.index : end])
                    out.append(Found(self.name, text, {"table": table, "others": [], "values": []}))
                continue
            if cue is not None:
                cues.remove(cue)
            ctx.mentions.remove(mention)
            ctx.q.claim(tok.index, mention.end, self.name)
            # "don't participate in any activity": the tables named right after belong to it too.
            first, joiners = mention, words["absence_fillers"] | {"in", "on", "at", "for", "of"}
            while (nxt := _table_after(ctx, mention.end - 1, joiners, verbs=0, chained=True)) is not None:
                ctx.mentions.remove(nxt)
                ctx.q.claim(mention.end, nxt.end, self.name)
                mention = nxt
            end, chained, mention = mention.end, mention, first
            table = mention.best.table
            chain = [chained.best.table] if chained is not first and chained.best.kind == "table" else []
            # Its own conditions ("in Australia") stay inside: values of that table after it.
            inside = [m for m in ctx.mentions if m.start >= end and m.best.kind == "value" and m.best.table == table]
            for m in inside:
                ctx.mentions.remove(m)
            others = [t.table for t in mention.of_kind("table") if t.table != table]
            values = [(m.best.qualified, m.best.value) for m in inside]
            data = {"table": table, "others": others, "values": values, "chain": chain}
            text = " ".join(t.raw for t in ctx.q.tokens[tok.index : end])
            out.append(Found(self.name, text, data))
        return out

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        if not intent.tables:
            return intent
        root = intent.tables[0]
        if found.data["table"] == root and found.data.get("chain"):
            # "devices that have no devices in stock": the rows themselves, absent from the table after
            found.data.update(table=found.data["chain"][0], others=[])
        grouped = {g.column.rsplit(".", 1)[0] for g in intent.group_by}
        if grouped and root not in grouped:
            return intent  # "cities with no branch of over 100 members": not the counted rows' absence
        filters = [Filter(column=column, value=value) for column, value in found.data["values"]]
        key = _key_between(ctx, root, found.data["table"])
        if key is None:
            # "faculty who do not participate": faculty_participates_in, not participates_in
            keyed = [k for t in found.data.get("others", []) if (k := _key_between(ctx, root, t)) is not None]
            key = keyed[0] if len(keyed) == 1 and not filters else None
        if key is None:
            return _through_link(intent, found, ctx, filters)
        if key.ref_table == root:
            own, other = f"{root}.{key.ref_column}", f"{key.table}.{key.column}"
        else:
            own, other = f"{root}.{key.column}", f"{key.ref_table}.{key.ref_column}"
        found.applied = True
        flt = Filter(column=own, op="not_in", subquery=SubQuery(column=other, filters=filters))
        return intent.model_copy(update={"filters": [*intent.filters, flt]})


def _through_link(intent: Intent, found: Found, ctx: Context, filters: list[Filter]) -> Intent:
    """ "faculty who do not participate in any activity": no row of the table that links the
    two (``faculty_participates_in``) refers to the faculty member; its conditions join the other."""
    root, table = intent.tables[0], found.data["table"]
    shown = {c.rsplit(".", 1)[0] for c in intent.columns}
    if intent.group_by or intent.having or len(intent.tables) > 1 or shown - {root}:
        return intent  # only rows of one table listed or counted: what else is read is not checked here
    paths = [p for p in ctx.graph.shortest_paths(root, table, max_joins=2) if len(p) == 2]
    words = {singular(t.text) for t in ctx.q.tokens if t.kind == "word"}
    named = [p for p in paths if names_a_middle(ctx.schema, p, words)]  # "not registered": the registrations
    links = {(p[0].key, p[1].key) for p in named or paths}
    if len(links) != 1:
        return intent  # no link table, or two of them: not guessed
    to_root, to_table = next(iter(links))
    link = to_root.table
    if to_root.ref_table != root or to_table.table != link or to_table.ref_table != table:
        return intent  # the middle table must refer to both ("participates in": a row per pair)
    joins = [Join(table=table, on=[to_table.condition()])] if filters else []
    found.applied = True
    sub = SubQuery(column=f"{link}.{to_root.column}", joins=joins, filters=filters)
    flt = Filter(column=f"{root}.{to_root.ref_column}", op="not_in", subquery=sub)
    return intent.model_copy(update={"filters": [*intent.filters, flt]})


def _table_after(ctx: Context, index: int, fillers: frozenset[str], *, verbs: int = 1, chained: bool = False) -> Any:
    """The table mention after a negation, with only fillers and at most ``verbs`` verbs between;
    or a verb read as a column of a table ("not published" -> ``publication.publisher``)."""
    for j in range(index + 1, min(index + 6, len(ctx.q.tokens))):
        mention = next((m for m in ctx.mentions if m.start == j), None)
        if mention is not None:
            verb_column = mention.best.kind == "column" and not chained and _past_verb(mention.words)
            verb_column = verb_column and _last_word(ctx, mention.end)
            return mention if mention.best.kind == "table" or verb_column else None
        tok = ctx.q.tokens[j]
        if tok.text in fillers or tok.text == "by":
            continue
        if tok.kind == "word" and not tok.used and verbs > 0:
            verbs -= 1
            continue
        return None
    return None


def _verb_after(ctx: Context, index: int, fillers: frozenset[str]) -> tuple[int, str] | None:
    """A past verb right after a negation that names one table by its stem, and nothing after it
    but "yet" ("which are not assigned yet"): the verb's index and the table."""
    for j in range(index + 1, min(index + 4, len(ctx.q.tokens))):
        tok = ctx.q.tokens[j]
        if tok.text in fillers:
            continue
        if tok.kind != "word" or tok.used or not _past_verb((tok.text,)):
            return None
        tables = tables_a_verb_names(ctx.schema, tok.text)
        return (j, tables[0]) if _last_word(ctx, j + 1) and len(tables) == 1 else None
    return None


def _last_word(ctx: Context, end: int) -> bool:
    """Nothing but "yet" after ``end`` ("not published", "not assigned yet"; not "not owned by CCTV")."""
    return not [t for t in ctx.q.tokens[end:] if t.kind == "word" and t.text != "yet"]


def _past_verb(words: tuple[str, ...]) -> bool:
    return len(words) == 1 and words[0].endswith("ed")


def _key_between(ctx: Context, root: str, other: str) -> ForeignKey | None:
    keys = [k for k in ctx.graph.neighbours(root) if k.other(root) == other and k.table != k.ref_table]
    if len(keys) > 1:
        asked = {singular(t.text) for t in ctx.q.tokens if t.kind == "word"}
        asked |= {w[:-2] for w in asked if w.endswith("ed")} | {w[:3] for w in asked if len(w) > 3}
        keys = [k for k in keys if set(k.role) & asked or {r[:3] for r in k.role} & asked]
    return keys[0] if len(keys) == 1 else None
