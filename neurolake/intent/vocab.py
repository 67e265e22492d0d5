"""The parser's vocabulary files (``vocabulary/*.toml``), read once per process.

Words are data: ``english.toml`` (synonyms, superlatives, filler words, abbreviations),
``reading.toml`` (the words a reading must not leave out) and ``rules.toml`` (the rewrite
rules' phrases). Nothing there names a table, a column or a domain of any data set.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

_DIR = Path(__file__).resolve().with_name("vocabulary")


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed ``vocabulary/<name>.toml``."""
    return tomllib.loads((_DIR / f"{name}.toml").read_text(encoding="utf-8"))


@cache
def word_lists(name: str) -> dict[str, frozenset[str]]:
    """Every top-level list of words in ``vocabulary/<name>.toml``, as sets."""
    return {key: frozenset(value) for key, value in load(name).items() if isinstance(value, list)}
