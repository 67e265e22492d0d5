""" "What about last year?" read against the conversation and the data, not only the calendar.

The parser reads relative periods from today's date. In a conversation, "last year" after a
question about 2024 means 2023; and a period the data does not reach (the calendar's 2025
on data that ends in 2024) is counted back from the data's last date instead. Either way the
answer says which period it took.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from neurolake.intent.model import Intent, TimeRange

#: A column's first and last dates in the data (None when it has none).
DataRange = Callable[[str], tuple[date | None, date | None]]

_RELATIVE = re.compile(
    r"^(?:the\s+)?(?P<when>last|previous|past|prior|this|current|next)\s+(?P<unit>year|quarter|month|week)$",
    re.IGNORECASE,
)
_STEP = {"last": -1, "previous": -1, "past": -1, "prior": -1, "this": 0, "current": 0, "next": 1}


def anchor_period(intent: Intent, previous: Intent | None, data_range: DataRange) -> tuple[Intent, str | None]:
    """``intent`` with a relative period re-anchored (and a note saying which), or unchanged."""
    period = intent.time_range
    relative = _RELATIVE.match(period.label.strip()) if period is not None and period.label else None
    if period is None or relative is None or period.column is None or period.start is None:
        return intent, None
    if previous is not None and previous.time_range == period:
        return intent, None  # kept from the last answer, already read there
    unit, step = relative.group("unit").lower(), _STEP[relative.group("when").lower()]
    said = period.label.strip()
    before = previous.time_range if previous is not None else None
    if before is not None and before.start is not None and before.end is not None and _unit_of(before) == unit:
        start = _shift(before.start, unit, step)
        taken = _named(start, unit)
        why = f"the {unit} before {_named(before.start, unit)}" if step < 0 else f"next to {_named(before.start, unit)}"
        if step == 0:
            why = "the previous question's period"
        return _with(intent, period, start, unit, taken), f"'{said}' read as {taken} ({why})."
    first, last = data_range(period.column)
    end = period.end or _shift(period.start, unit, 1)
    if last is None or first is None or (period.start <= last and end > first):
        return intent, None  # the calendar's period has rows: keep it
    start = _shift(_unit_start(last, unit), unit, step)
    taken = _named(start, unit)
    note = (
        f"'{said}' read as {taken}: the data ends on {last.isoformat()}, "
        f"so {_named(period.start, unit)} by the calendar has no rows."
    )
    return _with(intent, period, start, unit, taken), note


def _with(intent: Intent, period: TimeRange, start: date, unit: str, label: str) -> Intent:
    moved = TimeRange(column=period.column, start=start, end=_shift(start, unit, 1), label=label)
    return intent.model_copy(update={"time_range": moved})


def _unit_of(period: TimeRange) -> str | None:
    """The calendar unit a period is exactly one of (a year, a quarter, a month, a week), if any."""
    start, end = period.start, period.end
    if start is None or end is None:
        return None
    if end - start == timedelta(days=7):
        return "week"
    if start.day != 1:
        return None
    aligned = {"year": start.month == 1, "quarter": start.month in (1, 4, 7, 10), "month": True}
    return next((unit for unit, ok in aligned.items() if ok and end == _shift(start, unit, 1)), None)


def _unit_start(day: date, unit: str) -> date:
    if unit == "year":
        return date(day.year, 1, 1)
    if unit == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    if unit == "month":
        return date(day.year, day.month, 1)
    return day - timedelta(days=day.weekday())


def _shift(day: date, unit: str, n: int) -> date:
    if unit == "week":
        return day + timedelta(days=7 * n)
    months = {"year": 12, "quarter": 3, "month": 1}[unit] * n
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1) if day.day == 1 else date(index // 12, index % 12 + 1, day.day)


def _named(start: date, unit: str) -> str:
    if unit == "year":
        return str(start.year)
    if unit == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if unit == "month":
        return start.strftime("%B %Y")
    return f"the week of {start.isoformat()}"
