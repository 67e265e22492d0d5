"""Query plans: what a query would read and how the backend would run it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class PlannedTable:
    """One table a plan reads, at the version it would read."""

    name: str
    alias: str
    version: int
    scan: str
    files: int
    #: Why the file list is not used (None for file scans).
    scan_reason: str | None = None

    def describe(self) -> str:
        alias = f" AS {self.alias}" if self.alias != self.name else ""
        how = {"files": f"{self.files} Parquet file(s)", "dataset": "Arrow dataset", "delta": "read by delta-rs"}
        how_text = how.get(self.scan, self.scan) + (f" (table {self.scan_reason})" if self.scan_reason else "")
        return f"{self.name}@v{self.version}{alias}: {how_text}"


@dataclass(frozen=True)
class QueryPlan:
    """The plan of one query; ``str(plan)`` renders it as a tree."""

    sql: str
    backend: str
    tables: tuple[PlannedTable, ...]
    #: The backend's physical plan, as the backend prints it.
    physical: str
    #: One line per rewrite the optimizer made (empty when it made none or is off).
    optimizer_changes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sql": self.sql,
            "backend": self.backend,
            "tables": [
                {"name": t.name, "alias": t.alias, "version": t.version, "scan": t.scan, "files": t.files}
                for t in self.tables
            ],
            "optimizer_changes": list(self.optimizer_changes),
            "physical": self.physical,
            "text": self.render(),
        }

    def render(self) -> str:
        lines = [f"Query plan ({self.backend})"]
        lines.append("├── SQL: " + " ".join(self.sql.split()))
        lines.append("├── Tables read")
        lines += _branch([t.describe() for t in self.tables] or ["(none)"], "│   ")
        lines.append("├── Optimizer changes")
        lines += _branch(list(self.optimizer_changes) or ["(none)"], "│   ")
        lines.append("└── Physical plan")
        lines += ["    " + line for line in self.physical.splitlines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _branch(items: list[str], indent: str) -> list[str]:
    return [f"{indent}{'└' if i == len(items) - 1 else '├'}── {item}" for i, item in enumerate(items)]
