"""Cache warming: re-run the most frequent recent queries so their answers are cached.

Only read-only statements are re-run (checked on the sqlglot tree): history may hold
writes made by someone allowed to write, and warming must never repeat them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

# The status the engine records in query_history for a successful run (engine.execution.status_of).
SUCCESS = "succeeded"


class HistoryRow(Protocol):
    """What warming reads from a ``QueryHistory`` row."""

    @property
    def sql(self) -> str: ...

    @property
    def status(self) -> str: ...


@dataclass(frozen=True)
class HistoryEntry:
    """A history row copied out of its database session."""

    sql: str
    status: str


@dataclass
class WarmReport:
    """What one warming run did, query by query."""

    ran: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def rank_queries(rows: Iterable[HistoryRow], *, status: str = SUCCESS) -> list[str]:
    """Distinct SQL of the rows with ``status``, most frequent first, ties newest first.

    ``rows`` come newest first (as ``history.list_queries`` returns them); queries differing
    only in whitespace count as one, and the newest spelling is kept.
    """
    counts: dict[str, int] = {}
    newest: dict[str, str] = {}
    for row in rows:
        if row.status != status or not row.sql.strip():
            continue
        text = " ".join(row.sql.split())
        counts[text] = counts.get(text, 0) + 1
        newest.setdefault(text, row.sql)
    # dicts keep first-seen order, which is newest first: a stable sort keeps it for ties.
    return [newest[text] for text in sorted(counts, key=lambda t: -counts[t])]


def is_read_only(sql: str) -> bool:
    """True for exactly one query statement (SELECT, WITH ... SELECT, UNION, ...)."""
    try:
        statements = sqlglot.parse(sql, read="duckdb")
    except SqlglotError:
        return False
    return len(statements) == 1 and isinstance(statements[0], exp.Query)


def warm(run: Callable[[str], object], history_rows: Iterable[HistoryRow], *, top: int = 10) -> WarmReport:
    """Run the ``top`` most frequent successful read-only queries through ``run``.

    ``run`` should execute with the cache on (e.g. ``engine.execute_sql(sql, use_cache=True)``)
    so each answer lands in the cache. A failing query is reported, not raised.
    """
    report = WarmReport()
    for sql in rank_queries(history_rows):
        if len(report.ran) + len(report.failed) >= top:
            break
        if not is_read_only(sql):
            report.skipped.append(sql)
            continue
        try:
            run(sql)
        except Exception as e:
            report.failed.append((sql, str(e)))
        else:
            report.ran.append(sql)
    return report
