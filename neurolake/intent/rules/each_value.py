"""``each_value``: "the average age of male and female students" is one figure per value.

Values of one column joined by "and", next to something computed, ask for a figure for each:
``WHERE sex IN ('M', 'F') GROUP BY sex``. Joined by "or" ("milk or egg allergies") they stay
one figure over both.
"""

from __future__ import annotations

from neurolake.intent.model import GroupBy, Intent
from neurolake.intent.rules import Context, Found, Rule, written_at
from neurolake.intent.text import Question


class EachValue(Rule):
    name = "each_value"

    def claim(self, q: Question) -> list[Found]:
        return [Found(self.name, t.raw, {"at": t.index}) for t in q.tokens if t.text == "and" and not t.used]

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        found.applied = True  # "and" stays the slot parser's word
        if not intent.measures or not any(t.role == "aggregate" for t in ctx.q.tokens):
            return intent  # a figure the question asks for ("average", "how many"), not one inferred
        at = found.data["at"]
        grouped = {g.column for g in intent.group_by}
        for flt in intent.filters:
            if flt.op != "in" or not isinstance(flt.value, list) or flt.column in grouped:
                continue
            places = sorted(p for v in flt.value if (p := written_at(ctx.q, v)) is not None)
            if len(places) != len(flt.value) or not places[0] < at < places[-1]:
                continue
            if any(t.text == "or" for t in ctx.q.tokens[places[0] : places[-1]]):
                continue
            return intent.model_copy(update={"group_by": [*intent.group_by, GroupBy(column=flt.column)]})
        return intent
