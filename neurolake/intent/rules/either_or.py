"""``either_or``: two conditions joined by "or" hold one or the other, not both.

"dorms with a capacity above 300 or below 100" -> ``(capacity > 300 OR capacity < 100)``;
"districts with a city area over 10 or a population over 100000" -> ``(city_area > 10 OR
city_population > 100000)``. The conditions are the one whose value is written last before
"or" and the one written first after it. With an "and" after them the grouping is unclear
("A or B and C"), so nothing is rewritten and "or" stays unread.
"""

from __future__ import annotations

from neurolake.intent.model import Filter, Intent
from neurolake.intent.rules import Context, Found, Rule, written_at
from neurolake.intent.text import Question


class EitherOr(Rule):
    name = "either_or"

    def claim(self, q: Question) -> list[Found]:
        ors = [t for t in q.tokens if t.text == "or" and not t.used]
        if len(ors) != 1:
            return []  # "A or B or C" over several columns: not read yet
        return [Found(self.name, ors[0].raw, {"at": ors[0].index})]

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        found.applied = True  # "or" stays the slot parser's word: coverage reports it when unread
        if intent.any_of or len(intent.filters) < 2:
            return intent
        at = found.data["at"]
        if ctx.q.tokens[at].used:
            return intent  # "2 or more": a comparison took it
        if any(t.text in ("and", "but") for t in ctx.q.tokens[at + 1 :]):
            return intent
        placed = [(where, f) for f in intent.filters if (where := _position(ctx.q, f)) is not None]
        before = [p for p in placed if p[0] < at]
        after = [p for p in placed if p[0] > at]
        if not before or not after:
            return intent
        (at_first, first), (at_second, second) = max(before, key=lambda p: p[0]), min(after, key=lambda p: p[0])
        if first.column == second.column and first.op == second.op == "=":
            return intent  # one column's values: read as IN by the slot parser
        if first.op == second.op == "=" and (at_first, at_second) == (at - 1, at + 1):
            return intent  # "a friend of Dan or Alice": two values of one thing, not two conditions
        rest = [f for f in intent.filters if f is not first and f is not second]
        return intent.model_copy(update={"filters": rest, "any_of": [first, second]})


def _position(q: Question, flt: Filter) -> int | None:
    """Where the filter's value is written, or None."""
    if isinstance(flt.value, list) or flt.value is None or flt.subquery is not None:
        return None
    return written_at(q, flt.value)
