""" "Sort by revenue instead": a new order for the last answer, named in the user's words.

The words are matched first against what the answer shows (its groups and measures, by
alias or column), then read by the parser on their own ("revenue" -> ``orders.total_amount``)
and matched again; a measure the answer does not show yet is added to it. Equal sort keys
are broken by the answer's groups, so the order is the same on every run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurolake.errors import NeuroLakeError
from neurolake.intent.model import Direction, Intent, OrderBy

if TYPE_CHECKING:
    from neurolake.intent.parser import IntentParser


class SortError(NeuroLakeError, ValueError):
    """The words do not name anything the answer can be sorted by."""

    status_code = 400


def sort_intent(intent: Intent, target: str, direction: Direction | None, parser: IntentParser) -> Intent:
    """``intent`` ordered by what ``target`` names; measures sort high first, the rest A to Z."""
    words = set(target.lower().replace("_", " ").split())
    found = _shown(intent, words)
    if found is None:
        found = _by_parsing(intent, target, parser)
    if found is None:
        shown = [g.alias for g in intent.group_by] + [m.alias for m in intent.measures]
        shown += [c.split(".")[-1] for c in intent.columns if not c.endswith("*")]
        raise SortError(
            f"I could not tell what {target!r} refers to in the last answer.",
            hint=f"Sort by one of: {', '.join(shown)}." if shown else "Name a column of the table.",
        )
    edited, key, is_measure = found
    order = OrderBy(target=key, direction=direction or ("desc" if is_measure else "asc"))
    return edited.model_copy(update={"order_by": [order, *_tie_breakers(edited, key)], "ambiguities": []})


def resort_intent(intent: Intent, direction: Direction | None) -> tuple[Intent, dict[str, str] | None]:
    """ "sort ascending": the answer's own order key in ``direction`` (None flips it).

    With a limit ("top 5") the rows must stay the same five: the intent is kept and the
    new order is returned as a refinement that sorts the limited rows (``refine_tree``).
    Without one, the intent's order is simply replaced.
    """
    current = intent.order_by[0] if intent.order_by else None
    if current is not None:
        key = current.target
    elif intent.measures:
        key = intent.measures[0].alias
    elif intent.group_by:
        key = intent.group_by[0].alias
    else:
        raise SortError("The last answer has no order to change.", hint="Say what to sort by: 'sort by price'.")
    if direction is None:
        direction = "asc" if current is None or current.direction == "desc" else "desc"
    if intent.limit is not None:
        return intent, {"target": key, "direction": direction}
    order = OrderBy(target=key, direction=direction)
    return intent.model_copy(update={"order_by": [order, *_tie_breakers(intent, key)], "ambiguities": []}), None


def _tie_breakers(intent: Intent, key: str) -> list[OrderBy]:
    """The answer's groups, A to Z, after the sort key: rows with equal keys keep one order.

    A grouped answer has one row per group, so this order is total: the same rows come
    back in the same places on every run, and "more rows" continues the list shown.
    """
    return [OrderBy(target=g.alias, direction="asc") for g in intent.group_by if g.alias != key]


def _shown(intent: Intent, words: set[str]) -> tuple[Intent, str, bool] | None:
    for m in intent.measures:
        names = {m.alias, m.function} | ({m.column.split(".")[-1]} if m.column else {"count", "number"})
        if words & {w for n in names for w in n.split("_")} - {"sum", "avg"}:
            return intent, m.alias, True
    for g in intent.group_by:
        names = {g.alias, g.column.split(".")[-1]} | ({g.grain} if g.grain else set())
        if words & {w for n in names for w in n.split("_")} - {"date"}:
            return intent, g.alias, False
    return None


def _by_parsing(intent: Intent, target: str, parser: IntentParser) -> tuple[Intent, str, bool] | None:
    reading = parser.parse(target)
    columns = [m.column for m in reading.measures if m.column] + list(reading.columns)
    for m in intent.measures:
        if m.column is not None and m.column in columns:
            return intent, m.alias, True
        if m.column is None and reading.measures and reading.measures[0].column is None:
            return intent, m.alias, True
    for g in intent.group_by:
        if g.column in columns:
            return intent, g.alias, False
    if reading.measures and intent.group_by and set(reading.tables) <= set(intent.tables):
        # A measure the answer does not show yet: add it and sort by it.
        added = reading.measures[0]
        return intent.model_copy(update={"measures": [*intent.measures, added]}), added.alias, True
    if not intent.measures and intent.tables:
        for column in columns:
            if column.split(".")[0] in intent.tables:
                return intent, column, False
    return None
