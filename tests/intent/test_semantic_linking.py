"""The embedding index plugs in through the ``SchemaLinker`` protocol, for words nothing else links.

The real index (neurolake.semantic.SchemaIndex) takes tens of seconds to load its model and
build, so these tests use a small protocol implementation that answers from a table of
hits measured with the real index on the demo lakehouse (docs/intent.md has the figures).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from neurolake.errors import ConfigurationError
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.parser import IntentParser
from neurolake.intent.semantic_link import LazySemanticLinker


@dataclass(frozen=True)
class Hit:
    table: str
    column: str | None
    score: float
    value: str | None = None


class MeasuredHits:
    """Answers search/lookup_values with hits recorded from the real index."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def search(self, text: str, k: int = 10) -> list[Hit]:
        self.asked.append(text)
        return {"nationality": [Hit("customers", "country", 0.6), Hit("orders", "country", 0.6)]}.get(text, [])[:k]

    def lookup_values(self, text: str, k: int = 10) -> list[Hit]:
        return {
            "deutschland": [Hit("customers", "country", 0.84, "Germany"), Hit("orders", "country", 0.84, "Germany")]
        }.get(text, [])[:k]


@pytest.fixture
def semantic_parser(demo_parser: IntentParser) -> tuple[OfflineIntentParser, MeasuredHits]:
    offline = demo_parser.offline()
    hits = MeasuredHits()
    return OfflineIntentParser(offline.schema, offline.linker.values, semantic=hits, today=offline.today), hits


def test_a_value_in_another_language_is_found_semantically(
    semantic_parser: tuple[OfflineIntentParser, MeasuredHits],
) -> None:
    parser, _ = semantic_parser

    intent = parser.parse("customers from Deutschland")

    assert [(f.column, f.value) for f in intent.filters] == [("customers.country", "Germany")]
    assert not intent.needs_clarification


def test_a_column_word_outside_the_lexicon_is_linked_semantically(
    semantic_parser: tuple[OfflineIntentParser, MeasuredHits],
) -> None:
    parser, hits = semantic_parser

    intent = parser.parse("number of customers by nationality")

    assert [g.column for g in intent.group_by] == ["customers.country"]
    assert hits.asked == ["nationality"]  # only the word nothing matched lexically


def test_words_that_link_lexically_never_reach_the_index(
    semantic_parser: tuple[OfflineIntentParser, MeasuredHits],
) -> None:
    parser, hits = semantic_parser

    parser.parse("revenue by country in 2024")

    assert hits.asked == []


def test_without_the_index_the_parser_still_works_less_well(demo_parser: IntentParser) -> None:
    intent = demo_parser.parse("number of customers by nationality")

    # Without the index "nationality" links to nothing: said so, not answered as the plain count.
    assert not intent.group_by and intent.refusal is not None
    assert "'nationality' (not found in the data)" in intent.refusal


def test_an_index_that_cannot_open_is_switched_off(caplog: pytest.LogCaptureFixture) -> None:
    calls: list[int] = []

    def broken() -> object:
        calls.append(1)
        raise ConfigurationError("no embedding model folder")

    lazy = LazySemanticLinker(broken)

    assert lazy.search("revenue") == [] and lazy.lookup_values("Germany") == []
    assert calls == [1]
    assert "linking with words only" in caplog.text
