"""qualify: name every column's table and expand stars, the groundwork other rules need.

Wraps sqlglot's ``qualify``. It runs only when the schema covers every table the query reads:
without it a column's table would be a guess, so the rule is skipped, and so are the rules
that need a qualified tree.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp
from sqlglot.errors import OptimizeError
from sqlglot.optimizer.normalize_identifiers import normalize_identifiers
from sqlglot.optimizer.qualify import qualify as sqlglot_qualify
from sqlglot.optimizer.qualify_columns import validate_qualify_columns
from sqlglot.schema import MappingSchema

from neurolake.optimizer.rule import RuleSkipped


def qualify(tree: exp.Expr, *, schema: MappingSchema | None, dialect: str = "duckdb") -> exp.Expr:
    """Qualify columns with their tables and expand ``*``; skipped when the schema is missing.

    >>> from sqlglot import parse_one
    >>> schema = build_schema({"orders": {"id": "INT", "amount": "DOUBLE"}})
    >>> qualify(parse_one("SELECT * FROM orders WHERE id = 1"), schema=schema).sql()
    'SELECT orders.id AS id, orders.amount AS amount FROM orders AS orders WHERE orders.id = 1'
    """
    if schema is None:
        raise RuleSkipped("no schema was given, so columns cannot be tied to tables")
    missing = unknown_tables(tree, schema, dialect=dialect)
    if missing:
        raise RuleSkipped(f"the schema does not describe {', '.join(missing)}")
    return qualify_tree(tree, schema=schema, dialect=dialect)


def qualify_tree(tree: exp.Expr, *, schema: MappingSchema | None, dialect: str) -> exp.Expr:
    """sqlglot's qualify with our options: no quoting, and an error for any column it cannot place."""
    return sqlglot_qualify(
        tree,
        dialect=dialect,
        schema=schema,
        quote_identifiers=False,
        validate_qualify_columns=True,
    )


def is_qualified(tree: exp.Expr) -> bool:
    """True when every column names its table and no select list holds a ``*``."""
    if any(projection.is_star for select in tree.find_all(exp.Select) for projection in select.selects):
        return False
    try:
        validate_qualify_columns(tree)
    except OptimizeError:
        return False
    return True


def unknown_tables(tree: exp.Expr, schema: MappingSchema, *, dialect: str = "duckdb") -> list[str]:
    """Sources the schema does not describe: unknown tables, table functions, UNNEST, LATERAL
    and VALUES (their columns are not in any catalog, so result names could not be checked)."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    missing = [node.sql(dialect) for node in tree.find_all(exp.Unnest, exp.Lateral, exp.Values)]
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            missing.append(table.this.sql(dialect))
        elif table.name.lower() in ctes and not table.db:
            continue
        elif not schema.find(normalize_identifiers(table.copy(), dialect=dialect), raise_on_missing=False):
            missing.append(table.sql(dialect))
    return sorted(set(missing))


def build_schema(tables: Mapping[str, Mapping[str, str]] | None, dialect: str = "duckdb") -> MappingSchema | None:
    """A sqlglot schema from table -> column -> type; types sqlglot cannot read become UNKNOWN."""
    if not tables:
        return None
    plain: dict[str, object] = {table: dict(columns) for table, columns in tables.items()}
    try:
        return MappingSchema(plain, dialect=dialect)
    except Exception:  # an odd type string must not cost us the column names
        untyped: dict[str, object] = {table: dict.fromkeys(columns, "UNKNOWN") for table, columns in tables.items()}
        return MappingSchema(untyped, dialect=dialect)
