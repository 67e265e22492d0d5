"""Query plans: what a query would read, what the optimizer changed, how the backend would run it."""

from __future__ import annotations

from dataclasses import dataclass
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
class RuleApplied:
    """One optimizer rule that changed the query, and the SQL it produced."""

    rule: str
    sql: str
    duration_ms: float = 0.0

    def describe(self) -> str:
        return f"{self.rule}: {' '.join(self.sql.split())}"


@dataclass(frozen=True)
class OptimizerReport:
    """What the optimizer did to one query.

    ``rules`` are the rules that changed it, in order, each with the SQL it produced;
    ``notes`` say why a rule's work was discarded, why the optimizer gave up, or why it was
    not run at all (``enabled`` is then False).
    """

    enabled: bool
    rules: tuple[RuleApplied, ...] = ()
    notes: tuple[str, ...] = ()
    duration_ms: float = 0.0

    @property
    def applied(self) -> tuple[str, ...]:
        """Names of the rules that changed the query, in the order they ran."""
        return tuple(rule.rule for rule in self.rules)

    def summary(self) -> str:
        if not self.enabled:
            return "off"
        if not self.rules:
            return "no rule changed the query"
        return f"{len(self.rules)} rule(s) fired in {self.duration_ms:.1f} ms"

    def to_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "rules": [{"rule": r.rule, "sql": r.sql, "duration_ms": r.duration_ms} for r in self.rules],
            "notes": list(self.notes),
            "duration_ms": self.duration_ms,
        }


#: The report of a query the optimizer did not see.
OPTIMIZER_OFF = OptimizerReport(enabled=False)


@dataclass(frozen=True)
class QueryPlan:
    """The plan of one query; ``str(plan)`` renders it as a tree."""

    sql: str
    backend: str
    tables: tuple[PlannedTable, ...]
    #: The backend's physical plan, as the backend prints it.
    physical: str
    optimizer: OptimizerReport = OPTIMIZER_OFF
    #: The SQL that runs (the optimizer's output; ``sql`` itself when nothing changed).
    optimized_sql: str | None = None

    @property
    def optimizer_changes(self) -> tuple[str, ...]:
        """One line per rule that changed the query: ``rule: the SQL it produced``
        (``optimizer.rules`` has them as objects)."""
        return tuple(rule.describe() for rule in self.optimizer.rules)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sql": self.sql,
            "backend": self.backend,
            "tables": [
                {"name": t.name, "alias": t.alias, "version": t.version, "scan": t.scan, "files": t.files}
                for t in self.tables
            ],
            "optimizer": self.optimizer.to_dict(),
            "optimized_sql": self.optimized_sql,
            "physical": self.physical,
            "text": self.render(),
        }

    def render(self) -> str:
        lines = [f"Query plan ({self.backend})"]
        lines.append("├── SQL: " + " ".join(self.sql.split()))
        lines.append("├── Tables read")
        lines += _branch([t.describe() for t in self.tables] or ["(none)"], "│   ")
        lines.append(f"├── Optimizer: {self.optimizer.summary()}")
        lines += _branch([r.describe() for r in self.optimizer.rules] + list(self.optimizer.notes), "│   ")
        lines.append("└── Physical plan")
        lines += ["    " + line for line in self.physical.splitlines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.render()


def _branch(items: list[str], indent: str) -> list[str]:
    return [f"{indent}{'└' if i == len(items) - 1 else '├'}── {item}" for i, item in enumerate(items)]
