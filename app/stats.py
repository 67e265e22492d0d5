"""``/stats``: the dashboard's figures for the person chatting, as a table and a chart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from app.escaping import escape_markdown
from neurolake.observability.dashboard import queries_chart
from neurolake.observability.summary import MAX_HOURS, MetricsSummary, Scope, build_summary

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from neurolake.catalog import User
    from neurolake.platform import NeuroLake

DEFAULT_HOURS = 24.0


@dataclass(frozen=True)
class StatsView:
    """What ``/stats`` sends: a heading, the figures as rows, and queries over time (None if none)."""

    markdown: str
    figures: pd.DataFrame
    chart: go.Figure | None


def parse_hours(argument: str) -> float | None:
    """``/stats``, ``/stats 48`` or ``/stats 48h``: the window in hours; None when unreadable."""
    text = argument.strip().lower().removesuffix("h").strip()
    if not text:
        return DEFAULT_HOURS
    try:
        hours = float(text)
    except ValueError:
        return None
    return hours if 0 < hours <= MAX_HOURS else None


def stats_view(platform: NeuroLake, user: User | None, hours: float) -> StatsView:
    """Figures of ``user``'s queries (None: those run without a user) in the last ``hours``; blocking."""
    summary = build_summary(platform, hours=hours, scope=Scope.of(user))
    return StatsView(_heading(summary, hours), figures_frame(summary), _chart(summary))


def figures_frame(summary: MetricsSummary) -> pd.DataFrame:
    t = summary.totals
    rows: list[tuple[str, Any]] = [
        ("queries", t.queries),
        ("succeeded", t.succeeded),
        ("failed", t.failed),
        ("cache hits", t.cache_hits),
        ("cache hit rate", f"{t.cache_hit_rate:.0%}"),
        ("rows returned", t.rows),
        ("p50 latency (ms)", t.p50_ms),
        ("p95 latency (ms)", t.p95_ms),
        ("p99 latency (ms)", t.p99_ms),
    ]
    if summary.slowest:
        slowest = summary.slowest[0]
        rows.append(("slowest query (ms)", slowest.duration_ms))
    return pd.DataFrame({"figure": [r[0] for r in rows], "value": [_text(r[1]) for r in rows]})


def _heading(summary: MetricsSummary, hours: float) -> str:
    who = escape_markdown(summary.scope)
    if summary.totals.queries == 0:
        return f"**Your figures** ({who}, last {hours:g} h): no queries yet. Ask a question, then try `/stats` again."
    lines = [f"**Your figures** ({who}, last {hours:g} h)"]
    if summary.failures:
        last = summary.failures[0]
        lines.append(f"Last failure ({last.status}): {escape_markdown(last.error or 'no message')}")
    return "\n\n".join(lines)


def _chart(summary: MetricsSummary) -> go.Figure | None:
    if summary.totals.queries == 0:
        return None
    return queries_chart(summary).update_layout(title="Your queries over time")


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
