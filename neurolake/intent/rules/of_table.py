"""``of_table``: "the names of aircrafts" names a column of the aircraft table.

A column word followed by "of" and a table ("names of mountains", "the age of each pilot")
keeps only that table's columns as candidates. When that table has no such column, its
own label stands in: the column named like the table (``aircraft.aircraft``) or its name
column. Nothing is rewritten after the reading; the candidates are narrowed before it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from neurolake.intent.linker import Mention, Target
from neurolake.intent.rules import Context, Found, Rule
from neurolake.intent.schema import label_column

_BETWEEN = frozenset({"of", "the", "all", "each", "every", "a", "an", "for", "those", "these"})


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
            narrowed = _narrowed(m, table.best.table, ctx)
            if narrowed:
                mentions[i] = replace(m, candidates=narrowed)
        return []


def _narrowed(m: Mention, table: str, ctx: Context) -> list[Target]:
    own = [c for c in m.candidates if c.kind == "column" and c.table == table]
    if own:
        return own  # "the name of the department": not a student's name
    info = ctx.schema.table(table)
    if info is None or not set(m.words) & {"name", "names", "title", "titles"}:
        return []
    named = [c for c in info.columns if c.role == "text" and c.words == info.words]
    label = named[0] if named else label_column(info)
    if label is None:
        return []
    return [Target("column", table, m.candidates[0].score, label.name)]
