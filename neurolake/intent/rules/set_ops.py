"""``set_ops``: "both", "but not" as set operations on the rows the question lists.

"aircraft associated with both London Heathrow and Gatwick" -> the aircraft of the first
``INTERSECT`` those of the second (``name IN (...)`` would give either); "courses in Statistics but
not Psychology" -> the courses of the first ``EXCEPT`` those of the second (a row filter
``dept = 'Statistics' AND dept != 'Psychology'`` changes nothing).
"""

from __future__ import annotations

import itertools
from typing import Any

from neurolake.intent.model import Filter, Intent
from neurolake.intent.rules import Context, Found, Rule


class SetOps(Rule):
    name = "set_ops"

    def take(self, found: list[Found], ctx: Context, cues: list[Any]) -> list[Found]:
        words = [t.text for t in ctx.q.tokens]
        out = []
        if "both" in words:
            out.append(Found(self.name, "both", {"kind": "intersect"}, applied=True))
        elif "and" in words and "or" not in words:
            # "students who play Canoeing and Kayaking": both, when one row can hold only one
            out.append(Found(self.name, "and", {"kind": "intersect", "joined_only": True}, applied=True))
        if any(a == "but" and b in ("not", "no") for a, b in itertools.pairwise(words)):
            out.append(Found(self.name, "but not", {"kind": "except"}, applied=True))
        return out

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        """Rewrites when the reading holds the two conditions on one column; else leaves it as read."""
        if intent.measures or intent.group_by or intent.combine is not None:
            return intent
        if found.data["kind"] == "intersect":
            pairs = [f for f in intent.filters if f.op == "in" and isinstance(f.value, list) and len(f.value) == 2]
            if len(pairs) != 1:
                return intent
            both = pairs[0]
            if found.data.get("joined_only") and both.column.split(".")[0] == (intent.tables or [""])[0]:
                return intent  # "employees in Sales and Marketing": each row has one, so either
            first = Filter(column=both.column, value=both.value[0])
            second = Filter(column=both.column, value=both.value[1])
            return _combined(intent, both, first, second, "intersect")
        for kept in [f for f in intent.filters if f.op == "="]:
            left = next((f for f in intent.filters if f.op == "!=" and f.column == kept.column), None)
            if left is not None and left.subquery is None:
                other = Filter(column=left.column, value=left.value)
                return _combined(intent, left, kept, other, "except", drop=kept)
        return intent


def _combined(
    intent: Intent, old: Filter, first: Filter, second: Filter, kind: str, drop: Filter | None = None
) -> Intent:
    rest = [f for f in intent.filters if f is not old and f is not drop]
    plain: dict[str, Any] = {"order_by": [], "limit": None, "combine": None, "other": None, "ambiguities": []}
    other = intent.model_copy(update={**plain, "filters": [*rest, second]})
    return intent.model_copy(
        update={"filters": [*rest, first], "combine": kind, "other": other, "order_by": [], "limit": None}
    )
