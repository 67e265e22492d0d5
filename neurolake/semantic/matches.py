"""What the semantic layer returns: schema matches, value matches, remembered answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

SchemaKind = Literal["table", "column"]
ValueMatchKind = Literal["exact", "case", "stem", "semantic"]
Feedback = Literal["up", "down"]


@dataclass(frozen=True)
class SchemaMatch:
    """A table or column relevant to a phrase; ``score`` is cosine similarity in [-1, 1]."""

    kind: SchemaKind
    table: str
    column: str | None
    score: float
    description: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class ValueMatch:
    """A stored value of a low-cardinality text column that a phrase refers to.

    ``match`` says how it was found; lexical matches (exact, case, stem) rank before
    semantic ones. ``phrase`` is the part of the query text that matched.
    """

    table: str
    column: str
    value: str
    score: float
    match: ValueMatchKind = "semantic"
    phrase: str | None = None


@dataclass(frozen=True)
class MemoryHit:
    """A previously answered question similar to the current one."""

    question: str
    sql: str
    tables: list[str]
    score: float
    feedback: Feedback | None = None
    id: str = ""
    thread_id: str | None = None
