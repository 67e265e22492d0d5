"""constant_folding: compute constant expressions once and drop filters that are always true.

Conditions (WHERE, HAVING, QUALIFY, JOIN ... ON) are simplified: the truth of a condition is
all that matters there. Their ANDs and ORs keep the order they were written in: sqlglot's
``simplify`` sorts the operands by their text, and DuckDB's plans follow the order (TPC-H Q20
ran 2.9x slower with its correlated subquery sorted before the cheap filters), so each operand
is simplified on its own (``simplify_in_order``). A value the query returns keeps its type, so
in select lists only integer arithmetic, string concatenation and comparisons of literals are
folded; ``DATE '2024-01-31' + INTERVAL 1 MONTH`` would turn a TIMESTAMP into a DATE, and
``1.0 / 3`` a DOUBLE into a DECIMAL. GROUP BY and ORDER BY keys are left alone: ``1 + 1``
folded there would become a column position.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp
from sqlglot.optimizer.simplify import FINAL, always_true, gen, is_false, simplify

_INT32 = 2**31
_ARITHMETIC = (exp.Add, exp.Sub, exp.Mul)
_COMPARISONS = (exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE)


def constant_folding(tree: exp.Expr, *, dialect: str = "duckdb", protected: Sequence[exp.Expr] = ()) -> exp.Expr:
    """Fold constants; ``protected`` projections (whose text is a result column's name) stay as written.

    >>> from sqlglot import parse_one
    >>> sql = "SELECT 1 + 1 AS two, x FROM t WHERE 1 = 1 AND x > 2 * 3"
    >>> constant_folding(parse_one(sql)).sql()
    'SELECT 2 AS two, x FROM t WHERE x > 6'
    """
    marked = _freeze_values(tree)
    try:
        for clause, key in _conditions(tree):
            condition = clause.args.get(key)
            if condition is not None and _foldable(condition):
                clause.set(key, simplify_in_order(condition, dialect=dialect))
    finally:
        for node in marked:
            node.meta.pop(FINAL, None)
    for clause, key in _conditions(tree):
        if key == "this" and always_true(clause.this):
            clause.pop()  # WHERE TRUE, HAVING TRUE, QUALIFY TRUE
    for select in tree.find_all(exp.Select):
        if select.args.get("group"):
            continue  # a folded select item would no longer match its GROUP BY key
        for projection in select.selects:
            # an unaliased item is named after its text, so only aliased items are folded
            if isinstance(projection, exp.Alias) and not any(projection is kept for kept in protected):
                _fold_values(projection, dialect)
    return tree


def drop_true_conditions(tree: exp.Expr, *, dialect: str = "duckdb") -> exp.Expr:
    """Tidy the ``TRUE`` other rewrites leave where a condition used to be (``WHERE TRUE AND x``).

    >>> from sqlglot import parse_one
    >>> drop_true_conditions(parse_one("SELECT a FROM t JOIN u ON TRUE AND t.k = u.k WHERE TRUE")).sql()
    'SELECT a FROM t JOIN u ON t.k = u.k'
    """
    for clause, key in _conditions(tree):
        condition = clause.args.get(key)
        if condition is None or not condition.find(exp.Boolean):
            continue
        condition = simplify_in_order(condition, dialect=dialect)
        clause.set(key, condition)
        if key == "this" and always_true(condition):
            clause.pop()
    return tree


def simplify_in_order(condition: exp.Expr, *, dialect: str = "duckdb") -> exp.Expr:
    """Simplify a condition, keeping the operands of its ANDs and ORs in their written order.

    sqlglot's ``simplify`` sorts them by their text; here each operand is simplified on its own
    and the connector rebuilt in order: TRUE and FALSE are absorbed (``x AND TRUE`` is ``x``,
    ``x AND FALSE`` is ``FALSE``, and the same for OR), a repeated operand is dropped (the first
    stays). Subqueries inside are left alone: their own conditions are simplified on their own.
    What this gives up is the combining of two operands (``x > 1 AND x > 3`` stays as written).
    ``condition`` is detached from its tree: set the result in its place.

    >>> from sqlglot import parse_one
    >>> simplify_in_order(parse_one("z > 1 AND 1 = 1 AND (a = 2 OR FALSE) AND z > 1")).sql()
    'z > 1 AND a = 2'
    """
    if isinstance(condition, exp.Paren) and isinstance(condition.this, exp.Connector):
        inner = simplify_in_order(condition.this, dialect=dialect)
        return exp.paren(inner, copy=False) if isinstance(inner, exp.Connector) else inner
    if isinstance(condition, (exp.And, exp.Or)):
        return _connector_in_order(condition, dialect)
    if condition.parent is not None:
        condition.pop()  # simplified on its own: sqlglot's simplify also looks at the parent
    frozen = [q for q in condition.find_all(exp.Query) if not q.meta.get(FINAL)]
    for query in frozen:
        query.meta[FINAL] = True
    try:
        return simplify(condition, dialect=dialect)
    finally:
        for query in frozen:
            query.meta.pop(FINAL, None)


def _connector_in_order(connector: exp.And | exp.Or, dialect: str) -> exp.Expr:
    kind = type(connector)
    # exact in three-valued logic: x AND NULL is not FALSE (under a NOT it differs)
    absorbing, neutral = (is_false, always_true) if kind is exp.And else (always_true, is_false)
    operands: list[exp.Expr] = []
    seen: set[str] = set()
    for operand in list(connector.flatten()):
        simplified = simplify_in_order(operand, dialect=dialect)
        if isinstance(simplified, exp.Paren) and isinstance(simplified.this, kind):
            simplified = simplified.this
        for part in simplified.flatten() if isinstance(simplified, kind) else [simplified]:
            if absorbing(part):
                return exp.false() if kind is exp.And else exp.true()
            key = gen(part)
            if neutral(part) or key in seen:
                continue
            seen.add(key)
            operands.append(part)
    if not operands:
        return exp.true() if kind is exp.And else exp.false()
    combine = exp.and_ if kind is exp.And else exp.or_
    return operands[0] if len(operands) == 1 else combine(*operands, copy=False)


def contains_subquery(condition: exp.Expr) -> bool:
    """True when ``condition`` has a subquery: scalar, ``IN (SELECT ...)``, ``EXISTS``, ``ANY``...

    >>> from sqlglot import parse_one
    >>> contains_subquery(parse_one("x = 1 AND y IN (SELECT y FROM t)")), contains_subquery(parse_one("x IN (1, 2)"))
    (True, False)
    """
    return condition.find(exp.Query, exp.Subquery, exp.Exists) is not None


def _conditions(tree: exp.Expr) -> list[tuple[exp.Expr, str]]:
    """Every filter of the query: WHERE, HAVING (unless it repeats a GROUP BY key), QUALIFY, ON."""
    found: list[tuple[exp.Expr, str]] = []
    for select in tree.find_all(exp.Select):
        group = select.args.get("group")
        keys = set(group.expressions) if group else set()
        for key in ("where", "having", "qualify"):
            clause = select.args.get(key)
            # HAVING must repeat a GROUP BY key exactly; sqlglot's simplify skips those too
            if clause is not None and not (key == "having" and any(n in keys for n in clause.walk())):
                found.append((clause, "this"))
        found.extend((join, "on") for join in select.args.get("joins") or [] if join.args.get("on"))
    return found


def _foldable(condition: exp.Expr) -> bool:
    """True when there is something to compute: a TRUE/FALSE, or an operator over literals only."""
    for node in condition.walk():
        if isinstance(node, exp.Boolean):
            return True
        if isinstance(node, (exp.Binary, exp.Unary, exp.Func, exp.Between, exp.In)) and _literal_only(node):
            return True
    return False


def _literal_only(node: exp.Expr) -> bool:
    leaves = [n for n in node.walk() if not any(True for _ in n.iter_expressions())]
    literals = (exp.Literal, exp.Boolean, exp.Null, exp.Var, exp.DataType)
    return all(isinstance(n, literals) for n in leaves) and not isinstance(node, exp.Paren)


def _freeze_values(tree: exp.Expr) -> list[exp.Expr]:
    """Mark select lists and ordering keys so ``simplify`` only touches conditions."""
    marked: list[exp.Expr] = []
    for select in tree.find_all(exp.Select):
        marked.extend(select.selects)
        marked.extend(node for key in ("order", "distinct") if (node := select.args.get(key)))
    marked.extend(order for order in tree.find_all(exp.Order))
    for node in marked:
        node.meta[FINAL] = True
    return marked


def _fold_values(projection: exp.Alias, dialect: str) -> None:
    """Replace each largest constant subtree of a select item by its value, when the type is kept."""
    stop = (exp.Window, exp.Query)
    for node in list(projection.this.walk(prune=lambda n: _is_constant(n) or isinstance(n, stop))):
        if isinstance(node, (exp.Literal, exp.Boolean)) or not _is_constant(node):
            continue
        value = simplify(node.copy(), dialect=dialect)
        if _keeps_type(value):
            node.replace(value)


def _is_constant(node: exp.Expr) -> bool:
    return _kind(node) is not None


def _kind(node: exp.Expr) -> str | None:
    """The type (int, str or bool) a literal expression keeps when folded, else None."""
    if isinstance(node, exp.Literal):
        if node.is_string:
            return "str"
        return "int" if node.is_int and abs(int(node.this)) < _INT32 else None
    if isinstance(node, exp.Boolean):
        return "bool"
    kinds = {_kind(child) for child in node.iter_expressions()}
    if None in kinds or len(kinds) != 1:
        return None  # mixed types follow casting rules simplify does not model
    (kind,) = kinds
    if isinstance(node, _ARITHMETIC) and kind == "int":
        return "int"
    if isinstance(node, exp.DPipe) and kind == "str":
        return "str"
    if isinstance(node, _COMPARISONS):
        return "bool"
    if isinstance(node, (exp.And, exp.Or, exp.Not)) and kind == "bool":
        return "bool"
    return kind if isinstance(node, (exp.Paren, exp.Neg)) and kind != "str" else None


def _keeps_type(value: exp.Expr) -> bool:
    return _kind(value) is not None and isinstance(value, (exp.Literal, exp.Boolean))
