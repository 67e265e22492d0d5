"""``/asof orders 3``: the tables named read at that point, the others at their latest version.

The chat used to add "as of version 3" to the question, which the parser applies to every
table of the query (a join then asked ``customers`` for a version it may not have). Here the
time travel is put on the SQL itself, table by table, whoever wrote it (the parser, memory,
a model); SQL that already says its own time travel keeps it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from neurolake.intent.sqlgen import SqlGenerator


def pin_tables(sql: str, as_of: Mapping[str, Any], generator: SqlGenerator) -> str:
    """``sql`` reading ``as_of["table"]`` (every table when None) at ``version`` or ``timestamp``."""
    version, timestamp = as_of.get("version"), as_of.get("timestamp")
    if version is None and not timestamp:
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    named = {str(c.alias_or_name).lower() for c in tree.find_all(exp.CTE)}
    wanted = str(as_of["table"]).lower() if as_of.get("table") else None
    changed = False
    for table in tree.find_all(exp.Table):
        name = table.name.lower()
        if name in named or table.args.get("version") is not None or (wanted is not None and name != wanted):
            continue
        if version is not None:
            table.set("version", exp.Version(this="VERSION", kind="AS OF", expression=exp.Literal.number(version)))
        else:
            table.set("version", exp.Version(this="TIMESTAMP", kind="AS OF", expression=exp.Literal.string(timestamp)))
        changed = True
    return generator.to_sql(tree) if changed else sql
