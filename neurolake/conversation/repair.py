"""Offline repair of SQL that names things the catalog does not have.

A misspelt table or column ("countri", "order") is replaced by the closest name the
catalog has, when exactly one is close enough; each replacement is reported so the user
sees what changed. Anything else is left for the error message to explain.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from sqlglot import exp

from neurolake.errors import NeuroLakeError
from neurolake.intent.schema import SchemaInfo
from neurolake.intent.sqlgen import SqlGenerator, parse_sql

#: How similar (difflib ratio) a name must be to replace a misspelt one.
CLOSE_ENOUGH = 0.75


@dataclass
class Repair:
    """The repaired SQL and one line per change."""

    sql: str
    changes: list[str] = field(default_factory=list)


def repair_names(sql: str, schema: SchemaInfo) -> Repair | None:
    """``sql`` with unknown table and column names replaced by close catalog names, or None."""
    tree = parse_sql(sql)
    if tree is None:
        return None
    tree = tree.copy()
    changes: list[str] = []
    ctes = {cte.alias.lower() for cte in tree.find_all(exp.CTE)}
    tables: list[str] = []
    for table in tree.find_all(exp.Table):
        name = table.name
        if name.lower() in ctes:
            continue
        if schema.table(name) is None:
            better = _closest(name, list(schema.tables))
            if better is None:
                return None
            table.set("this", exp.to_identifier(better))
            changes.append(f"table {name} -> {better}")
            name = better
        tables.append(name)
    aliases = {(t.alias or t.name).lower(): t.name for t in tree.find_all(exp.Table)}
    outputs = {a.alias.lower() for a in tree.find_all(exp.Alias)}
    for column in tree.find_all(exp.Column):
        if isinstance(column.this, exp.Star) or column.name.lower() in outputs:
            continue
        owner = aliases.get(column.table.lower()) if column.table else None
        owners = [owner] if owner else tables
        if any(schema.column(f"{t}.{column.name}") is not None for t in owners):
            continue
        names = sorted({c.name for t in owners if (info := schema.table(t)) is not None for c in info.columns})
        better = _closest(column.name, names)
        if better is None:
            return None
        change = f"column {column.name} -> {better}"
        if change not in changes:
            changes.append(change)
        column.set("this", exp.to_identifier(better))
    if not changes:
        return None
    repaired = tree.sql(dialect="duckdb")
    try:
        SqlGenerator(schema).check_sql(repaired)
    except NeuroLakeError:
        return None
    return Repair(repaired, changes)


def _closest(name: str, candidates: list[str]) -> str | None:
    lowered = {c.lower(): c for c in candidates}
    matches = difflib.get_close_matches(name.lower(), list(lowered), n=2, cutoff=CLOSE_ENOUGH)
    if not matches:
        return None
    if len(matches) == 2 and difflib.SequenceMatcher(None, name.lower(), matches[1]).ratio() == (
        difflib.SequenceMatcher(None, name.lower(), matches[0]).ratio()
    ):
        return None  # two equally close names: a guess, not a repair
    return lowered[matches[0]]
