"""The rules' phrase words, read once from ``vocabulary/rules.toml`` (data, not code)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

_FILE = Path(__file__).resolve().parent.parent / "vocabulary" / "rules.toml"


@cache
def phrases() -> dict[str, frozenset[str]]:
    """Word lists by name (``text_contains``, ``above``, ``absence_verbs``...)."""
    data = tomllib.loads(_FILE.read_text(encoding="utf-8"))
    return {name: frozenset(words) for name, words in data.items()}
