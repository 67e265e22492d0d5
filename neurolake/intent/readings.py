"""Readings, executed: ask only when the rival readings of a question give different answers.

When the parser keeps two readings of a slot ("height or prominence?"), each is turned into
SQL and run with a small limit. A reading whose SQL the engine rejects is not offered. If the
readings left give the same rows, the question is answered without asking; otherwise the
clarification shows each option with its first rows, so the person picks by what they see.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from neurolake.errors import NeuroLakeError
from neurolake.intent.model import Ambiguity, AmbiguityOption, Intent, IntentKind, Preview

if TYPE_CHECKING:
    from neurolake.engine import QueryResult

#: Rows each reading is run with; readings are compared on these rows.
COMPARE_ROWS = 200
#: Rows shown under each option of a clarification.
PREVIEW_ROWS = 5

Generate = Callable[[Intent], str]
Run = Callable[[str, int], "QueryResult"]


def settle(intent: Intent, generate: Generate, run: Run) -> Intent:
    """``intent`` with its first ambiguity settled by running each reading (see the module doc)."""
    if not intent.ambiguities or intent.kind is IntentKind.UNKNOWN:
        return intent
    first = intent.ambiguities[0]
    ran: list[tuple[AmbiguityOption, QueryResult]] = []
    errors: list[str] = []
    for option in first.options:
        try:
            result = run(generate(option.intent), COMPARE_ROWS)
        except NeuroLakeError as e:
            errors.append(f"{option.label}: {e}")  # a reading that cannot run is not offered
            continue
        ran.append((option, result))
    if not ran:
        return Intent(
            kind=IntentKind.UNKNOWN,
            question=intent.question,
            confidence=0.0,
            refusal="None of the readings of this question could be run: " + "; ".join(errors),
        )
    if len(ran) == 1 or _all_same([r for _, r in ran]):
        chosen = ran[0][0].intent
        return chosen.model_copy(update={"ambiguities": [], "confidence": max(chosen.confidence, intent.confidence)})
    options = [
        AmbiguityOption(label=option.label, intent=option.intent, preview=preview_of(result)) for option, result in ran
    ]
    settled = Ambiguity(slot=first.slot, question=first.question, options=options)
    return intent.model_copy(update={"ambiguities": [settled]})


def preview_of(result: QueryResult) -> Preview:
    """The first rows of a reading's result, JSON-ready."""
    from neurolake.engine.serialize import table_rows

    rows = table_rows(result.table.slice(0, PREVIEW_ROWS))
    return Preview(columns=list(result.columns), rows=rows, row_count=result.row_count, truncated=result.truncated)


def _all_same(results: list[QueryResult]) -> bool:
    if any(r.truncated for r in results):
        return False
    first = _bag(results[0])
    return all(_bag(r) == first for r in results[1:])


def _bag(result: QueryResult) -> Counter[tuple[Any, ...]]:
    """The rows as a multiset of values: names and column order do not matter."""
    return Counter(tuple(sorted((_key(v) for v in row), key=repr)) for row in result.rows)


def _key(value: Any) -> Any:
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
