"""Words of a question that name nothing in the data, said plainly, with the closest things that exist.

The parser refuses a question it cannot read in full (it never substitutes another table
or column); its ``unlinked`` words say what it could not place. This turns them into
"There is nothing called 'employees' in your data", followed by the tables or columns whose
names are closest, so the next question names something real.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from neurolake.conversation.clarify import REPHRASE, PendingClarification
from neurolake.intent.model import Intent, describe
from neurolake.intent.words import singular

if TYPE_CHECKING:
    from neurolake.intent.schema import SchemaInfo

#: Names at least this close (difflib ratio) are offered; otherwise the tables are listed.
CLOSE = 0.75
#: How many close names are offered.
OFFERED = 4
#: Words that ask how, not what (the parser reports them too when a grouping has nothing to group).
_NOT_NAMES = frozenset({"by", "per", "of", "for", "in", "the", "a", "an", "each", "every", "and", "or", "with"})


def missing_words(unlinked: list[str]) -> list[str]:
    """The words that could name data (not 'by', 'per', ...), in the order asked."""
    return [w for w in dict.fromkeys(unlinked) if w.lower() not in _NOT_NAMES and any(c.isalpha() for c in w)]


def closest_names(word: str, schema: SchemaInfo) -> list[str]:
    """Tables and columns whose names (or a word of them) look most like ``word``, best first."""
    wanted = singular(word.lower())
    scored: dict[str, float] = {}
    for table in schema.tables.values():
        names = [table.name, *table.words]
        scored[table.name] = max(difflib.SequenceMatcher(None, wanted, singular(n)).ratio() for n in names)
        for column in table.columns:
            if column.role == "key" or column.name.endswith("_id"):
                continue  # keys are not what people mean by a word
            names = [column.name, *column.words]
            label = f"{table.name}.{column.name}"
            scored[label] = max(difflib.SequenceMatcher(None, wanted, singular(n)).ratio() for n in names)
    ranked = sorted((s, n) for n, s in scored.items() if s >= CLOSE)
    return [name for _score, name in sorted(ranked, key=lambda p: (-p[0], p[1]))][:OFFERED]


def missing_message(unlinked: list[str], schema: SchemaInfo) -> str | None:
    """ "There is nothing called 'employees' in your data. Closest: ...", or None when no word is missing."""
    words = missing_words(unlinked)
    if not words:
        return None
    quoted = " or ".join(f"'{w}'" for w in words)
    lines = [f"There is nothing called {quoted} in your data, so I did not answer rather than guess."]
    close = list(dict.fromkeys(name for w in words for name in closest_names(w, schema)))[:OFFERED]
    if close:
        lines.append("Closest things that exist: " + ", ".join(close) + ".")
    else:
        lines.append("What there is: " + "; ".join(_table_outline(schema)) + ".")
    return " ".join(lines)


def _table_outline(schema: SchemaInfo) -> list[str]:
    """Each table with a few of its descriptive columns: "customers (name, country, city)"."""
    out = []
    for name in sorted(schema.tables):
        columns = [c.name for c in schema.tables[name].columns if c.role != "key" and not c.name.endswith("_id")]
        out.append(f"{name} ({', '.join(columns[:OFFERED])})" if columns else name)
    return out


def meaning_clarification(intent: Intent) -> PendingClarification:
    """A reading that took a word no table or column is named after as a similar one ("employees"
    as customers): said, and asked about, never answered silently."""
    words = " or ".join(f"'{w}'" for w in intent.by_meaning)
    best = intent.model_copy(update={"by_meaning": [], "ambiguities": [], "confidence": 1.0})
    reading = reading_label(best)
    question = f"There is nothing called {words} in your data. The closest I found is {reading}: is that what you mean?"
    return PendingClarification(
        "confirm",
        question,
        [("1", reading), ("2", REPHRASE)],
        {"1": best.model_dump(mode="json"), "2": None},
        intent.model_dump(mode="json"),
    )


def reading_label(intent: Intent) -> str:
    """The reading in words, a count named after what it counts ("number of customers")."""
    words = describe(intent)
    return words.replace("number of rows", f"number of {intent.tables[0]}") if intent.tables else words
