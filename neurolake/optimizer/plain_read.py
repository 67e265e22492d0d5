"""Plain reads: queries no default rule can improve, recognised without running the rules.

``SELECT * FROM wide LIMIT 1`` gives the rules nothing to fold, push, prune, merge or reorder,
yet each of them copies, compares and prints its whole tree: on a table of 10,000 columns that
took seconds for nothing. One walk over the select list tells instead.
"""

from __future__ import annotations

from sqlglot import exp

#: The only clauses a plain read has; any other (WITH, joins, WHERE, GROUP BY, ...) may give a rule work.
_PLAIN_CLAUSES = frozenset({"expressions", "from_", "from", "order", "limit", "offset"})
#: What its table may carry besides a name: a schema, a catalog, an alias, a version (time travel).
_PLAIN_TABLE = frozenset({"this", "db", "catalog", "alias", "version"})


def is_plain_read(tree: exp.Expr) -> bool:
    """One table's columns or star, optionally ordered by columns and limited by a number.

    >>> from sqlglot import parse_one
    >>> is_plain_read(parse_one("SELECT * FROM wide LIMIT 1")), is_plain_read(parse_one("SELECT a FROM t WHERE 1 = 1"))
    (True, False)
    """
    if not isinstance(tree, exp.Select) or not _only(tree, _PLAIN_CLAUSES):
        return False
    source = tree.args.get("from_") or tree.args.get("from")
    if (
        not isinstance(source, exp.From)
        or not isinstance(source.this, exp.Table)
        or not _only(source.this, _PLAIN_TABLE)
    ):
        return False
    if not isinstance(source.this.this, exp.Identifier):  # a table function or a nested query
        return False
    order = tree.args.get("order")
    keys = [ordered.this for ordered in order.expressions] if order else []
    if not all(isinstance(node, exp.Column) for node in keys):
        return False
    bounds = [tree.args.get("limit"), tree.args.get("offset")]
    if not all(bound is None or isinstance(bound.expression, exp.Literal) for bound in bounds):
        return False
    return all(isinstance(node, exp.Star | exp.Column) for node in tree.selects)


def _only(node: exp.Expr, allowed: frozenset[str]) -> bool:
    return all(key in allowed for key, value in node.args.items() if value)
