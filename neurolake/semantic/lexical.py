"""Words out of identifiers and phrases, and a small English stemmer for matching them.

Schema names arrive as ``l_extendedprice``, ``totalPrice`` or ``rider_type``; questions as
"members from Germany". Both sides are reduced to the same lower-case, singular words so
that lexical matching does not depend on spelling conventions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[\W_]+")
# Letters and digits of any script; an apostrophe (straight or typographic) may join two runs.
_WORD = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)?")
_TYPOGRAPHIC_APOSTROPHE = "\u2019"


def split_identifier(name: str) -> list[str]:
    """Lower-case words of a table or column name: ``l_extendedPrice`` -> ["l", "extended", "price"]."""
    spaced = _CAMEL_BOUNDARY.sub(" ", name)
    return [part.lower() for part in _NON_WORD.split(spaced) if part]


def identifier_phrase(name: str) -> str:
    """A name as a phrase for embedding: ``total_price`` -> "total price"."""
    return " ".join(split_identifier(name))


def words(text: str) -> list[str]:
    """Lower-case words of free text, possessives dropped ("Germany's" -> "germany")."""
    found = []
    for match in _WORD.finditer(text):
        word = match.group(0).lower().replace(_TYPOGRAPHIC_APOSTROPHE, "'")
        if word.endswith("'s"):
            word = word[:-2]
        found.append(word.replace("'", ""))
    return [w for w in found if w]


def normalize(text: str) -> str:
    """Case-, punctuation- and spacing-insensitive form of a value or phrase."""
    return " ".join(words(text))


def stem(word: str) -> str:
    """Singular form of an English word, by suffix rules (no dictionary).

    Only plural endings are removed: the goal is "members" == "member" and "cities" ==
    "city", not aggressive conflation that would make distinct values collide.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return word[:-2]
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("s"):
        return word[:-1]
    return word


def stem_phrase(text: str) -> str:
    """The normalized phrase with every word stemmed."""
    return " ".join(stem(w) for w in words(text))


def ngrams(tokens: list[str], max_len: int) -> Iterator[tuple[int, int]]:
    """(start, end) spans of every run of 1..max_len consecutive tokens, longest first."""
    for size in range(min(max_len, len(tokens)), 0, -1):
        for start in range(len(tokens) - size + 1):
            yield start, start + size
