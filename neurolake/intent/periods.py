"""Dates and periods in a question: ``in 2024``, ``March 2025``, ``last quarter``,
``last 30 days``, ``between June and August``, ``since 2024-06-01``, and time grains
(``by month``, ``weekly``). Relative periods are computed from ``today`` (injectable), and
every period is half-open: ``[start, end)``.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from neurolake.intent.text import Question, Token, ordinal

MONTHS = {
    name.lower(): i
    for i in range(1, 13)
    for name in (calendar.month_name[i], calendar.month_abbr[i], "sept" if i == 9 else calendar.month_abbr[i])
}
GRAINS = {
    "day": "day", "daily": "day", "days": "day", "date": "day",
    "week": "week", "weekly": "week", "weeks": "week",
    "month": "month", "monthly": "month", "months": "month",
    "quarter": "quarter", "quarterly": "quarter", "quarters": "quarter",
    "year": "year", "yearly": "year", "annually": "year", "annual": "year", "years": "year",
}  # fmt: skip
_UNITS = {"day": "day", "days": "day", "week": "week", "weeks": "week", "month": "month", "months": "month",
          "quarter": "quarter", "quarters": "quarter", "year": "year", "years": "year"}  # fmt: skip
_RANGE_WORDS = frozenset({"in", "during", "for", "of", "on", "within", "over", "throughout", "from"})
_START_WORDS = frozenset({"since", "after", "starting"})
_END_WORDS = frozenset({"before", "until", "till", "through", "prior", "by"})


@dataclass(frozen=True)
class Period:
    """A stretch of days, half-open, with the words it came from."""

    start: date | None
    end: date | None
    label: str
    #: "in 2013 or 2016": the whole years named, when they are not one stretch.
    years: tuple[int, ...] = ()


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _is_year(token: Token | None) -> bool:
    return (
        token is not None
        and token.kind == "number"
        and not token.used
        and not token.percent
        and isinstance(token.value, int)
        and 1900 <= token.value <= 2100
        and token.raw.isdigit()
    )


class PeriodReader:
    """Finds periods, grains and time-travel points in a question, relative to ``today``."""

    def __init__(self, today: date | None = None) -> None:
        self.today = today or date.today()

    # ------------------------------------------------------------------------ single periods

    def period_at(self, q: Question, i: int) -> tuple[Period, int] | None:
        """The period starting at token ``i`` and the index after it, or None."""
        tok = q.at(i)
        if tok is None or tok.used:
            return None
        word = tok.text
        nxt = q.at(i + 1)
        if tok.kind == "date":
            day = tok.value.date() if isinstance(tok.value, datetime) else tok.value
            return Period(day, day + timedelta(days=1), tok.raw), i + 1
        if word == "today":
            return Period(self.today, self.today + timedelta(days=1), "today"), i + 1
        if word == "yesterday":
            day = self.today - timedelta(days=1)
            return Period(day, self.today, "yesterday"), i + 1
        if word in ("ytd",) or (word == "year" and q.word(i + 1) == "to" and q.word(i + 2) == "date"):
            end = i + 1 if word == "ytd" else i + 3
            return Period(date(self.today.year, 1, 1), self.today + timedelta(days=1), "year to date"), end
        if word in ("this", "current", "last", "previous", "past", "prior") or (
            word == "the" and q.word(i + 1) in ("last", "past", "previous")
        ):
            return self._relative(q, i + (word == "the"))
        if word in MONTHS and (word != "may" or _is_year(nxt) or q.word(i - 1) in _RANGE_WORDS):
            return self._month(q, i)
        if len(word) == 2 and word[0] in "qh" and word[1] in "1234" and _is_year(nxt):
            assert nxt is not None
            return self._part_of_year(word, nxt.value, f"{word.upper()} {nxt.value}"), i + 2
        if _is_year(tok):
            after = q.at(i + 1)
            if after is not None and len(after.text) == 2 and after.text[0] in "qh" and after.text[1] in "1234":
                return self._part_of_year(after.text, tok.value, f"{after.text.upper()} {tok.value}"), i + 2
            return Period(date(tok.value, 1, 1), date(tok.value + 1, 1, 1), str(tok.value)), i + 1
        number = ordinal(word) or (tok.value if tok.kind == "number" and tok.raw[-2:] in ("st", "nd", "rd") else None)
        if number in (1, 2, 3, 4) and q.word(i + 1) == "quarter":
            j = i + 2 + (q.word(i + 2) == "of")
            year_tok = q.at(j)
            if _is_year(year_tok):
                assert year_tok is not None
                label = f"Q{number} {year_tok.value}"
                return self._part_of_year(f"q{number}", year_tok.value, label), j + 1
        return None

    def _part_of_year(self, code: str, year: int, label: str) -> Period:
        n = int(code[1])
        if code[0] == "q":
            start = date(year, 3 * (n - 1) + 1, 1)
            return Period(start, _add_months(start, 3), label)
        start = date(year, 1 if n == 1 else 7, 1)
        return Period(start, _add_months(start, 6), label)

    def _month(self, q: Question, i: int) -> tuple[Period, int]:
        month = MONTHS[q.tokens[i].text]
        j = i + 1
        if q.word(j) == "of" and _is_year(q.at(j + 1)):
            j += 1
        year_tok = q.at(j)
        if _is_year(year_tok):
            assert year_tok is not None
            year, end = year_tok.value, j + 1
        else:
            # A month without a year is its latest occurrence that has begun.
            year = self.today.year if month <= self.today.month else self.today.year - 1
            end = i + 1
        name = calendar.month_name[month]
        label = f"{name} {year}" if end > i + 1 else name
        return Period(date(year, month, 1), _month_end(year, month), label), end

    def _relative(self, q: Question, i: int) -> tuple[Period, int] | None:
        word = q.word(i)
        unit_index = i + 1
        count = 1
        tok = q.at(i + 1)
        if tok is not None and tok.kind == "number" and not tok.used and word != "this":
            count = int(tok.value)
            unit_index = i + 2
        unit = _UNITS.get(q.word(unit_index))
        if unit is None:
            return None
        end_index = unit_index + 1
        today = self.today
        label = " ".join(q.words(i, end_index))
        if word in ("this", "current"):
            start = self._unit_start(today, unit)
            return Period(start, today + timedelta(days=1), label), end_index
        if unit_index == i + 2 or q.word(unit_index).endswith("s"):
            # "last 30 days", "past 3 months": rolling, up to and including today.
            start = self._shift(today, unit, -count)
            return Period(start, today + timedelta(days=1), label), end_index
        # "last month", "previous quarter": the calendar period before the current one.
        current = self._unit_start(today, unit)
        start = self._unit_start(self._shift(current, unit, -1), unit)
        return Period(start, current, label), end_index

    @staticmethod
    def _unit_start(day: date, unit: str) -> date:
        if unit == "day":
            return day
        if unit == "week":
            return day - timedelta(days=day.weekday())
        if unit == "month":
            return date(day.year, day.month, 1)
        if unit == "quarter":
            return _quarter_start(day)
        return date(day.year, 1, 1)

    @staticmethod
    def _shift(day: date, unit: str, n: int) -> date:
        if unit == "day":
            return day + timedelta(days=n)
        if unit == "week":
            return day + timedelta(weeks=n)
        if unit == "month":
            return _add_months(day, n).replace(day=min(day.day, 28)) if n else day
        if unit == "quarter":
            return _add_months(day, 3 * n).replace(day=min(day.day, 28))
        try:
            return day.replace(year=day.year + n)
        except ValueError:  # 29 February
            return day.replace(year=day.year + n, day=28)

    # ------------------------------------------------------------------------ with prepositions

    def read_range(self, q: Question) -> Period | None:
        """The first time range of the question (claiming its tokens), with its preposition."""
        i = 0
        while i < len(q.tokens):
            found = self._range_at(q, i)
            if found is not None:
                return found
            i += 1
        return None

    def _range_at(self, q: Question, i: int) -> Period | None:
        word = q.word(i)
        if word == "between" or (word == "from" and self._has_to(q, i)):
            first = self.period_at(q, i + 1)
            if first is not None and q.word(first[1]) in ("and", "to", "through", "till", "until"):
                second = self.period_at(q, first[1] + 1)
                if second is not None:
                    a, b = first[0], second[0]
                    a = self._align_year(a, b)
                    label = f"{word} {a.label} and {b.label}"
                    q.claim(i, second[1], "period")
                    return Period(a.start, b.end, label)
        offset = 2 if word in ("up", "prior") and q.word(i + 1) == "to" else 1
        if word in _START_WORDS | _END_WORDS or offset == 2:
            while q.word(i + offset) in ("the", "year", "of"):
                offset += 1  # "after the year 1989", "before the year of 2010": the year is the period
            found = self.period_at(q, i + offset)
            if found is not None:
                period, end = found
                q.claim(i, end, "period")
                label = f"{' '.join(q.words(i, i + offset))} {period.label}"
                if word in _START_WORDS:
                    return Period(period.end if word == "after" else period.start, None, label)
                if word in ("through", "until", "till", "by", "up"):
                    return Period(None, period.end, label)
                return Period(None, period.start, label)
        if word == "in" and q.word(i + 1) == "or" and q.word(i + 2) in _LATER | _EARLIER:
            found = self.period_at(q, i + 3)  # "in or after 2005", "in or before 1990"
            if found is not None:
                (period, end), bound = found, q.word(i + 2)
                q.claim(i, end, "period")
                return _open_ended(period, bound, f"in or {bound} {period.label}")
        found = self.period_at(q, i)
        if found is not None:
            period, end = found
            start = i
            while q.word(start - 1) in ("the", "year") and q.word(start - 2) in ("the", "year", *_RANGE_WORDS):
                start -= 1  # "in the year 2000": the words that say it is a year go with it
            start = start - 1 if q.word(start - 1) in _RANGE_WORDS else start
            more = _more_years(q, end) if _is_year(q.at(end - 1)) and period.end == _next_year(period.start) else []
            if more:
                first_year = period.start.year if period.start else 0
                named: tuple[int, ...] = tuple(sorted({first_year, *(y for y, _ in more)}))
                q.claim(start, more[-1][1], "period")  # "in 2013 or 2016": either year
                label = f"{period.label} or {' or '.join(str(y) for y in named[1:])}"
                return Period(date(named[0], 1, 1), date(named[-1] + 1, 1, 1), label, named)
            bound = q.word(end + 1)
            if q.word(end) == "or" and bound in _LATER | _EARLIER:
                q.claim(start, end + 2, "period")  # "in 2011 or later", "in the year 2000 or before"
                return _open_ended(period, bound, f"{period.label} or {bound}")
            q.claim(start, end, "period")
            return period
        return None

    @staticmethod
    def _has_to(q: Question, i: int) -> bool:
        return any(t.text in ("to", "through", "until", "till") for t in q.tokens[i + 1 : i + 6])

    def _align_year(self, first: Period, second: Period) -> Period:
        """ "between June and August 2024": the first month takes the second's year."""
        if first.start is None or second.start is None or any(ch.isdigit() for ch in first.label):
            return first
        if first.start.year != second.start.year and first.end is not None:
            years = second.start.year - first.start.year
            start = first.start.replace(year=first.start.year + years)
            end = first.end.replace(year=first.end.year + years)
            if start > second.start:
                start, end = start.replace(year=start.year - 1), end.replace(year=end.year - 1)
            return Period(start, end, first.label)
        return first

    # ------------------------------------------------------------------------ grains

    def read_grain(self, q: Question) -> str | None:
        """``by month``, ``per week``, ``monthly``, ``over time``: the grain, claiming its words."""
        for i, tok in enumerate(q.tokens):
            if tok.used:
                continue
            word = tok.text
            if word in ("by", "per", "each", "every", "a") and q.word(i + 1) in GRAINS:
                if word == "by" and _sorted_before(q, i):
                    continue  # "sorted by year", "in descending order by year": an order, not a grouping
                q.claim(i, i + 2, "grain")
                return GRAINS[q.word(i + 1) or q.tokens[i + 1].text]
            if word in ("for", "in") and q.word(i + 1) in ("each", "every") and q.word(i + 2) in GRAINS:
                grain = GRAINS[q.tokens[i + 2].text]
                q.claim(i, i + 3, "grain")
                return grain
            if word in ("daily", "weekly", "monthly", "quarterly", "yearly", "annually", "annual"):
                q.claim(i, i + 1, "grain")
                return GRAINS[word]
            if word in GRAINS and q.word(i + 1) == "by" and q.word(i + 2) == word:
                q.claim(i, i + 3, "grain")
                return GRAINS[word]
            if word == "over" and q.word(i + 1) == "time":
                q.claim(i, i + 2, "grain")
                return "month"
            if word in ("trend", "trends", "evolution"):
                q.claim(i, i + 1, "grain")
                return "month"
        return None

    # ------------------------------------------------------------------------ time travel

    def read_time_travel(self, q: Question) -> tuple[int | None, str | None] | None:
        """``as of version 3`` -> (3, None); ``as of yesterday`` -> (None, '2025-01-01')."""
        for i, tok in enumerate(q.tokens):
            if tok.used:
                continue
            j = None
            if tok.text == "as" and q.word(i + 1) == "of":
                j = i + 2
            elif tok.text == "as" and q.word(i + 1) in ("it", "they") and q.word(i + 2) in ("was", "were", "stood"):
                j = i + 3 + (q.word(i + 3) in ("on", "at", "in"))
            elif tok.text in ("at", "in") and q.word(i + 1) == "version":
                j = i + 1
            elif tok.text == "version" and _version_number(q.at(i + 1)) is not None:
                j = i
            if j is None:
                continue
            if q.word(j) == "version" or q.word(j) == "v":
                number = _version_number(q.at(j + 1))
                if number is not None:
                    q.claim(i, j + 2, "time_travel")
                    if q.word(j + 2) == "of":  # "version 3 of orders"
                        q.claim(j + 2, j + 3, "time_travel")
                    return number, None
                continue
            found = self.period_at(q, j)
            if found is not None:
                period, end = found
                q.claim(i, end, "time_travel")
                tok_j = q.tokens[j]
                if tok_j.kind == "date" and isinstance(tok_j.value, datetime):
                    return None, tok_j.value.isoformat(sep=" ")
                return None, (period.start or self.today).isoformat()
        return None


def _version_number(token: Token | None) -> int | None:
    if token is None or token.kind != "number" or token.used or not isinstance(token.value, int):
        return None
    return token.value if token.value >= 0 else None


_LATER = frozenset({"later", "after", "newer", "since"})
_EARLIER = frozenset({"before", "earlier", "prior", "older"})


def _open_ended(period: Period, word: str, label: str) -> Period:
    """ "2011 or later": from the start of 2011 on; "2000 or before": up to the end of 2000."""
    if word in _LATER:
        return Period(period.start, None, label)
    return Period(None, period.end, label)


def _next_year(day: date | None) -> date | None:
    return date(day.year + 1, 1, 1) if day is not None and (day.month, day.day) == (1, 1) else None


def _more_years(q: Question, index: int) -> list[tuple[int, int]]:
    """ "2013 or 2016", "1999, 2000 or 2001": the further years after a year, each with the index
    after it; none unless an "or" joins them."""
    out: list[tuple[int, int]] = []
    joined = False
    while (tok := q.at(index)) is not None:
        if q.word(index) == "or":
            joined, step = True, index + 1
        elif _is_year(tok) and tok.pause_before and not tok.used:
            step = index
        else:
            break
        step += q.word(step) in ("the", "year", "in")  # "in 2013 or in 2016"
        nxt = q.at(step)
        if nxt is None or not _is_year(nxt):
            break
        out.append((int(nxt.value), step + 1))
        index = step + 1
    return out if joined else []


#: Words right before "by" that make what follows an order ("sorted by year").
_SORTING = frozenset({"sorted", "ordered", "sort", "order", "arranged", "ranked", "listed"})


def _sorted_before(q: Question, index: int) -> bool:
    """ "sorted by", "ordered by", "in descending order by" (with a direction word between)."""
    j = index - 1
    while j >= 0 and q.tokens[j].text in ("ascending", "descending", "alphabetical", "increasing", "decreasing"):
        j -= 1
    return j >= 0 and q.tokens[j].text in _SORTING
