"""``full_name``: "the full name" is the first and the last name, where a table keeps them apart.

"the full names of all students" -> ``SELECT fname, lname FROM student``. The table is the one
whose columns the reading lists, else the first one it reads; it must have exactly one first-name
and one last-name column, otherwise the words are reported as not understood.
"""

from __future__ import annotations

from neurolake.intent.model import GroupBy, Intent
from neurolake.intent.rules import Context, Found, Rule
from neurolake.intent.schema import ColumnInfo, TableInfo
from neurolake.intent.text import Question


class FullName(Rule):
    name = "full_name"

    def claim(self, q: Question) -> list[Found]:
        out = []
        for tok in q.tokens:
            nxt = q.at(tok.index + 1)
            if tok.text == "full" and not tok.used and nxt is not None and nxt.text in ("name", "names"):
                q.claim(tok.index, tok.index + 2, self.name)
                out.append(Found(self.name, f"{tok.raw} {nxt.raw}", {"at": tok.index}))
        return out

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        listed = [c.split(".")[0] for c in [*intent.columns, *(g.column for g in intent.group_by)]]
        candidates = [t for t in dict.fromkeys([*listed, *intent.tables]) if ctx.schema.table(t) is not None]
        for table in candidates:
            info = ctx.schema.table(table)
            parts = _name_parts(info) if info is not None else None
            if parts is None:
                continue
            found.applied = True
            names = [c.qualified for c in parts]
            if intent.group_by:  # "the full name of the customer with the most orders": grouped by both
                others_g = [g for g in intent.group_by if g.column.split(".")[0] != table or g.grain]
                return intent.model_copy(update={"group_by": [*(GroupBy(column=n) for n in names), *others_g]})
            others = [c for c in intent.columns if not c.endswith(".*") and c not in names]
            return intent.model_copy(update={"columns": [*names, *others]})
        return intent


def _name_parts(table: TableInfo) -> list[ColumnInfo] | None:
    """The table's first-name and last-name columns, when it has exactly one of each."""
    firsts = [c for c in table.columns if c.role == "text" and "name" in c.words and "first" in c.words]
    lasts = [c for c in table.columns if c.role == "text" and "name" in c.words and "last" in c.words]
    if len(firsts) != 1 or len(lasts) != 1:
        return None
    return [firsts[0], lasts[0]]
