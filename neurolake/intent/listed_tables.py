"""Tables and columns named as items of a listing are shown, not only joined or filtered on.

"the names of members and their parties" lists each member's party: the party table is not a
condition but a column of the answer (its name). "the players and the years played" lists the
player too. A table that sits in a list next to a listed column, separated by "and" or a
comma, gets its naming column in the answer, at the place the question names it. A column
listed that way is shown even when a condition uses it too ("the name and number of deaths of
storms with at least 1 death").
"""

from __future__ import annotations

from neurolake.intent.linker import Mention, Target
from neurolake.intent.model import Intent
from neurolake.intent.schema import ColumnInfo, SchemaInfo
from neurolake.intent.text import Question
from neurolake.intent.words import singular

#: Words between a list's "and" and its next item ("and their respective regions").
_DETERMINERS = frozenset({"the", "their", "its", "his", "her", "corresponding", "respective", "all", "each"})
_JOINERS = frozenset({"and"})
_POSSESSIVES = frozenset({"their", "its", "his", "her", "corresponding", "respective"})


def with_listed_tables(
    intent: Intent, q: Question, mentions: list[Mention], schema: SchemaInfo, *, asked_distinct: bool = False
) -> Intent:
    """``intent`` with the naming column of each table listed beside a listed column; its rows
    are listed one each, so duplicates stay unless the question asked for distinct ones."""
    if not _plain_listing(intent):
        return intent
    ordered = sorted(mentions, key=lambda m: m.start)
    listed = {c.lower() for c in intent.columns}
    added: list[tuple[int, str]] = []
    for i, m in enumerate(ordered):
        used = _used_column(m, intent)
        if (m.best.kind != "table" or m.best.table not in intent.tables) and used is None:
            continue
        before = ordered[i - 1] if i > 0 else None
        after = ordered[i + 1] if i + 1 < len(ordered) else None
        beside = (before is not None and _joined(q, before, m) and _shown(before, listed)) or (
            after is not None and _joined(q, m, after) and _shown(after, listed)
        )
        if beside and before is not None and _owner(q, before) and not _possessive(q, before, m):
            beside = False  # "the phone numbers of the customers and staff": both own the number
        if not beside:
            continue
        if used is not None:  # "name, dates active, and number of deaths ... with at least 1 death"
            if used.lower() not in listed:
                added.append((m.start, used))
                listed.add(used.lower())
            continue
        column = _naming_column(m, intent, schema)
        if column is not None and column.qualified.lower() not in listed:
            added.append((m.start, column.qualified))
            listed.add(column.qualified.lower())
    if not added:
        return intent
    columns = _in_question_order(intent.columns, added, ordered)
    return intent.model_copy(update={"columns": columns, "distinct": intent.distinct and asked_distinct})


def _used_column(m: Mention, intent: Intent) -> str | None:
    """The column a column mention names that the reading uses only in a condition or an order."""
    if m.best.kind != "column":
        return None
    conditions = {f.column for f in intent.filters} | {o.target for o in intent.order_by}
    return next((t.qualified for t in m.of_kind("column") if t.qualified in conditions), None)


def _plain_listing(intent: Intent) -> bool:
    return bool(intent.columns) and not (
        intent.measures
        or intent.group_by
        or intent.having
        or intent.combine
        or any(c.endswith(".*") for c in intent.columns)
    )


def _joined(q: Question, left: Mention, right: Mention) -> bool:
    """``left`` and ``right`` are neighbours in a list: "and", a comma, and determiners between."""
    between = q.tokens[left.end : right.start]
    own = {w for t in left.of_kind("column")[:1] for w in t.qualified.rsplit(".", 1)[1].split("_")}
    # "dates active, and ...": the rest of the left column's own name is not between them
    words = [t.text for t in between if t.text not in _DETERMINERS and t.text not in own]
    if words and words[0] in _JOINERS and len(words) == 1:
        return True
    return not words and any(t.pause_before for t in [*between, q.tokens[right.start]])


def _owner(q: Question, m: Mention) -> bool:
    """A table named after "of" ("the names of members"): it owns the listed column."""
    before = [t.text for t in q.tokens[max(0, m.start - 3) : m.start] if t.text not in _DETERMINERS]
    return m.best.kind == "table" and bool(before) and before[-1] == "of"


def _possessive(q: Question, left: Mention, right: Mention) -> bool:
    """ "members and their parties", "actors and the musicals they are in": the second table is
    what each row of the first has."""
    after = q.at(right.end)
    related = after is not None and after.text in ("that", "which", "they", "where")
    return related or any(t.text in _POSSESSIVES for t in q.tokens[left.end : right.start])


def _shown(m: Mention, listed: set[str]) -> bool:
    """The mention is a column the answer shows, or a table one of them belongs to ("the names
    of parties")."""
    tables = {c.rsplit(".", 1)[0] for c in listed}
    best = m.best
    if best.kind == "table":
        return best.table.lower() in tables
    return any(t.kind == "column" and t.qualified.lower() in listed for t in m.candidates[:3])


def _naming_column(m: Mention, intent: Intent, schema: SchemaInfo) -> ColumnInfo | None:
    """The column that names the listed table's rows: one its words spell ("players" ->
    ``player.player``, "types" -> ``allergytype``), else the table's label."""
    words = {singular(w) for w in m.words}
    spelled = [
        t for t in m.candidates if t.kind == "column" and t.table in intent.tables and _text_column(schema, t, words)
    ]
    if spelled:
        return schema.column(spelled[0].qualified)
    table = schema.table(m.best.table)
    return table.label if table is not None else None


def _text_column(schema: SchemaInfo, t: Target, words: set[str]) -> bool:
    col = schema.column(t.qualified)
    return col is not None and col.role == "text" and bool(words & set(col.words))


def _in_question_order(columns: list[str], added: list[tuple[int, str]], mentions: list[Mention]) -> list[str]:
    """Listed columns, the added ones placed where the question names them."""

    def first_at(column: str) -> int:
        return min((m.start for m in mentions for t in m.candidates[:3] if t.qualified == column), default=10_000)

    placed = [(first_at(c), i, c) for i, c in enumerate(columns)] + [(at, -1, c) for at, c in added]
    return [c for _, _, c in sorted(placed)]
