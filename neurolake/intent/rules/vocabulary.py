"""The rules' phrase words (``vocabulary/rules.toml``: data, not code)."""

from __future__ import annotations

from neurolake.intent.vocab import word_lists


def phrases() -> dict[str, frozenset[str]]:
    """Word lists by name (``text_contains``, ``greater``, ``absence_negations``...)."""
    return word_lists("rules")
