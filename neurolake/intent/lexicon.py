"""The parser's vocabulary: synonyms of data words and the cue words of analytic questions.

Nothing here names a table: synonyms relate everyday words to words found in column and
table names ("revenue" to "amount", "client" to "customer"), and cues recognise what a
question asks ("how many", "top", "per"). Extend it with ``Lexicon.with_synonyms``, or,
usually better, describe the column in the catalog: descriptions are matched too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from neurolake.intent.vocab import load
from neurolake.intent.words import singular

_ENGLISH = load("english")
#: Groups of words that stand for one another, with how sure the substitution is.
_GROUPS: list[tuple[float, tuple[str, ...]]] = [(g["weight"], tuple(g["words"])) for g in _ENGLISH["synonyms"]]

#: Comparative and superlative words: sort direction, and words the sorted column may hold.
DIRECTION_WORDS: dict[str, tuple[str, tuple[str, ...]]] = {
    word: (entry["direction"], tuple(entry["hints"])) for word, entry in _ENGLISH["direction_words"].items()
}
_WORDS = _ENGLISH["words"]
#: Words of money columns: a bare amount about a table is its money column ("orders over 100").
MONEY_WORDS = frozenset({"amount", "total", "price", "revenue", "value", "cost", "sale"})
#: Words that mean "rank by how many rows" ("most popular product").
POPULARITY_WORDS = frozenset(_WORDS["popularity"])
#: Words a question is made of that never name data.
FUNCTION_WORDS = frozenset(_WORDS["function"])
#: Filler verbs that carry no meaning for the query once cues are read ("placed", "made").
FILLER_VERBS = frozenset(_WORDS["filler_verbs"])
#: Words that may name data but are not missed when nothing links them ("number", "data").
FILLER_WORDS = FILLER_VERBS | frozenset(_WORDS["filler_nouns"])


@dataclass(frozen=True)
class Lexicon:
    """Synonym lookup built once from groups of related words."""

    synonyms: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    _cache: dict[tuple[str, str], float] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def default(cls) -> Lexicon:
        """The built-in vocabulary."""
        return cls().with_groups(_GROUPS)

    def with_groups(self, groups: Iterable[tuple[float, Iterable[str]]]) -> Lexicon:
        """A copy where every word of each group stands for the others with that weight."""
        table: dict[str, dict[str, float]] = {k: dict(v) for k, v in self.synonyms.items()}
        for weight, words in groups:
            stems = [singular(w) for w in words]
            for a in stems:
                for b in stems:
                    if a != b:
                        row = table.setdefault(a, {})
                        row[b] = max(row.get(b, 0.0), weight)
        return Lexicon(table)

    def with_synonyms(self, synonyms: Mapping[str, Iterable[str]], weight: float = 0.9) -> Lexicon:
        """A copy with more synonyms: ``{"revenue": ["gmv", "bookings"]}``."""
        return self.with_groups((weight, [word, *others]) for word, others in synonyms.items())

    def similarity(self, a: str, b: str) -> float:
        """How well question word ``a`` stands for name word ``b`` (both singular), 0 to 1."""
        if a == b:
            return 1.0
        key = (a, b)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._similarity(a, b)
            self._cache[key] = cached
        return cached

    def _similarity(self, a: str, b: str) -> float:
        weight = self.synonyms.get(a, {}).get(b, 0.0)
        if weight:
            return weight
        if len(a) < 4 or len(b) < 4:
            return 0.0
        if _spelled_alike(a) == _spelled_alike(b):
            return 0.95  # "organisation" and "organization"
        stem_a, stem_b = stem(a), stem(b)
        if stem_a == stem_b:
            return 0.85
        if b in (stem_a + "or", stem_a + "er"):
            return 0.8  # "directed" -> "director", "owned" -> "owner": the one who does it (below a shared stem)
        # "shipped" -> "ship" ~ "delivery": synonyms of the stem, a little less sure.
        row = self.synonyms.get(stem_a) or self.synonyms.get(stem_a + "e") or {}
        weight = max(row.get(b, 0.0), row.get(stem_b, 0.0))
        if stem_a in (b, stem_b) or (stem_a + "e") == b:
            weight = max(weight, 0.85)
        return 0.9 * weight if weight < 0.85 else weight

    def vocabulary(self) -> set[str]:
        """Every word the lexicon knows (used to split glued identifiers)."""
        out = set(self.synonyms)
        for row in self.synonyms.values():
            out.update(row)
        out.update(DIRECTION_WORDS)
        return out


_SUFFIXES = ("ations", "ation", "ings", "ing", "ers", "er", "ies", "ied", "ed", "es", "ly", "y", "s", "e")


def _spelled_alike(word: str) -> str:
    """British and American spellings meet ("organisation", "colour", "centre")."""
    for british, american in (
        ("isation", "ization"),
        ("ise", "ize"),
        ("our", "or"),
        ("tre", "ter"),
        ("olment", "ollment"),
    ):
        if len(word) >= 6 and (word.endswith(british) or word.endswith(british + "s")):
            return word.replace(british, american)
    return word


def stem(word: str) -> str:
    """A crude stem so ``delivered``, ``delivery`` and ``deliver`` (and ``shipped``, ``ship``) meet."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if (
                suffix in ("ed", "ing", "er", "ers")
                and len(base) >= 4
                and base[-1] == base[-2]
                and base[-1] not in "aeiousl"
            ):
                base = base[:-1]  # shipped -> ship, planned -> plan
            return base
    return word
