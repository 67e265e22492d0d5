"""Rewrites of a reading, as named rules run in order (like the optimizer's rules).

The slot parser reads the plain parts of a question (what is listed, filtered, grouped,
computed). Each rule here reads one construction it cannot express and rewrites the finished
``Intent``:

1. ``of_table``: "the names of aircrafts" -> a column of the aircraft table (candidates narrowed);
   ``full_name``: "the full names of students" -> the first-name and last-name columns;
2. ``shared_measure``: "the total and average amount" -> ``SUM(amount), AVG(amount)``;
3. ``text_match``: "names containing 'Mount'" -> ``ILIKE '%Mount%'``;
4. ``versus_aggregate``: "height above the average height" -> ``height > (SELECT AVG(height) ...)``;
5. ``absence``: "mountains that no climber has climbed" -> ``mountain_id NOT IN (SELECT ...)``;
6. ``superlative``: "the name of the climber with the most points" -> ``ORDER BY points DESC LIMIT 1``;
7. ``set_ops``: "both A and B" -> ``INTERSECT``, "A but not B" -> ``EXCEPT``;
8. ``either_or``: "capacity above 300 or below 100" -> ``(capacity > 300 OR capacity < 100)``;
9. ``each_value``: "the average age of male and female students" -> ``GROUP BY sex``.

A rule works in up to three steps: ``claim`` takes its words before the cue readers see them,
``take`` takes the schema mentions (and cues) it owns before the slot parser sees them, and
``apply`` rewrites the intent. A rule that claimed words but cannot apply reports them as not understood
(``Found.unread``), so the question is never answered without them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from neurolake.intent.keys import JoinGraph
from neurolake.intent.linker import Mention
from neurolake.intent.model import Intent
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.text import Question, Token
from neurolake.intent.values import spelled


@dataclass
class Context:
    """What every rule may look at."""

    q: Question
    schema: SchemaInfo
    graph: JoinGraph
    mentions: list[Mention] = field(default_factory=list)


@dataclass
class Found:
    """One occurrence of a rule's construction in the question."""

    rule: str
    #: The words, as typed, for the message when the rule cannot apply.
    words: str
    #: What the rule needs to apply: token positions, mentions it took, an operator...
    data: dict[str, Any] = field(default_factory=dict)
    applied: bool = False


class Rule:
    """A rewrite of the reading for one construction; a rule overrides the steps it needs."""

    name = "rule"

    def claim(self, q: Question) -> list[Found]:
        """Take this construction's cue words, before the cue readers see them."""
        return []

    def take(self, found: list[Found], ctx: Context, cues: list[Any]) -> list[Found]:
        """After linking: every occurrence, with the mentions (and cues) it owns taken out of
        ``ctx.mentions`` (and ``cues``) so the slot parser does not read them again."""
        for f in found:
            self.link(f, ctx)
        return found

    def link(self, found: Found, ctx: Context) -> None:
        """Take the mentions one claimed occurrence owns (nothing by default)."""

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        """The intent rewritten; sets ``found.applied`` when it could."""
        return intent


def rules() -> tuple[Rule, ...]:
    """The rules, in the order they run."""
    from neurolake.intent.rules.absence import Absence
    from neurolake.intent.rules.each_value import EachValue
    from neurolake.intent.rules.either_or import EitherOr
    from neurolake.intent.rules.full_name import FullName
    from neurolake.intent.rules.of_table import OfTable
    from neurolake.intent.rules.set_ops import SetOps
    from neurolake.intent.rules.shared_measure import SharedMeasure
    from neurolake.intent.rules.superlative import Superlative
    from neurolake.intent.rules.text_match import TextMatch
    from neurolake.intent.rules.versus_aggregate import VersusAggregate

    return (
        OfTable(), FullName(), SharedMeasure(), TextMatch(), VersusAggregate(), Absence(), Superlative(), SetOps(),
        EitherOr(), EachValue(),
    )  # fmt: skip


def mention_after(ctx: Context, index: int, *, within: int = 4) -> Mention | None:
    """The first schema mention starting after token ``index``, at most ``within`` tokens later."""
    for m in ctx.mentions:
        if index < m.start <= index + within:
            return m
    return None


def mention_before(ctx: Context, index: int, *, within: int = 4) -> Mention | None:
    """The last schema mention ending at or before token ``index``, at most ``within`` tokens before."""
    for m in reversed(ctx.mentions):
        if index - within <= m.end <= index:
            return m
    return None


def written_at(q: Question, value: Any) -> int | None:
    """Where a condition's value is written in the question (its first token), or None."""
    for tok in q.tokens:
        if tok.kind == "number" and not isinstance(value, str) and tok.value == value:
            return tok.index
        if tok.kind == "date" and isinstance(tok.value, date) and tok.value.isoformat() == str(value)[:10]:
            return tok.index
        if tok.kind in ("quoted", "word") and isinstance(value, str) and _spells(tok, value):
            return tok.index
    if isinstance(value, str) and value.split():
        first = value.split()[0].lower()
        return next((t.index for t in q.tokens if t.raw.lower() == first), None)
    return None


def _spells(tok: Token, value: str) -> bool:
    """The token is the value as written, or a word its code stands for ("female" for 'F')."""
    return str(tok.value or tok.raw).lower() == value.lower() or tok.text in spelled(value)
