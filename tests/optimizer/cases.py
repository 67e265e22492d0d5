"""Test helpers: the shop database the optimizer tests run on, fixture files, result comparison.

The tables are small but awkward on purpose: NULL keys and values, duplicate names, orders of
customers that do not exist, customers with no orders and others with many (join fan-out), a
mixed-case column, and ``orders_v1``, the snapshot ``orders VERSION AS OF 1`` resolves to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
from sqlglot import exp, parse_one

from neurolake.optimizer import RULES, OptimizationResult, QueryOptimizer

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "optimizer"
RULES_BY_NAME = {rule.name: rule for rule in RULES}

_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ada", "Donald", "Grace"]
_SEGMENTS = ["retail", "Wholesale", None, "retail", "online"]
_STATUSES = ["new", "shipped", "shipped", "returned", None]
_CATEGORIES = ["books", "games", None, "books", "garden"]


def _regions() -> list[tuple[Any, ...]]:
    return [(1, "North"), (2, "South"), (3, "East"), (4, None)]


def _customers() -> list[tuple[Any, ...]]:
    rows = []
    for i in range(1, 25):
        region = None if i % 7 == 0 else (i % 5) + 1  # region 5 does not exist
        rows.append((i, _NAMES[i % len(_NAMES)], region, _SEGMENTS[i % len(_SEGMENTS)], f"2024-{i % 12 + 1:02}-01"))
    return rows


def _orders(count: int, status_shift: int = 0) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(1, count + 1):
        customer = None if i % 11 == 0 else 99 if i % 13 == 0 else (i * 7) % 20 + 1  # 21..24: no orders
        amount = None if i % 9 == 0 else Decimal(f"{(i * 37) % 500 + 0.5:.2f}")
        status = _STATUSES[(i + status_shift) % len(_STATUSES)]
        rows.append((i, customer, amount, status, f"2024-{i % 12 + 1:02}-{i % 28 + 1:02}"))
    return rows


def _products() -> list[tuple[Any, ...]]:
    return [(i, f"product {i % 9}", _CATEGORIES[i % 5], float((i * 13) % 40 + 1)) for i in range(1, 13)]


def _order_items() -> list[tuple[Any, ...]]:
    rows = []
    for i in range(1, 121):
        product = None if i % 17 == 0 else (i * 5) % 14 + 1  # 13 and 14 are not products
        rows.append(((i * 3) % 55 + 1, product, i % 4 + 1, float((i * 7) % 30) + 0.25))
    return rows


TABLES: dict[str, tuple[str, list[tuple[Any, ...]]]] = {
    "regions": ("id INTEGER, name VARCHAR", _regions()),
    "customers": ('id INTEGER, name VARCHAR, region_id INTEGER, "Segment" VARCHAR, signup_date DATE', _customers()),
    "orders": ("id INTEGER, customer_id INTEGER, amount DECIMAL(10,2), status VARCHAR, ordered_at DATE", _orders(60)),
    "products": ("id INTEGER, name VARCHAR, category VARCHAR, price DOUBLE", _products()),
    "order_items": ("order_id INTEGER, product_id INTEGER, quantity INTEGER, price DOUBLE", _order_items()),
}
SNAPSHOTS = {"orders_v1": ("orders", _orders(30, status_shift=2))}


def create_database() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the shop tables and the ``orders`` snapshot for version 1."""
    con = duckdb.connect()
    columns = {name: spec for name, (spec, _) in TABLES.items()}
    data = {name: rows for name, (_, rows) in TABLES.items()}
    for snapshot, (table, rows) in SNAPSHOTS.items():
        columns[snapshot], data[snapshot] = columns[table], rows
    for name, spec in columns.items():
        con.execute(f"CREATE TABLE {name} ({spec})")
        width = len(data[name][0])
        con.executemany(f"INSERT INTO {name} VALUES ({', '.join(['?'] * width)})", data[name])
    return con


def table_schema(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Table -> column -> type, spelled as the catalog does (snapshot tables left out: queries
    reach them through time travel)."""
    schema: dict[str, dict[str, str]] = {}
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        "ORDER BY table_name, ordinal_position"
    ).fetchall()
    for table, column, kind in rows:
        if table not in SNAPSHOTS:
            schema.setdefault(table, {})[column] = kind
    return schema


def row_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    counts = {}
    for name in TABLES:
        (count,) = con.execute(f"SELECT count(*) FROM {name}").fetchone() or (0,)
        counts[name] = int(count)
    return counts


@dataclass
class Case:
    """One "input; expected" pair of a fixture file, with the options written above it."""

    file: str
    line: int
    sql: str
    expected: str
    title: str = ""
    execute: bool = False
    use_schema: bool = True
    row_counts: dict[str, int] | None = None
    params: Any = None

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}" + (f" {self.title}" if self.title else "")


def load_cases(name: str) -> list[Case]:
    """Read ``name.sql``: ``# key: value`` option lines, then input and expected, each ending in ``;``."""
    cases: list[Case] = []
    options: dict[str, str] = {}
    statements: list[tuple[int, str]] = []
    buffer: list[str] = []
    start = 0
    for number, line in enumerate((FIXTURES / f"{name}.sql").read_text().splitlines(), 1):
        stripped = line.strip()
        if not buffer and stripped.startswith("#"):
            key, _, value = stripped.lstrip("#").partition(":")
            options[key.strip()] = value.strip()
            continue
        if not buffer and (not stripped or stripped.startswith("--")):
            continue
        start = start if buffer else number
        buffer.append(line)
        if stripped.endswith(";"):
            statements.append((start, "\n".join(buffer).strip().rstrip(";")))
            buffer = []
            if len(statements) == 2:
                cases.append(_case(name, statements, options))
                statements, options = [], {}
    assert not buffer and not statements, f"{name}.sql ends with an unpaired statement"
    return cases


def _case(name: str, statements: list[tuple[int, str]], options: dict[str, str]) -> Case:
    (line, sql), (_, expected) = statements
    counts = options.get("row_counts")
    return Case(
        file=name,
        line=line,
        sql=sql,
        expected=expected,
        title=options.get("title", ""),
        execute="execute" in options,
        use_schema=options.get("schema", "") != "none",
        row_counts=json.loads(counts) if counts else None,
        params=json.loads(options["params"]) if "params" in options else None,
    )


def optimize_case(
    case: Case, rules: Sequence[Any], schema: dict[str, dict[str, str]], counts: dict[str, int]
) -> OptimizationResult:
    optimizer = QueryOptimizer(rules=rules)
    return optimizer.optimize(
        parse_one(case.sql, read="duckdb"),
        schema=schema if case.use_schema else None,
        row_counts=case.row_counts if case.row_counts is not None else counts,
    )


def rules_for(name: str) -> tuple[Any, ...]:
    """The rule under test, after ``qualify`` when it needs a qualified tree."""
    rule = RULES_BY_NAME[name]
    return (RULES_BY_NAME["qualify"], rule) if getattr(rule, "needs_qualified_tree", False) else (rule,)


def resolve_time_travel(sql: str) -> str:
    """Point ``t VERSION AS OF n`` at the snapshot table ``t_vn``, as the engine would resolve it."""
    tree = parse_one(sql, read="duckdb")
    for table in tree.find_all(exp.Table):
        version = table.args.get("version")
        if version is None:
            continue
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(table.name)))
        table.set("this", exp.to_identifier(f"{table.name}_v{version.expression.name}"))
        table.set("version", None)
    return tree.sql("duckdb")


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    resolved = resolve_time_travel(sql)
    cursor = con.execute(resolved, params) if params is not None else con.execute(resolved)
    return [d[0] for d in cursor.description], cursor.fetchall()


def assert_same_results(con: duckdb.DuckDBPyConnection, original: str, optimized: str, params: Any = None) -> None:
    """Same column names in the same order, and the same rows (in order when the query sorts)."""
    names, rows = run(con, original, params)
    new_names, new_rows = run(con, optimized, params)
    assert new_names == names, f"column names changed\n  {original}\n  {optimized}"
    expected, actual = [_normalize(r) for r in rows], [_normalize(r) for r in new_rows]
    if not _sorts(original):
        expected, actual = sorted(expected, key=repr), sorted(actual, key=repr)
    assert actual == expected, f"rows changed\n  original:  {original}\n  optimized: {optimized}"


def _sorts(sql: str) -> bool:
    """True when the outermost query has ORDER BY (the test queries order by unique keys)."""
    return parse_one(sql, read="duckdb").args.get("order") is not None


def _normalize(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """Floats summed in another order differ in the last bits; compare them rounded."""
    return tuple(round(v, 6) if isinstance(v, float) and math.isfinite(v) else v for v in row)


def check_case(
    case: Case,
    con: duckdb.DuckDBPyConnection,
    schema: dict[str, dict[str, str]],
    counts: dict[str, int],
) -> OptimizationResult:
    """The rule turns the input into the expected SQL, and (with # execute) both give one result."""
    result = optimize_case(case, rules_for(case.file), schema, counts)
    assert not result.errors, result.errors
    assert result.sql == parse_one(case.expected, read="duckdb").sql("duckdb")
    if case.execute:
        assert_same_results(con, case.sql, result.sql, case.params)
    return result


def load_queries(name: str) -> list[tuple[str, str]]:
    """(name, SQL) for each statement of ``name.sql``, named by the ``-- name`` line above it."""
    queries: list[tuple[str, str]] = []
    title, buffer = "", list[str]()
    for line in (FIXTURES / f"{name}.sql").read_text().splitlines():
        stripped = line.strip()
        if not buffer and stripped.startswith("--"):
            title = stripped.lstrip("-").strip()
            continue
        if stripped:
            buffer.append(line)
        if stripped.endswith(";"):
            queries.append((title, "\n".join(buffer).rstrip(";")))
            buffer = []
    return queries
