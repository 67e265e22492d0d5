"""Edits the intent model has no slot for, applied to the generated SQL tree.

"as a share of the total" adds ``ROUND(100.0 * m / SUM(m) OVER (), 2) AS share_of_total_pct``
next to the last measure ``m``. The window runs over every group before ``LIMIT``, so with
"top 3" each share is still of the whole total.
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from neurolake.errors import QueryValidationError
from neurolake.intent.model import Intent

SHARE_ALIAS = "share_of_total_pct"


def can_share(intent: Intent) -> str | None:
    """Why a share of the total cannot be added to ``intent``, or None when it can."""
    if not intent.measures:
        return "A share of the total needs a measure (a count or a sum); ask for one first, e.g. 'revenue by country'."
    if not intent.group_by:
        return "There is only one total here; split it first, e.g. 'by country', then ask for shares."
    return None


def refine_tree(tree: exp.Expr, intent: Intent, refine: dict[str, Any]) -> exp.Expr:
    """The intent's SQL tree with the conversation's refinements applied (a copy when changed)."""
    if not refine.get("share_of_total") or can_share(intent) is not None:
        return tree
    if not isinstance(tree, exp.Select):
        raise QueryValidationError("The share of the total can only be added to a simple query.")
    alias = intent.measures[-1].alias
    measure = next((e for e in tree.expressions if isinstance(e, exp.Alias) and e.alias == alias), None)
    if measure is None or any(isinstance(e, exp.Alias) and e.alias == SHARE_ALIAS for e in tree.expressions):
        return tree
    value = measure.this
    share = exp.Round(
        this=exp.Div(
            this=exp.Mul(this=exp.Literal.number("100.0"), expression=value.copy()),
            expression=exp.Window(this=exp.Sum(this=value.copy())),
        ),
        decimals=exp.Literal.number(2),
    )
    return tree.select(exp.alias_(share, SHARE_ALIAS), copy=True)
