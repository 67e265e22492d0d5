"""Edits the intent model has no slot for, applied to the generated SQL tree.

"as a share of the total" adds ``ROUND(100.0 * m / SUM(m) OVER (), 2) AS share_of_total_pct``
next to the last measure ``m``. The window runs over every group before ``LIMIT``, so with
"top 3" each share is still of the whole total.

"sort ascending" after "top 5" re-sorts the same five rows: the query becomes
``SELECT * FROM (<top 5>) AS answer ORDER BY key ASC``.
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
    shared = _with_share(tree, intent) if refine.get("share_of_total") else tree
    resort = refine.get("resort")
    return _resorted(shared, intent, resort) if isinstance(resort, dict) else shared


def _resorted(tree: exp.Expr, intent: Intent, resort: dict[str, Any]) -> exp.Expr:
    """The limited rows of ``tree``, ordered anew (the answer's groups break ties)."""
    if not isinstance(tree, exp.Select):
        raise QueryValidationError("The rows can only be re-sorted for a simple query.")
    key = str(resort.get("target") or "").rsplit(".", 1)[-1]
    direction = "DESC" if resort.get("direction") == "desc" else "ASC"
    ties = [g.alias for g in intent.group_by if g.alias != key]
    order = ", ".join([f'"{key}" {direction}', *(f'"{t}" ASC' for t in ties)])
    outer = exp.select("*").from_(tree.subquery("answer", copy=True))
    return outer.order_by(order, dialect="duckdb")


def _with_share(tree: exp.Expr, intent: Intent) -> exp.Expr:
    if can_share(intent) is not None:
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
