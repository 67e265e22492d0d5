"""Intent -> sqlglot expression tree -> SQL in the engine's dialect, checked against the schema.

SQL is never assembled from strings: every table, column and literal is a sqlglot node, so
a value such as ``O'Brien`` or a column called ``order`` is quoted by the generator.
Columns are always qualified with their table. Time travel is written the way the engine
reads it: ``FROM orders VERSION AS OF 3`` / ``TIMESTAMP AS OF '2024-06-01'``.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import SqlglotError

from neurolake.errors import PermissionDeniedError, QueryValidationError
from neurolake.intent.model import Filter, GroupBy, Intent, IntentKind, Measure, TimeTravel
from neurolake.intent.schema import SchemaInfo

DIALECT = "duckdb"


_AGGREGATES: dict[str, type[exp.Func]] = {"sum": exp.Sum, "avg": exp.Avg, "min": exp.Min, "max": exp.Max}
_COMPARISONS: dict[str, type[exp.Binary]] = {
    "=": exp.EQ, "!=": exp.NEQ, ">": exp.GT, ">=": exp.GTE, "<": exp.LT, "<=": exp.LTE,
}  # fmt: skip


class SqlGenerator:
    """Writes the SQL of an intent for one schema; refuses intents the schema cannot answer."""

    def __init__(self, schema: SchemaInfo) -> None:
        self.schema = schema
        self.dialect = DIALECT

    def generate(self, intent: Intent) -> str:
        """The SQL text of ``intent`` (validated against the schema first)."""
        return self.to_sql(self.tree(intent))

    def to_sql(self, tree: exp.Expr) -> str:
        """SQL text; time travel written as the engine documents it (``orders VERSION AS OF 3``).

        sqlglot writes DuckDB's ``FOR VERSION AS OF``; each time-travelling table is
        generated on its own and put back in place of an unguessable marker, as the engine
        does with its own table markers.
        """
        travelling = [t for t in tree.find_all(exp.Table) if t.args.get("version") is not None]
        if not travelling:
            return tree.sql(dialect=self.dialect)
        tree = tree.copy()
        rendered: dict[str, str] = {}
        for table in [t for t in tree.find_all(exp.Table) if t.args.get("version") is not None]:
            version = table.args["version"]
            marker = f"__nl_{secrets.token_hex(8)}"
            text = f"{table.this.sql(dialect=self.dialect)} {version.name} {version.text('kind')} "
            rendered[exp.to_identifier(marker, quoted=True).sql(dialect=self.dialect)] = text + version.expression.sql(
                dialect=self.dialect
            )
            table.replace(exp.Table(this=exp.to_identifier(marker, quoted=True), alias=table.args.get("alias")))
        sql = tree.sql(dialect=self.dialect)
        for marker, text in rendered.items():
            sql = sql.replace(marker, text)
        return sql

    def tree(self, intent: Intent) -> exp.Expr:
        """The sqlglot tree of ``intent``."""
        if intent.kind is IntentKind.UNKNOWN:
            raise QueryValidationError(intent.refusal or "This question cannot be answered with a query.")
        if intent.kind is IntentKind.SQL:
            return self.check_sql(intent.sql or "")
        if intent.kind is IntentKind.SCHEMA:
            return self._schema_tree(intent)
        query: exp.Query = self._select(intent)
        if intent.combine is not None and intent.other is not None:
            # "both A and B", "A but not B": the same listing twice, combined.
            other = self._select(intent.other)
            combine = {"intersect": exp.Intersect, "union": exp.Union, "except": exp.Except}[intent.combine]
            query = combine(this=query, expression=other, distinct=True)
        self.validate(query)
        if intent.kind is IntentKind.EXPLAIN:
            return exp.Command(this="EXPLAIN", expression=exp.Literal.string(self.to_sql(query)))
        return query

    # ------------------------------------------------------------------------ statements

    def _schema_tree(self, intent: Intent) -> exp.Expr:
        if intent.schema_request == "describe" and intent.tables:
            table = self._table_info(intent.tables[0])
            return exp.Describe(this=exp.Table(this=_ident(table)))
        return exp.Show(this="TABLES")

    def _select(self, intent: Intent) -> exp.Select:
        if not intent.tables:
            raise QueryValidationError("The question does not name any table.")
        root = intent.tables[0]
        self._table_info(root)
        select = exp.Select()
        group_exprs: list[exp.Expr] = []
        projections: list[exp.Expr] = []
        for group in intent.group_by:
            expr = self._group_expr(group)
            group_exprs.append(expr)
            projections.append(exp.alias_(expr.copy(), group.alias, quoted=_needs_quotes(group.alias)))
        for measure in intent.measures:
            projections.append(
                exp.alias_(self._measure_expr(measure), measure.alias, quoted=_needs_quotes(measure.alias))
            )
        if not projections:
            for column in intent.columns or [f"{root}.*"]:
                projections.append(self._column_or_star(column))
        select = select.select(*projections)
        if intent.distinct and not intent.measures:
            select = select.distinct()
        select = select.from_(self._table_ref(root, intent.time_travel))
        for join in intent.joins:
            condition = exp.and_(*[exp.EQ(this=self._column(a), expression=self._column(b)) for a, b in join.on])
            select = select.join(self._table_ref(join.table, intent.time_travel), on=condition, join_type="inner")
        conditions = [self._filter_expr(f) for f in intent.filters]
        if intent.any_of:
            conditions.append(exp.paren(exp.or_(*[self._filter_expr(f) for f in intent.any_of])))
        if intent.time_range is not None and intent.time_range.column:
            dated = self._column(intent.time_range.column)
            cast = self._temporal_type(intent.time_range.column)
            if intent.time_range.start is not None:
                conditions.append(exp.GTE(this=dated.copy(), expression=_date(intent.time_range.start, cast)))
            if intent.time_range.end is not None:
                conditions.append(exp.LT(this=dated.copy(), expression=_date(intent.time_range.end, cast)))
        if conditions:
            select = select.where(exp.and_(*conditions))
        if group_exprs and intent.measures:
            select = select.group_by(*[e.copy() for e in group_exprs])
        if intent.having:
            select = select.having(exp.and_(*[self._having_expr(f, intent.measures) for f in intent.having]))
        order = []
        measure_aliases = {m.alias for m in intent.measures} | {g.alias for g in intent.group_by}
        for item in intent.order_by:
            if item.target in measure_aliases:
                target: exp.Expr = exp.column(item.target, quoted=_needs_quotes(item.target))
            else:
                target = self._column(item.target)
            order.append(exp.Ordered(this=target, desc=item.direction == "desc", nulls_first=False))
        if not order and any(g.grain for g in intent.group_by):
            # A time series reads in time order.
            order = [exp.Ordered(this=exp.column(g.alias), desc=False) for g in intent.group_by if g.grain]
        if order:
            select = select.order_by(*order)
        if intent.limit is not None:
            select = select.limit(intent.limit)
        return select

    # ------------------------------------------------------------------------ pieces

    def _table_info(self, name: str) -> Any:
        info = self.schema.table(name)
        if info is None:
            raise QueryValidationError(f"There is no table {name!r} in the catalog.")
        return info.name

    def _table_ref(self, name: str, travel: TimeTravel | None) -> exp.Table:
        table = exp.Table(this=_ident(self._table_info(name)))
        if travel is not None and (travel.version is not None or travel.timestamp):
            if travel.version is not None:
                version = exp.Version(this="VERSION", kind="AS OF", expression=exp.Literal.number(travel.version))
            else:
                version = exp.Version(this="TIMESTAMP", kind="AS OF", expression=exp.Literal.string(travel.timestamp))
            table.set("version", version)
        return table

    def _column(self, qualified: str) -> exp.Column:
        info = self.schema.column(qualified)
        if info is None:
            raise QueryValidationError(f"There is no column {qualified!r} in the catalog.")
        return exp.Column(this=_ident(info.name), table=_ident(info.table))

    def _column_or_star(self, qualified: str) -> exp.Expr:
        table, _, name = qualified.rpartition(".")
        if name == "*":
            return exp.Column(this=exp.Star(), table=_ident(self._table_info(table)))
        return self._column(qualified)

    def _temporal_type(self, qualified: str) -> str:
        info = self.schema.column(qualified)
        return "TIMESTAMP" if info is not None and info.role == "timestamp" else "DATE"

    def _group_expr(self, group: GroupBy) -> exp.Expr:
        column = self._column(group.column)
        if group.grain is None:
            return column
        return exp.TimestampTrunc(this=column, unit=exp.Var(this=group.grain.upper()))

    def _measure_expr(self, measure: Measure) -> exp.Expr:
        if measure.function == "count" and measure.column is None:
            return exp.Count(this=exp.Star())
        assert measure.column is not None, measure
        column = self._column(measure.column)
        if measure.function == "count":
            return exp.Count(this=column)
        if measure.function == "count_distinct":
            return exp.Count(this=exp.Distinct(expressions=[column]))
        return _AGGREGATES[measure.function](this=column)

    def _filter_expr(self, flt: Filter) -> exp.Expr:
        column = self._column(flt.column)
        info = self.schema.column(flt.column)
        typed = info.role if info is not None else "text"
        if flt.subquery is not None:
            return self._subquery_filter(column, flt)
        if flt.op in _TEXT_MATCH:
            pattern = _TEXT_MATCH[flt.op].format(flt.value)
            return exp.Like(this=column, expression=exp.Literal.string(pattern))
        if flt.op == "is_null":
            return exp.Is(this=column, expression=exp.Null())
        if flt.op == "not_null":
            return exp.Not(this=exp.Is(this=column, expression=exp.Null()))
        if flt.op in ("in", "not_in"):
            values = flt.value if isinstance(flt.value, list) else [flt.value]
            expr: exp.Expr = exp.In(this=column, expressions=[_literal(v, typed) for v in values])
            return exp.Not(this=expr) if flt.op == "not_in" else expr
        if flt.op == "between":
            low, high = flt.value
            return exp.Between(this=column, low=_literal(low, typed), high=_literal(high, typed))
        return _COMPARISONS[flt.op](this=column, expression=_literal(flt.value, typed))

    def _subquery_filter(self, column: exp.Column, flt: Filter) -> exp.Expr:
        """``age > (SELECT AVG(age) FROM t)``, ``id NOT IN (SELECT ref FROM other WHERE ...)``."""
        sub = flt.subquery
        assert sub is not None
        inner = self._column(sub.column)
        if sub.function is not None:
            inner_select: exp.Expr = _AGGREGATES[sub.function](this=inner) if sub.function in _AGGREGATES else inner
        else:
            inner_select = inner
        table = sub.column.rsplit(".", 1)[0]
        query = exp.Select().select(inner_select).from_(exp.Table(this=_ident(self._table_info(table))))
        for join in sub.joins:
            on = exp.and_(*[exp.EQ(this=self._column(a), expression=self._column(b)) for a, b in join.on])
            query = query.join(exp.Table(this=_ident(self._table_info(join.table))), on=on, join_type="inner")
        if sub.function is None:
            query = query.where(exp.Not(this=exp.Is(this=inner.copy(), expression=exp.Null())))
        if sub.filters:
            query = query.where(exp.and_(*[self._filter_expr(f) for f in sub.filters]))
        if sub.mode is not None:  # the value most (or fewest) rows hold
            count = exp.Count(this=exp.Star())
            query = query.group_by(inner.copy()).order_by(exp.Ordered(this=count, desc=sub.mode == "desc")).limit(1)
        if flt.op in ("in", "not_in"):
            expr: exp.Expr = exp.In(this=column, query=exp.Subquery(this=query))
            return exp.Not(this=expr) if flt.op == "not_in" else expr
        if flt.op not in _COMPARISONS:
            raise QueryValidationError(f"A computed value is compared with =, <, >..., not {flt.op!r}.")
        return _COMPARISONS[flt.op](this=column, expression=exp.Subquery(this=query))

    def _having_expr(self, flt: Filter, measures: list[Measure]) -> exp.Expr:
        """A condition on a measure (named by its alias), written on the aggregate itself."""
        measure = next((m for m in measures if m.alias == flt.column), None)
        if measure is None:
            raise QueryValidationError(f"HAVING names {flt.column!r}, which is not one of the measures.")
        value = self._measure_expr(measure)
        if flt.op == "between":
            low, high = flt.value
            return exp.Between(this=value, low=_literal(low, "number"), high=_literal(high, "number"))
        if flt.op not in _COMPARISONS:
            raise QueryValidationError(f"HAVING supports comparisons, not {flt.op!r}.")
        return _COMPARISONS[flt.op](this=value, expression=_literal(flt.value, "number"))

    # ------------------------------------------------------------------------ validation

    def validate(self, tree: exp.Expr) -> None:
        """Every table and qualified column of ``tree`` exists; only read-only nodes are used."""
        from neurolake.engine.safety import StatementKind, classify

        kind = classify(tree)
        if kind not in (StatementKind.QUERY, StatementKind.SHOW_TABLES, StatementKind.DESCRIBE):
            raise PermissionDeniedError(f"Only read-only queries are generated, not {kind.value}.")
        ctes = {cte.alias.lower() for cte in tree.find_all(exp.CTE)}
        aliases: dict[str, str] = {}
        for table in tree.find_all(exp.Table):
            name = table.name
            if name.lower() in ctes:
                continue
            if self.schema.table(name) is None:
                raise QueryValidationError(f"There is no table {name!r} in the catalog.")
            aliases[(table.alias or name).lower()] = name
        output_aliases = {a.alias.lower() for a in tree.find_all(exp.Alias)}
        for column in tree.find_all(exp.Column):
            if isinstance(column.this, exp.Star):
                continue
            qualifier = column.table.lower()
            if not qualifier:
                if column.name.lower() in output_aliases:
                    continue
                owners = [t for t in aliases.values() if self.schema.column(f"{t}.{column.name}") is not None]
                if not owners:
                    raise QueryValidationError(f"There is no column {column.name!r} in the tables of this query.")
                continue
            owner = aliases.get(qualifier)
            if owner is None:
                if qualifier in ctes:
                    continue
                raise QueryValidationError(f"The query names {column.table!r}, which is not one of its tables.")
            if self.schema.column(f"{owner}.{column.name}") is None:
                raise QueryValidationError(f"There is no column {column.name!r} in table {owner!r}.")

    def check_sql(self, sql: str) -> exp.Expr:
        """Parse SQL typed or written by a model; read-only and valid against the schema, or raise."""
        from neurolake.engine.parsing import parse_statement

        tree = parse_statement(sql)
        if isinstance(tree, exp.Command) and str(tree.this).upper() == "EXPLAIN":
            inner = parse_statement(str(tree.expression.name))
            self.validate(inner)
            return tree
        self.validate(tree)
        return tree


#: Text matches as LIKE patterns around the value (case kept, as SQL's LIKE does).
_TEXT_MATCH = {"like": "%{}%", "starts_with": "{}%", "ends_with": "%{}"}


def _ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=_needs_quotes(name))


def _needs_quotes(name: str) -> bool:
    return not name.isidentifier() or name.lower() != name or name.upper() in DuckDB.Tokenizer.KEYWORDS


def _date(day: date, sql_type: str) -> exp.Expr:
    return exp.cast(exp.Literal.string(day.isoformat()), sql_type)


def _literal(value: Any, role: str) -> exp.Expr:
    if isinstance(value, bool):
        return exp.Boolean(this=value)
    if value is None:
        return exp.Null()
    if isinstance(value, int | float) and role != "text":
        return exp.Literal.number(value)
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if role in ("date", "timestamp") and isinstance(value, str):
        return exp.cast(exp.Literal.string(value), "DATE" if role == "date" else "TIMESTAMP")
    return exp.Literal.string(str(value))


def parse_sql(sql: str) -> exp.Expr | None:
    """The tree of ``sql`` in the engine's dialect, or None when it does not parse."""
    try:
        return sqlglot.parse_one(sql, read="duckdb")
    except SqlglotError:
        return None
