"""``of_table``: "the names of aircrafts" names a column of the aircraft table.

A column word followed by "of" and a table ("names of mountains", "the age of each pilot")
keeps only that table's columns as candidates. When that table has no such column, its
own label stands in: the column named like the table (``aircraft.aircraft``) or its name
column; columns listed before it ("the names and ids of albums") are narrowed the same way.
A word listed after a column's full name shares its first word: "the account id and
name" is the account name (``account_name``), "the part name and id" the part id. Nothing is
rewritten after the reading; the candidates are narrowed before it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from neurolake.intent.linker import Mention, Target
from neurolake.intent.rules import Context, Found, Rule
from neurolake.intent.schema import TableInfo, label_column
from neurolake.intent.words import singular

_BETWEEN = frozenset({"of", "the", "all", "each", "every", "a", "an", "for", "those", "these", "different", "distinct",
                      "their", "its"})  # fmt: skip


class OfTable(Rule):
    name = "of_table"

    def take(self, found: list[Found], ctx: Context, cues: list[Any]) -> list[Found]:
        mentions = ctx.mentions
        for i, m in enumerate(mentions):
            if m.best.kind != "column" or i + 1 >= len(mentions):
                continue
            table = mentions[i + 1]
            between = [t.text for t in ctx.q.tokens[m.end : table.start]]
            if not between or between[0] != "of" or not set(between) <= _BETWEEN or table.best.kind != "table":
                continue
            # "the names and ids of the albums": each column listed before "of" is the table's
            # "the location": document_locations and ref_locations named as well; the name is the latter's
            tied = [t.table for t in table.of_kind("table") if t.score >= table.best.score]
            for j in [i, *_listed_before(mentions, i, ctx)]:
                narrowed = _narrowed(mentions[j], table.best.table, ctx)
                if len(tied) > 1:
                    own = [t for c in tied for t in _narrowed(mentions[j], c, ctx) if t.column in _own_columns(ctx, c)]
                    narrowed = own or narrowed
                if narrowed:
                    mentions[j] = replace(mentions[j], candidates=narrowed)
        for i in range(1, len(mentions)):
            shared = _sharing_first_word(mentions[i - 1], mentions[i], ctx)
            if shared:
                mentions[i] = replace(mentions[i], candidates=shared)
        return []


def _own_columns(ctx: Context, table: str) -> set[str]:
    info = ctx.schema.table(table)
    return {c.name for c in info.columns} if info is not None else set()


def _names_its_table(t: Target, info: TableInfo) -> bool:
    """The column's words are the table's own plus one ("player name" of ``player``)."""
    col = info.column(t.column or "")
    return col is not None and len(col.words) == len(info.words) + 1 and col.words[: len(info.words)] == info.words


def _listed_before(mentions: list[Mention], i: int, ctx: Context) -> list[int]:
    """Column mentions listed right before mention ``i`` ("names and ids", "name, age and")."""
    out = []
    while i > 0:
        before = mentions[i - 1]
        between = [t.text for t in ctx.q.tokens[before.end : mentions[i].start]]
        comma = not between and ctx.q.tokens[mentions[i].start].pause_before
        if before.best.kind != "column" or not (comma or between in (["and"], ["and", "the"])):
            break
        out.append(i - 1)
        i -= 1
    return out


def _narrowed(m: Mention, table: str, ctx: Context) -> list[Target]:
    own = [c for c in m.candidates if c.kind == "column" and c.table == table]
    info = ctx.schema.table(table)
    if own and info is not None and len(own) > 1:
        # "the names of players": the player's name, not its sponsor's name
        its_own = [c for c in own if _names_its_table(c, info)]
        own = its_own if len(its_own) == 1 else own
    if own:
        return own  # "the name of the department": not a student's name
    if info is None or not set(m.words) & {"name", "names", "title", "titles"}:
        return []
    if len(m.words) > 1 and m.best.score >= 0.95:
        return []  # "the department name of the students": a column named in full, of a related table
    named = [c for c in info.columns if c.role == "text" and c.words == info.words]
    label = named[0] if named else label_column(info)
    if label is None:
        return []
    return [Target("column", table, m.candidates[0].score, label.name)]


def _sharing_first_word(first: Mention, word: Mention, ctx: Context) -> list[Target]:
    """ "account id and name": the columns the second word names with the first one's leading word."""
    between = [t.text for t in ctx.q.tokens[first.end : word.start]]
    if between != ["and"] or len(first.words) < 2 or len(word.words) != 1 or first.best.kind != "column":
        return []
    if first.best.score < 0.95:
        return []
    lead, own = singular(first.words[0]), singular(word.words[0])
    tables = [c.table for c in first.candidates if c.kind == "column" and c.score >= first.best.score - 0.01]
    out = []
    for table in dict.fromkeys(tables):
        info = ctx.schema.table(table)
        for col in info.columns if info is not None else []:
            if col.words[:1] == (lead,) and own in col.words[1:] and len(col.words) <= 3:
                out.append(Target("column", table, 1.0, col.name))
    return out
