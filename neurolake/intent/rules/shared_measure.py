"""``shared_measure``: several aggregates of one number.

"the total and average amount of settlements" -> ``SUM(amount), AVG(amount)``; "the maximum,
minimum and average age" -> three aggregates of ``age``. The slot parser reads the last
aggregate word with its number; this rule adds the ones before it to the same number.
"""

from __future__ import annotations

from typing import Any

from neurolake.intent.model import Intent, Measure
from neurolake.intent.rules import Context, Found, Rule
from neurolake.intent.rules.vocabulary import phrases
from neurolake.intent.text import Question


class SharedMeasure(Rule):
    name = "shared_measure"

    def claim(self, q: Question) -> list[Found]:
        functions = _functions()
        tokens = q.tokens
        out: list[Found] = []
        i = 0
        while i < len(tokens):
            chain = [i] if not tokens[i].used and tokens[i].text in functions else []
            j = i + 1
            while chain and j < len(tokens):
                k = j
                while k < len(tokens) and tokens[k].text in ("and", ",", "the", "also"):
                    k += 1
                if k >= len(tokens) or tokens[k].used or tokens[k].text not in functions:
                    break
                if k == j and {tokens[k - 1].text, tokens[k].text} & _ALSO_NAMES:
                    break  # "average total passengers": one aggregate of a column called total ...
                chain.append(k)
                j = k + 1
            if len(chain) < 2:
                i += 1
                continue
            # "the maximum, minimum and average age": all but the last are added to its number
            last = functions[tokens[chain[-1]].text]
            q.claim(chain[0], chain[-1], "aggregate")
            for index in chain[:-1]:
                data: dict[str, Any] = {"function": functions[tokens[index].text], "then": last}
                out.append(Found(self.name, tokens[index].raw, data))
            i = chain[-1] + 1
        return out

    def apply(self, intent: Intent, found: Found, ctx: Context) -> Intent:
        then = next((m for m in intent.measures if m.function == found.data["then"] and m.column), None)
        if then is None:
            return intent
        found.applied = True
        added = Measure(function=found.data["function"], column=then.column)
        if added in intent.measures:
            return intent
        at = intent.measures.index(then)
        kept = [m for m in intent.measures[:at] if m.column == then.column]  # the earlier words, in order
        return intent.model_copy(
            update={"measures": [*intent.measures[: at - len(kept)], *kept, added, *intent.measures[at:]]}
        )


#: Aggregate words that also start column names ("total passengers"): chained only with "and".
_ALSO_NAMES = frozenset({"total", "sum"})


def _functions() -> dict[str, str]:
    """Aggregate words to functions; superlatives ("highest") rank rows and are left to that rule."""
    words = phrases()
    out: dict[str, str] = {}
    for function, key in (("avg", "aggregate_average"), ("max", "aggregate_max"), ("min", "aggregate_min")):
        out.update(dict.fromkeys(words[key] - words["superlatives"], function))
    out.update(dict.fromkeys(words["aggregate_sum"], "sum"))
    return out
