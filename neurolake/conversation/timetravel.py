"""``/asof orders 3``: the tables named read at that point, the others at their latest version.

The chat used to add "as of version 3" to the question, which the parser applies to every
table of the query (a join then asked ``customers`` for a version it may not have). Here the
time travel is put on the SQL itself, table by table, whoever wrote it (the parser, memory,
a model); SQL that already says its own time travel keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from neurolake.intent.sqlgen import SqlGenerator


@dataclass(frozen=True)
class TablePin:
    """One table read at a version or a point in time (``table`` None: every table read)."""

    table: str | None
    version: int | None = None
    timestamp: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TablePin:
        version = data.get("version")
        return cls(data.get("table") or None, int(version) if version is not None else None, data.get("timestamp"))

    def to_dict(self) -> dict[str, Any]:
        return {"table": self.table, "version": self.version, "timestamp": self.timestamp}

    def matches(self, name: str) -> bool:
        return self.table is None or self.table.lower() == name.lower()


def pin_tables(sql: str, pins: Iterable[TablePin], generator: SqlGenerator) -> str:
    """``sql`` reading each pinned table at its version or timestamp; other tables at their latest."""
    pins = [p for p in pins if p.version is not None or p.timestamp]
    if not pins:
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    named = {str(c.alias_or_name).lower() for c in tree.find_all(exp.CTE)}
    changed = False
    for table in tree.find_all(exp.Table):
        pin = next((p for p in pins if p.matches(table.name)), None)
        if pin is None or table.name.lower() in named or table.args.get("version") is not None:
            continue
        if pin.version is not None:
            when, point = "VERSION", exp.Literal.number(pin.version)
        else:
            when, point = "TIMESTAMP", exp.Literal.string(pin.timestamp)
        table.set("version", exp.Version(this=when, kind="AS OF", expression=point))
        changed = True
    return generator.to_sql(tree) if changed else sql
