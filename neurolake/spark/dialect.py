"""The Spark SQL the engine generates: sqlglot's Spark dialect with two fixes for our input.

User SQL is parsed as DuckDB and generated for Spark. Two DuckDB forms do not survive
sqlglot's stock Spark generator, so this dialect (registered with sqlglot as
``neurolakespark``) rewrites them on the tree before generating:

- ``range(n)`` / ``generate_series(a, b)`` in FROM become Spark's ``RANGE`` table function,
  keeping DuckDB's column name (and the query's column aliases), instead of
  ``EXPLODE(SEQUENCE(...))``, which builds the whole array in memory and drops aliases;
- numbered parameters ``$1`` become named ``:__nl_p1`` (Spark has no numbered markers), which
  the backend binds from the positional values.

The generator itself is compiled (sqlglotc) and cannot be subclassed, hence a tree rewrite.

>>> import sqlglot
>>> sqlglot.transpile("SELECT x FROM range(5) r(x) WHERE x > $1", read="duckdb", write=DIALECT)[0]
'SELECT x FROM RANGE(0, 5) AS r(x) WHERE x > :__nl_p1'
"""

from __future__ import annotations

from typing import Any

from sqlglot import exp
from sqlglot.dialects.spark import Spark

__all__ = ["DIALECT", "NUMBERED_PREFIX", "NeuroLakeSpark", "spark_tree"]

#: The name sqlglot knows this dialect by (its class name, lower-cased).
DIALECT = "neurolakespark"
#: Named-marker prefix standing for the numbered parameter ``$N``.
NUMBERED_PREFIX = "__nl_p"


class NeuroLakeSpark(Spark):
    """sqlglot's Spark dialect, generating ``range`` tables and numbered parameters as above."""

    def generate(self, expression: exp.Expr, copy: bool = True, **opts: Any) -> str:
        rewritten = spark_tree(expression, copy=copy)
        return self.generator(**opts).generate(rewritten, copy=False)


def spark_tree(tree: exp.Expr, *, copy: bool = True) -> exp.Expr:
    """``tree`` with DuckDB range tables and numbered parameters in Spark's form."""
    targets: list[exp.Expr] = [
        node
        for node in tree.walk()
        if (isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries))
        or (isinstance(node, exp.Placeholder) and str(node.this or "").isdigit())
    ]
    if not targets:
        return tree.copy() if copy else tree
    if copy:
        # Copy once and find the same nodes again in the copy (walk order is stable).
        wanted = {id(node) for node in targets}
        original, tree = tree, tree.copy()
        targets = [mine for node, mine in zip(original.walk(), tree.walk(), strict=True) if id(node) in wanted]
    for node in targets:
        if isinstance(node, exp.Placeholder):
            node.set("this", f"{NUMBERED_PREFIX}{node.this}")
        else:
            spark_range = _range_table(node) if isinstance(node, exp.Table) else None
            if spark_range is not None:
                node.replace(spark_range)
    return tree


def _integer_argument(node: exp.Expr | None) -> bool:
    """True for what Spark's RANGE accepts: integer literals and parameters, +/- each other."""
    if node is None:
        return True
    if isinstance(node, exp.Literal):
        return not node.is_string and node.name.lstrip("-").isdigit()
    if isinstance(node, exp.Placeholder):
        return True
    if isinstance(node, exp.Neg | exp.Paren):
        return _integer_argument(node.this)
    if isinstance(node, exp.Add | exp.Sub | exp.Mul):
        return _integer_argument(node.this) and _integer_argument(node.expression)
    return False


def _range_table(table: exp.Table) -> exp.Table | None:
    """``RANGE(start, end, step) AS name(column)`` for a DuckDB range/generate_series table."""
    series = table.this
    start, end, step = (series.args.get(k) for k in ("start", "end", "step"))
    if end is None or not all(_integer_argument(a) for a in (start, end, step)):
        return None  # dates, timestamps, intervals: the stock generator's SEQUENCE handles them
    exclusive = bool(series.args.get("is_end_exclusive"))
    if not exclusive:
        # generate_series includes its end; Spark's RANGE does not.
        negative = isinstance(step, exp.Neg) or (isinstance(step, exp.Literal) and step.name.startswith("-"))
        if step is not None and not negative and not isinstance(step, exp.Literal):
            return None  # the direction is only known at run time
        if isinstance(end, exp.Literal):
            end = exp.Literal.number(int(end.name) + (-1 if negative else 1))
        else:
            operation = exp.Sub if negative else exp.Add
            end = operation(this=exp.paren(end.copy(), copy=False), expression=exp.Literal.number(1))
    arguments = [start.copy() if start is not None else exp.Literal.number(0), end.copy()]
    if step is not None:
        arguments.append(step.copy())
    # DuckDB names the table and its one column after the function.
    default = "range" if exclusive else "generate_series"
    alias = table.args.get("alias")
    alias = alias.copy() if alias is not None else exp.TableAlias(this=exp.to_identifier(default))
    if not alias.columns:
        alias.set("columns", [exp.to_identifier(default)])
    return exp.Table(this=exp.Anonymous(this="RANGE", expressions=arguments), alias=alias)
