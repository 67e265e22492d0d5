"""Identifier splitting, words and stemming."""

from __future__ import annotations

import pytest

from neurolake.semantic.lexical import identifier_phrase, ngrams, normalize, split_identifier, stem, words


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("l_extendedprice", ["l", "extendedprice"]),
        ("totalPrice", ["total", "price"]),
        ("rider_type", ["rider", "type"]),
        ("HTTPStatusCode", ["http", "status", "code"]),
        ("order_date2", ["order", "date2"]),
        ("__x__", ["x"]),
    ],
)
def test_split_identifier(name: str, expected: list[str]) -> None:
    assert split_identifier(name) == expected


def test_identifier_phrase_joins_words() -> None:
    assert identifier_phrase("start_stationName") == "start station name"


@pytest.mark.parametrize(
    ("word", "singular"),
    [
        ("members", "member"),
        ("cities", "city"),
        ("boxes", "box"),
        ("classes", "class"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("days", "day"),
        ("sales", "sale"),
        ("bus", "bus"),
        ("2024s", "2024s"),
    ],
)
def test_stem_removes_plural_endings_only(word: str, singular: str) -> None:
    assert stem(word) == singular


def test_words_lower_case_and_drop_possessives() -> None:
    assert words("Germany's top-5 Members, São Paulo") == ["germany", "top", "5", "members", "são", "paulo"]
    assert normalize("  United   STATES! ") == "united states"


def test_ngrams_are_longest_first() -> None:
    assert list(ngrams(["a", "b", "c"], 2)) == [(0, 2), (1, 3), (0, 1), (1, 2), (2, 3)]
