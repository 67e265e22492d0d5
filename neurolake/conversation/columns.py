"""Bare listings of wide tables ask which columns: "Show customers" -> "Which columns?".

The parser reads "show customers" as every column of every row; for a table wider than
``WIDE_TABLE`` columns that is rarely what a person wants to read, so the conversation asks
and offers a short selection, the identifying columns, or everything. A free-text answer
("name and country") names columns in the user's words.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from neurolake.conversation.clarify import PendingClarification
from neurolake.intent.model import Intent, IntentKind

if TYPE_CHECKING:
    from neurolake.intent.schema import ColumnInfo, SchemaInfo, TableInfo

#: Listings of tables with more columns than this ask which ones to show.
WIDE_TABLE = 5
#: How many columns the "short" option shows.
SHORT_SELECTION = 4
_ALL = {"all", "everything", "every column", "all columns", "all of them", "*", "the lot"}


def listing_clarification(intent: Intent, schema: SchemaInfo) -> PendingClarification | None:
    """ "Which columns?" for a bare listing of one wide table; None for anything else."""
    if not _is_bare_listing(intent):
        return None
    table = schema.table(intent.tables[0])
    if table is None or len(table.columns) <= WIDE_TABLE:
        return None
    short = _short_selection(table)
    ident = [c for c in (table.key, table.label) if c is not None]
    base = intent.model_copy(update={"ambiguities": []})
    candidates = [
        (_label(short), short),
        (_label(ident), ident),
        (f"all {len(table.columns)} columns", list(table.columns)),
    ]
    options: list[tuple[str, str]] = []
    choices: dict[str, dict[str, object] | None] = {}
    seen: set[tuple[str, ...]] = set()
    for label, cols in candidates:
        names = tuple(c.qualified for c in cols)
        if not names or names in seen:
            continue
        seen.add(names)
        option_id = str(len(options) + 1)
        options.append((option_id, label))
        choices[option_id] = base.model_copy(update={"columns": list(names)}).model_dump(mode="json")
    every = ", ".join(c.name for c in table.columns)
    return PendingClarification(
        "columns",
        f"Which columns of {table.name} would you like to see? (It has {len(table.columns)}: {every}.)",
        options,
        choices,
        base.model_dump(mode="json"),
        table=table.name,
    )


def columns_from_text(text: str, table_name: str, schema: SchemaInfo) -> list[str]:
    """The columns of ``table_name`` that ``text`` names ("name and country"), in table order."""
    table = schema.table(table_name)
    if table is None:
        return []
    lowered = text.lower().strip(" .!?")
    if lowered in _ALL or re.search(r"\ball( the)? columns\b|\beverything\b", lowered):
        return [c.qualified for c in table.columns]
    words = _words(lowered)
    picked = [c for c in table.columns if _named(c, words, lowered)]
    return [c.qualified for c in picked]


def _is_bare_listing(intent: Intent) -> bool:
    return (
        intent.kind is IntentKind.QUERY
        and len(intent.tables) == 1
        and not intent.joins
        and not (intent.measures or intent.group_by or intent.filters or intent.order_by)
        and intent.time_range is None
        and intent.time_travel is None
        and intent.limit is None
        and all(c.endswith(".*") for c in intent.columns)
    )


def _short_selection(table: TableInfo) -> list[ColumnInfo]:
    """The label, then the first few descriptive columns (no keys, no free text like emails)."""
    out = [table.label] if table.label is not None else []
    for col in table.columns:
        if len(out) >= SHORT_SELECTION:
            break
        if col in out or col.role == "key" or col is table.key or _looks_contact(col):
            continue
        out.append(col)
    return out


def _looks_contact(col: ColumnInfo) -> bool:
    return bool({"email", "mail", "phone", "address", "password", "token"} & set(col.words))


def _label(cols: list[ColumnInfo]) -> str:
    names = [c.name for c in cols]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _words(text: str) -> set[str]:
    from neurolake.intent.words import singular

    raw = re.findall(r"[a-z0-9]+", text)
    return set(raw) | {singular(w) for w in raw}


def _named(col: ColumnInfo, words: set[str], text: str) -> bool:
    name = col.name.lower()
    if name in words or name.replace("_", " ") in text:
        return True
    # "signup" names signup_date; "id" alone is too vague to pick a key.
    content = [w for w in col.words if w not in ("id", "date", "at")]
    return bool(content) and all(w in words for w in content)
