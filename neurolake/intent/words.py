"""Words out of identifiers and questions: splitting, singular forms, abbreviations.

``o_totalprice`` becomes ``total price`` and ``c_mktsegment`` becomes ``market segment``:
identifiers are split at ``_`` and camelCase, a table-wide prefix (``o_``, ``ps_``) is
dropped, and glued words are segmented against a vocabulary made of the schema's own
descriptions plus the lexicon, with common data abbreviations expanded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from neurolake.intent.vocab import load


def word_set(text: str) -> frozenset[str]:
    """A set of words written as one string (long vocabularies stay readable)."""
    return frozenset(text.split())


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_WORD = re.compile(r"[a-z0-9]+")
_PREFIX = re.compile(r"^([a-z]{1,3})_")

#: Abbreviations seen in column names, expanded to the words a person would type.
ABBREVIATIONS: dict[str, str] = dict(load("english")["abbreviations"])

#: Everyday words of data models, so glued names split ("receiptdate" -> "receipt date").
COMMON_WORDS = frozenset(load("english")["words"]["common"])
#: Short words that end glued column names ("bedtype"), split off whatever comes before them.
IDENTIFIER_TAILS = frozenset(load("english")["words"]["identifier_tails"])

# Words that end in s but are not plurals.
_KEEP_S = frozenset(
    {
        "status", "address", "class", "business", "analysis", "basis", "bus", "gas", "news", "series",
        "species", "plus", "minus", "bonus", "campus", "census", "corpus", "focus", "virus", "lens",
        "process", "access", "success", "loss", "boss", "glass", "grass", "mass", "pass", "less",
        "this", "its", "is", "was", "has", "does", "yes", "us", "as", "always", "seconds", "minutes",
        "hours", "days", "weeks", "months", "years", "sales", "kilometers", "dollars", "instructions",
        "goods", "thanks", "christmas", "canvas", "atlas", "alias", "axis", "chassis", "gross",
    }
)  # fmt: skip
_IRREGULAR = {
    "ids": "id", "people": "person", "children": "child", "men": "man", "women": "woman", "mice": "mouse",
    "data": "data", "criteria": "criterion", "indices": "index", "feet": "foot", "teeth": "tooth",
    "sales": "sale", "hours": "hour", "days": "day", "weeks": "week", "months": "month",
    "years": "year", "minutes": "minute", "seconds": "second", "dollars": "dollar",
    "kilometers": "kilometer", "instructions": "instruction",
}  # fmt: skip
#: Words whose singular ends in "ie" (vocabulary ``ie_singulars``: "cookies" -> "cookie", not "cooky").
_IE_SINGULARS = frozenset(load("english")["words"]["ie_singulars"])


@lru_cache(maxsize=65536)
def singular(word: str) -> str:
    """``categories`` -> ``category``, ``boxes`` -> ``box``, ``status`` -> ``status``."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or word in _KEEP_S or not word.endswith("s"):
        return word
    if word.endswith("es") and word[:-2] in _KEEP_S:
        return word[:-2]  # "campuses", "statuses", "bonuses"
    if word.endswith("ies") and word[:-1] in _IE_SINGULARS:
        return word[:-1]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    return word[:-1]


def words_of(text: str) -> list[str]:
    """Lower-case words of free text (a description, a question fragment)."""
    return _WORD.findall(text.lower())


def split_identifier(name: str) -> list[str]:
    """``totalAmount`` / ``total_amount`` / ``TOTAL-AMOUNT`` -> ``['total', 'amount']``."""
    spaced = _CAMEL.sub("_", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def common_prefix(names: Iterable[str]) -> str | None:
    """The ``x_`` prefix most of a table's columns share (TPC-H ``l_``, ``ps_``), if any."""
    names = list(names)
    if len(names) < 2:
        return None
    prefixes = [m.group(1) for n in names if (m := _PREFIX.match(n.lower()))]
    if not prefixes:
        return None
    best = max(set(prefixes), key=prefixes.count)
    return best + "_" if prefixes.count(best) >= max(2, 0.75 * len(names)) else None


class Segmenter:
    """Splits glued words (``totalprice``) against a vocabulary, expanding abbreviations."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = {w for w in vocabulary if len(w) >= 2} | set(ABBREVIATIONS)

    def expand(self, word: str) -> list[str]:
        """The words ``word`` stands for: itself when known, else its best segmentation."""
        if word in ABBREVIATIONS:
            return ABBREVIATIONS[word].split()
        glued = _glued_suffix(word)
        if glued is not None:
            return glued
        if word in self.vocabulary or singular(word) in self.vocabulary or len(word) < 5 or word.isdigit():
            return [word]
        pieces = self._segment(word) or self._known_tail(word)
        if pieces is None:
            return [word]
        out: list[str] = []
        for piece in pieces:
            out += ABBREVIATIONS[piece].split() if piece in ABBREVIATIONS else [piece]
        return out

    def _known_tail(self, word: str) -> list[str] | None:
        """ "baseprice" -> ``base price``, "bedtype" -> ``bed type``: a known word of five letters or
        more, or a usual name ending ("type", "date"), ends it after a qualifier of three letters or
        more the vocabulary does not hold (other short known endings are too often the end of
        another word: "capacity", "playlist")."""
        for start in range(3, len(word) - 3):
            tail = word[start:]
            if (tail in IDENTIFIER_TAILS or (len(tail) >= 5 and tail in self.vocabulary)) and word[:start].isalpha():
                return [word[:start], tail]
        return None

    def _segment(self, word: str) -> list[str] | None:
        """Fewest known pieces covering ``word`` (each at least 3 letters), or None."""
        n = len(word)
        best: list[list[str] | None] = [None] * (n + 1)
        best[0] = []
        for end in range(3, n + 1):
            for start in range(0, end - 2):
                prefix = best[start]
                piece = word[start:end]
                if prefix is None or piece not in self.vocabulary:
                    continue
                candidate = [*prefix, piece]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
        result = best[n]
        return result if result is not None and len(result) > 1 else None


#: One-letter qualifiers glued to a name ("fname", "lname").
_LETTER_QUALIFIERS = {"f": "first", "l": "last", "m": "middle"}
#: Key words glued to a stem ("stuid" -> "stu id"); English words that end the same way are kept.
_GLUED_KEYS = ("id", "key", "code")
_ENDS_LIKE_KEY = word_set(
    """valid invalid humid rapid liquid solid stupid squid avoid android hybrid fluid void paid
    said laid maid raid afraid acid lucid vivid placid timid rigid orchid monkey turkey jockey
    bid grid skid
    hockey donkey whiskey barcode zipcode postcode encode decode"""
)


def _glued_suffix(word: str) -> list[str] | None:
    """``stuid`` -> ``stu id``, ``fname`` -> ``first name``; None when ``word`` is not glued so."""
    if len(word) == 5 and word.endswith("name") and word[0].isalpha():
        return [_LETTER_QUALIFIERS.get(word[0], word[0]), "name"]  # "fname" first name, "cname" c name
    if word in _ENDS_LIKE_KEY or not word.isalpha():
        return None
    for key in _GLUED_KEYS:
        if word.endswith(key) and len(word) - len(key) >= (1 if key == "id" else 2):
            return [word[: -len(key)], key]
    return None


def identifier_words(name: str, segmenter: Segmenter, prefix: str | None = None) -> list[str]:
    """The words of a column or table name, prefix dropped and glued words split."""
    lowered = name.lower()
    if prefix and lowered.startswith(prefix):
        name = name[len(prefix) :]
    out: list[str] = []
    for part in split_identifier(name):
        out += segmenter.expand(part)
    return out
