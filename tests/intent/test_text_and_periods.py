"""Normalizing a question: numbers, quoted strings, dates, periods, grains, time travel."""

from __future__ import annotations

from datetime import date

import pytest

from neurolake.intent.periods import PeriodReader
from neurolake.intent.text import tokenize

TODAY = date(2025, 5, 14)  # a Wednesday in Q2


@pytest.mark.parametrize(
    ("text", "value"),
    [("5", 5), ("five", 5), ("5k", 5000), ("1,200", 1200), ("$1,000", 1000), ("2.5m", 2_500_000), ("10%", 0.1)],
)
def test_numbers(text: str, value: float) -> None:
    (token,) = [t for t in tokenize(f"over {text}").tokens if t.kind == "number"]

    assert token.value == pytest.approx(value)


def test_quoted_strings_and_possessives_are_kept_whole() -> None:
    tokens = tokenize("customer's orders from 'New York' or \"São Paulo\"").tokens

    assert [t.text for t in tokens] == ["customer", "orders", "from", "New York", "or", "São Paulo"]
    assert [t.kind for t in tokens][3] == "quoted"


def _range(text: str) -> tuple[date | None, date | None, str]:
    period = PeriodReader(TODAY).read_range(tokenize(text))
    assert period is not None, text
    return period.start, period.end, period.label


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("orders in 2024", date(2024, 1, 1), date(2025, 1, 1)),
        ("orders in March 2025", date(2025, 3, 1), date(2025, 4, 1)),
        ("orders in march", date(2025, 3, 1), date(2025, 4, 1)),
        ("orders in June", date(2024, 6, 1), date(2024, 7, 1)),  # not begun this year yet
        ("orders last quarter", date(2025, 1, 1), date(2025, 4, 1)),
        ("orders this quarter", date(2025, 4, 1), date(2025, 5, 15)),
        ("orders last month", date(2025, 4, 1), date(2025, 5, 1)),
        ("orders last year", date(2024, 1, 1), date(2025, 1, 1)),
        ("orders in the last 30 days", date(2025, 4, 14), date(2025, 5, 15)),
        ("orders in the past 2 weeks", date(2025, 4, 30), date(2025, 5, 15)),
        ("orders yesterday", date(2025, 5, 13), date(2025, 5, 14)),
        ("orders year to date", date(2025, 1, 1), date(2025, 5, 15)),
        ("orders in Q3 2024", date(2024, 7, 1), date(2024, 10, 1)),
        ("orders in the first quarter of 1997", date(1997, 1, 1), date(1997, 4, 1)),
        ("orders between June and August 2024", date(2024, 6, 1), date(2024, 9, 1)),
        ("orders from 2022 to 2023", date(2022, 1, 1), date(2024, 1, 1)),
        ("orders since 2024-06-01", date(2024, 6, 1), None),
        ("orders after June 2022", date(2022, 7, 1), None),
        ("orders before 2024", None, date(2024, 1, 1)),
        ("orders on 2024-02-29", date(2024, 2, 29), date(2024, 3, 1)),
    ],
)
def test_periods_are_half_open(text: str, start: date | None, end: date | None) -> None:
    got_start, got_end, label = _range(text)

    assert (got_start, got_end) == (start, end)
    assert label


def test_may_is_a_month_only_when_it_looks_like_one() -> None:
    assert PeriodReader(TODAY).read_range(tokenize("orders that may ship")) is None
    assert _range("orders in may 2024")[:2] == (date(2024, 5, 1), date(2024, 6, 1))


@pytest.mark.parametrize(
    ("text", "grain"),
    [
        ("revenue by month", "month"),
        ("revenue per week", "week"),
        ("monthly revenue", "month"),
        ("revenue for each quarter", "quarter"),
        ("revenue over time", "month"),
        ("daily orders", "day"),
        ("revenue by country", None),
    ],
)
def test_grains(text: str, grain: str | None) -> None:
    assert PeriodReader(TODAY).read_grain(tokenize(text)) == grain


@pytest.mark.parametrize(
    ("text", "travel"),
    [
        ("orders as of version 3", (3, None)),
        ("orders at version 0", (0, None)),
        ("version 2 of orders", (2, None)),
        ("orders as of yesterday", (None, "2025-05-13")),
        ("orders as of 2024-06-01", (None, "2024-06-01")),
        ("orders as of 2024-06-01 12:30", (None, "2024-06-01 12:30:00")),
        ("orders as it was on 2024-01-31", (None, "2024-01-31")),
        ("orders in 2024", None),
    ],
)
def test_time_travel(text: str, travel: tuple | None) -> None:
    assert PeriodReader(TODAY).read_time_travel(tokenize(text)) == travel
