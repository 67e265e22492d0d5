"""Schema linking: which spans of the question name which tables, columns and values.

Every span of up to four free words is scored against every table (name, synonyms,
description), column (name words with the table's words as context, synonyms,
description) and value (the value index). The question is then cut into the spans that
explain the most words best; each span keeps its top candidates, nothing is committed.
A semantic index (embeddings) can add candidates for words nothing matched lexically.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Literal, Protocol, runtime_checkable

from neurolake.intent.lexicon import FILLER_VERBS, FILLER_WORDS, FUNCTION_WORDS, Lexicon
from neurolake.intent.schema import ColumnInfo, SchemaInfo, TableInfo
from neurolake.intent.text import Question, Token
from neurolake.intent.values import ValueIndex
from neurolake.intent.words import singular

TargetKind = Literal["table", "column", "value"]
MAX_SPAN = 4
#: A span links only when its best candidate scores at least this.
MIN_SCORE = 0.55
KEEP = 4
_ID_WORDS = frozenset({"id", "key", "number", "code", "identifier", "no"})


@dataclass(frozen=True)
class Target:
    """A table, a column, or a value of a column, with how well a span matched it."""

    kind: TargetKind
    table: str
    score: float
    column: str | None = None
    value: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.table}.{self.column}" if self.column else self.table


@dataclass
class Mention:
    """A span of the question and what it may refer to, best first."""

    start: int
    end: int
    words: tuple[str, ...]
    candidates: list[Target]
    role: str = ""
    plural: bool = False
    #: The words as the user typed them (case kept), for clarification questions.
    raw: str = ""

    @property
    def best(self) -> Target:
        return self.candidates[0]

    def of_kind(self, *kinds: TargetKind) -> list[Target]:
        return [c for c in self.candidates if c.kind in kinds]

    @property
    def text(self) -> str:
        return self.raw or " ".join(self.words)


@runtime_checkable
class SchemaLinker(Protocol):
    """What the parser needs from a (semantic) index: relevant tables/columns and values."""

    def search(self, text: str, k: int = 10) -> Sequence[Any]:
        """Hits with ``table``, ``column`` (None for a table) and ``score`` in [0, 1]."""
        ...

    def lookup_values(self, text: str, k: int = 10) -> Sequence[Any]:
        """Hits with ``table``, ``column``, ``value`` and ``score`` in [0, 1]."""
        ...


@dataclass
class LexicalLinker:
    """Scores spans against the schema with words, synonyms and descriptions."""

    schema: SchemaInfo
    values: ValueIndex = field(default_factory=ValueIndex)
    semantic: SchemaLinker | None = None
    #: Words that say which reference to a table is meant ("start" station): table -> words.
    roles: dict[str, set[str]] = field(default_factory=dict)

    @property
    def lexicon(self) -> Lexicon:
        return self.schema.lexicon

    @cached_property
    def _table_words(self) -> frozenset[str]:
        return frozenset(w for t in self.schema.tables.values() for w in t.words)

    @cached_property
    def _column_words(self) -> frozenset[str]:
        return frozenset(w for c in self.schema.columns for w in c.words)

    # ------------------------------------------------------------------------ scoring

    def _word_sim(self, word: str, names: Sequence[str]) -> float:
        sim = self.lexicon.similarity
        return max((sim(word, n) for n in names), default=0.0)

    def table_score(self, words: Sequence[str], table: TableInfo) -> float:
        if not table.words:
            return 0.0
        roles = self.roles.get(table.name, set())
        if roles and words[0] in roles and len(words) > 1:
            words = words[1:]  # "start station": the station, in its start role
        matched = [self._word_sim(w, table.words) for w in words]
        if min(matched) < 0.5:
            by_name = 0.0
        else:
            covered = self._covered(words, table.words)
            by_name = sum(matched) / len(matched) * (0.5 + 0.5 * covered / len(table.words))
            if max(matched) < 1.0:
                by_name *= 0.8  # a synonym of a table's name is weaker than the name itself
        # A table's description often names other tables ("lines of each order: which product").
        others = self._table_words
        desc = [d for d in table.desc_words if d not in others or d in table.words]
        return max(by_name, 0.85 * self._description_score(words, desc))

    def column_score(self, words: Sequence[str], column: ColumnInfo, table: TableInfo) -> float:
        """How well ``words`` name ``column``: its own words, its table's words as context, its description."""
        if not column.words:
            return 0.0
        if len(words) > 2 and list(words[:2]) == ["number", "of"] and column.words[0] == "number":
            if singular(words[-1]) in self._table_words:
                return 0.0  # "number of hosts" with a hosts table counts its rows
            words = ["number", *words[2:]]  # "number of deaths" spells number_deaths
        # A column's description names its own table and often others ("country of the customer
        # who placed the order"): those words say where it lives, not what it is.
        desc = [d for d in column.desc_words if d not in self._table_words]
        own = [self._word_sim(w, column.words) for w in words]
        by_name = 0.0
        if max(own) >= 0.5:
            # "order total": "order" fits orders fully, order_items only half.
            roles = self.roles.get(table.name, set())
            fit = [1.0 if w in roles else self._word_sim(w, table.words) for w in words]
            weight = self._covered(words, table.words) / len(table.words) if table.words else 0.0
            per_word = [
                max(a, b * weight, 0.8 * self._word_sim(w, desc) if len(words) > 1 else 0.0)
                for a, b, w in zip(own, fit, words, strict=True)
            ]
            if min(per_word) >= 0.5:
                covered = self._covered(words, column.words)
                # Exact words beat synonyms even when a synonym covers the whole name.
                by_name = sum(per_word) / len(per_word) * (0.75 + 0.25 * covered / len(column.words))
        strong = [c for c in column.words if max(self.lexicon.similarity(w, c) for w in words) >= 0.8]
        if by_name and strong and all(c in table.words for c in strong):
            by_name *= 0.6  # "order" names the orders table, not orders.order_date
        score = max(by_name, self._description_score(words, desc))
        if column.role == "key" and not _ID_WORDS & set(words):
            score *= 0.7  # "order" means the orders, not order_id, unless an id is asked for
        return score

    def _covered(self, words: Sequence[str], names: Sequence[str]) -> int:
        """How many of ``names`` the question words cover, each word covering one name at most."""
        free = list(words)
        count = 0
        for name in names:
            match = next((w for w in free if w == name), None) or next(
                (w for w in free if self.lexicon.similarity(w, name) >= 0.8), None
            )
            if match is not None:
                free.remove(match)
                count += 1
        return count

    def _description_score(self, words: Sequence[str], desc_words: Sequence[str]) -> float:
        if not desc_words:
            return 0.0
        matched = [self._word_sim(w, desc_words) for w in words]
        if min(matched) < 0.8:
            return 0.0
        return 0.7 * sum(matched) / len(matched)

    @cached_property
    def _identifiers(self) -> dict[str, list[Target]]:
        """Tables and columns by their literal names ("lineitem", "total_amount", "totalprice")."""
        out: dict[str, list[Target]] = {}
        for table in self.schema.tables.values():
            out.setdefault(table.name.lower().replace("_", ""), []).append(Target("table", table.name, 1.0))
            for col in table.columns:
                target = Target("column", table.name, 1.0, col.name)
                name = col.name.lower()
                short = name[len(table.prefix) :] if table.prefix and name.startswith(table.prefix) else name
                for key in {name.replace("_", ""), short.replace("_", "")}:
                    out.setdefault(key, []).append(target)
        return out

    def candidates(self, words: Sequence[str]) -> list[Target]:
        """Every target the words may name, best first (at most ``KEEP`` per kind)."""
        glued = "".join(words).lower()
        literal = self._identifiers.get(glued) or self._identifiers.get(singular(glued))  # "lineitems"
        plural_name = len(words) == 1 and singular(words[0]) != words[0] and singular(words[0]) in self._column_words
        words = [singular(w) for w in words]
        found: list[Target] = list(literal or [])
        # "names and urls": a plural of a word columns are named with asks for them, not for a value 'Name'.
        for hit in [] if plural_name else self.values.lookup(words):
            found.append(Target("value", hit.table, hit.score, hit.column, hit.value))
        found += self._value_with_column(words)
        tables = []
        columns = []
        for table in self.schema.tables.values():
            score = self.table_score(words, table)
            if score >= 0.5:
                tables.append(Target("table", table.name, round(score, 3)))
            for column in table.columns:
                score = self.column_score(words, column, table)
                if score >= 0.5:
                    columns.append(Target("column", table.name, round(score, 3), column.name))
        tables.sort(key=lambda t: -t.score)
        columns.sort(key=lambda t: -t.score)
        found += tables[:KEEP] + _with_ties(columns, 2 * KEEP)
        found.sort(key=lambda t: (-t.score, t.kind != "table", t.kind != "value"))
        seen: set[tuple[str, str, str | None, str | None]] = set()
        unique = []
        for t in found:
            key = (t.kind, t.table, t.column, t.value)
            if key not in seen:
                seen.add(key)
                unique.append(t)
        return unique

    def _value_with_column(self, words: Sequence[str]) -> list[Target]:
        """ "status cancelled", "Electronics category", "ship mode AIR": a value and its column's name."""
        out: list[Target] = []
        words = [w for w in words if w not in FUNCTION_WORDS]
        for cut in range(1, len(words)):
            for value_words, name_words in ((words[:cut], words[cut:]), (words[cut:], words[:cut])):
                for hit in self.values.lookup(value_words):
                    table = self.schema.tables[hit.table]
                    column = table.column(hit.column)
                    if column is None or set(map(singular, value_words)) <= set(column.words):
                        continue  # "ship mode" names the column, even with a value "SHIP"
                    if self.column_score(name_words, column, table) >= 0.8:
                        out.append(
                            Target("value", hit.table, round(min(1.0, hit.score + 0.05), 3), hit.column, hit.value)
                        )
        return out

    # ------------------------------------------------------------------------ spans

    def link(self, q: Question) -> list[Mention]:
        """The best cut of the free words into linked spans."""
        mentions: list[Mention] = []
        run: list[Token] = []
        for tok in [*q.tokens, None]:
            if tok is not None and not tok.used and tok.kind in ("word", "quoted"):
                run.append(tok)
                continue
            if run:
                mentions += self._link_run(run)
                run = []
        return mentions

    def _link_run(self, run: list[Token]) -> list[Mention]:
        n = len(run)
        best: list[tuple[float, list[Mention]]] = [(0.0, [])] * (n + 1)
        for end in range(1, n + 1):
            best[end] = (best[end - 1][0], best[end - 1][1])
            for start in range(max(0, end - MAX_SPAN), end):
                span = run[start:end]
                if _skip_span(span):
                    continue
                mention = self._mention(span)
                if mention is not None and any(t.pause_before for t in span[1:]):
                    # "ids, customer ids" is two names; only a value is written with a comma ("Tokyo, Japan")
                    values = mention.of_kind("value")
                    mention = replace(mention, candidates=values) if values else None
                if mention is None:
                    continue
                length = end - start
                value = best[start][0] + mention.best.score * length * (1 + 0.1 * (length - 1))
                if value > best[end][0] + 1e-9:
                    best[end] = (value, [*best[start][1], mention])
        return best[n][1]

    def _mention(self, span: list[Token]) -> Mention | None:
        if len(span) == 1 and span[0].kind == "quoted":
            hits = self.values.quoted(span[0].value)
            if not hits:
                return None
            targets = [Target("value", h.table, 1.0, h.column, h.value) for h in hits]
            return Mention(span[0].index, span[0].index + 1, (span[0].text,), targets, raw=span[0].raw)
        if any(t.kind == "quoted" for t in span):
            return None
        words = tuple(t.text for t in span)
        candidates = [c for c in self.candidates(words) if c.score >= 0.5]
        if not candidates or candidates[0].score < MIN_SCORE:
            return None
        plural = singular(words[-1]) != words[-1]
        raw = " ".join(t.raw for t in span)
        return Mention(span[0].index, span[-1].index + 1, words, candidates, plural=plural, raw=raw)

    # ------------------------------------------------------------------------ semantic help

    def semantic_mentions(self, q: Question, taken: list[Mention]) -> list[Mention]:
        """Candidates from the semantic index for content words nothing matched lexically."""
        if self.semantic is None:
            return []
        covered = {i for m in taken for i in range(m.start, m.end)}
        out = []
        for tok in q.tokens:
            if tok.used or tok.index in covered or tok.kind != "word":
                continue
            if tok.text in FUNCTION_WORDS or tok.text in FILLER_WORDS or len(tok.text) < 3:
                continue
            targets = self._semantic_targets(tok.text)
            if targets:
                out.append(Mention(tok.index, tok.index + 1, (tok.text,), targets))
        return out

    def _semantic_targets(self, text: str) -> list[Target]:
        assert self.semantic is not None
        targets: list[Target] = []
        for hit in self.semantic.lookup_values(text, 3):
            score = float(getattr(hit, "score", 0.0))
            table, column, value = (
                getattr(hit, "table", None),
                getattr(hit, "column", None),
                getattr(hit, "value", None),
            )
            if table in self.schema.tables and column and value is not None and score >= 0.75:
                targets.append(Target("value", table, round(0.85 * score, 3), column, str(value)))
        for hit in self.semantic.search(text, 5):
            score = float(getattr(hit, "score", 0.0))
            table, column = getattr(hit, "table", None), getattr(hit, "column", None)
            if table not in self.schema.tables or score < 0.5:
                continue
            info = self.schema.tables[table]
            if column and info.column(column) is None:
                continue
            kind: TargetKind = "column" if column else "table"
            # Embedding similarity is less sure than a word match: it never outranks one.
            targets.append(Target(kind, table, round(min(0.8, 0.8 * score + 0.1), 3), column))
        targets.sort(key=lambda t: -t.score)
        return [t for t in targets if t.score >= MIN_SCORE][:KEEP]


def _with_ties(targets: list[Target], keep: int) -> list[Target]:
    if len(targets) <= keep:
        return targets
    cut = targets[keep - 1].score
    return [t for t in targets if t.score >= cut][:24]


def _skip_span(span: list[Token]) -> bool:
    """Spans that start or end with a function word or a filler verb never link ("of the", "placed")."""
    first, last = span[0].text, span[-1].text
    edges = FUNCTION_WORDS | FILLER_VERBS
    return first in edges or last in edges
