"""The dashboard page: a ``MetricsSummary`` drawn as server-rendered HTML with plotly charts.

No build step and no network: the charts' divs reference ``plotly.js`` served by the API
itself (``PLOTLY_JS_PATH``) from the installed plotly package. Every value from the data
(SQL, errors, table names) is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from functools import cache

import plotly.graph_objects as go

from neurolake.observability.summary import MetricsSummary, QueryEntry

#: Where the page loads plotly.js from (served by the API).
PLOTLY_JS_PATH = "/dashboard/plotly.js"
#: Windows offered at the top of the page, in hours.
WINDOWS = {"1 hour": 1, "24 hours": 24, "7 days": 168, "30 days": 720}
_SINCE_START = "None since this process started."
_CHART_LAYOUT = {
    "autosize": True,
    "height": 300,
    "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
    "template": "plotly_white",
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{background:#1f2d3d;color:#fff;padding:12px 24px;display:flex;gap:24px;align-items:center}
header a{color:#cfe3ff;margin-right:12px} header h1{font-size:20px;margin:0}
main{padding:16px 24px} section{background:#fff;border-radius:8px;padding:12px 16px;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}
.card{background:#fff;border-radius:8px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:22px} .card span{color:#59636e;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:16px}
@media (max-width:1000px){.grid{grid-template-columns:minmax(0,1fr)}}
table{border-collapse:collapse;width:100%;font-size:13px} th,td{text-align:left;padding:4px 8px;
border-bottom:1px solid #e6e8eb;vertical-align:top} pre{margin:0;white-space:pre-wrap;max-width:720px}
.error{color:#b42318} h2{font-size:16px;margin:4px 0 10px}
"""


@cache
def plotly_js() -> str:
    """The plotly.js bundle of the installed plotly package (read once)."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def render_dashboard(summary: MetricsSummary, *, hours: float) -> str:
    """The whole page for ``summary`` (a window of ``hours``)."""
    charts = "".join(
        _chart(name, figure)
        for name, figure in (
            ("queries", queries_chart(summary)),
            ("latency", latency_chart(summary)),
            ("cache", cache_chart(summary)),
            ("tables", tables_chart(summary)),
        )
    )
    windows = "".join(f'<a href="/dashboard?hours={h}">{html.escape(label)}</a>' for label, h in WINDOWS.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>NeuroLake dashboard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script src="{PLOTLY_JS_PATH}"></script><style>{_STYLE}</style></head>
<body><header><h1>NeuroLake dashboard</h1><nav>{windows}</nav>
<span>last {hours:g} h · {html.escape(summary.scope)} · {summary.generated_at:%Y-%m-%d %H:%M:%S} UTC</span>
<form method="post" action="/dashboard/logout" style="margin-left:auto"><button>Sign out</button></form></header>
<main>{_cards(summary)}<div class="grid">{charts}</div>
{_query_table("Slowest queries", "slowest", summary.slowest)}
{_query_table("Recent failures", "failures", summary.failures)}
{_tables_section(summary)}{_live_section(summary)}</main></body></html>"""


def queries_chart(summary: MetricsSummary) -> go.Figure:
    starts = [b.start for b in summary.over_time]
    figure = go.Figure(
        [
            go.Bar(name="succeeded", x=starts, y=[b.queries - b.failed for b in summary.over_time]),
            go.Bar(name="failed", x=starts, y=[b.failed for b in summary.over_time], marker_color="#d92d20"),
        ]
    )
    return figure.update_layout(title="Queries over time", barmode="stack", **_CHART_LAYOUT)


def latency_chart(summary: MetricsSummary) -> go.Figure:
    starts = [b.start for b in summary.over_time]
    figure = go.Figure(
        [
            go.Scatter(name="p50", x=starts, y=[b.p50_ms for b in summary.over_time], mode="lines+markers"),
            go.Scatter(name="p95", x=starts, y=[b.p95_ms for b in summary.over_time], mode="lines+markers"),
        ]
    )
    return figure.update_layout(title="Latency percentiles (ms)", yaxis_title="ms", **_CHART_LAYOUT)


def cache_chart(summary: MetricsSummary) -> go.Figure:
    rates = [None if b.cache_hit_rate is None else b.cache_hit_rate * 100 for b in summary.over_time]
    figure = go.Figure(
        go.Scatter(name="hit rate", x=[b.start for b in summary.over_time], y=rates, mode="lines+markers")
    )
    return figure.update_layout(title="Cache hit rate (%)", yaxis_range=[0, 100], **_CHART_LAYOUT)


def tables_chart(summary: MetricsSummary) -> go.Figure:
    tables = sorted(summary.tables, key=lambda t: t.size_bytes or 0, reverse=True)
    figure = go.Figure(
        go.Bar(
            x=[t.name for t in tables],
            y=[(t.size_bytes or 0) / 1e6 for t in tables],
            customdata=[[t.version, t.rows] for t in tables],
            text=[f"v{t.version}" for t in tables],
            textposition="outside",
            hovertemplate="%{x}<br>%{y:.2f} MB<br>version %{customdata[0]}<br>%{customdata[1]} rows<extra></extra>",
        )
    )
    return figure.update_layout(title="Table sizes (MB) and versions", **_CHART_LAYOUT)


def _chart(name: str, figure: go.Figure) -> str:
    body = figure.to_html(full_html=False, include_plotlyjs=False, div_id=f"chart-{name}", config={"responsive": True})
    return f'<section class="chart" data-chart="{name}">{body}</section>'


def _cards(summary: MetricsSummary) -> str:
    t = summary.totals
    figures: list[tuple[str, str]] = [
        ("queries", f"{t.queries:,}"),
        ("failed", f"{t.failed:,}"),
        ("cache hit rate", f"{t.cache_hit_rate:.0%}"),
        ("p50 latency", _ms(t.p50_ms)),
        ("p95 latency", _ms(t.p95_ms)),
        ("p99 latency", _ms(t.p99_ms)),
        ("rows returned", f"{t.rows:,}"),
    ]
    if summary.live is not None:
        figures += [(f"questions {k}", f"{v:,}") for k, v in summary.live.questions.items()]
    cards = "".join(f'<div class="card" data-figure="{html.escape(k)}"><b>{v}</b><span>{html.escape(k)}</span></div>'
                    for k, v in figures)  # fmt: skip
    return f'<div class="cards">{cards}</div>'


def _query_table(title: str, name: str, entries: Sequence[QueryEntry]) -> str:
    rows = [
        [
            f"{e.executed_at:%Y-%m-%d %H:%M:%S}",
            e.status,
            _ms(e.duration_ms),
            f"<pre>{html.escape(e.sql)}</pre>",
            f'<span class="error">{html.escape(e.error or "")}</span>',
        ]
        for e in entries
    ]
    head = ["when (UTC)", "status", "duration", "SQL", "error"]
    return _section(title, name, head, rows, escape_cells=(0, 1, 2))


def _tables_section(summary: MetricsSummary) -> str:
    rows = [
        [t.name, str(t.version), f"{t.rows:,}" if t.rows is not None else "-", _size(t.size_bytes)]
        for t in summary.tables
    ]
    return _section("Tables", "tables", ["table", "version", "rows", "size"], rows, escape_cells=(0, 1, 2, 3))


def _live_section(summary: MetricsSummary) -> str:
    live = summary.live
    if live is None:
        return ""
    llm = [[c.provider, c.model, f"{c.prompt} v{c.version}", str(c.calls), str(c.errors)] for c in live.llm_calls]
    rules = [[rule, str(count)] for rule, count in sorted(live.optimizer_rules.items(), key=lambda kv: -kv[1])]
    questions = [[f"{f.at:%Y-%m-%d %H:%M:%S}", f.question, f.error, f.message] for f in live.failed_questions]
    cache = [[k, str(v)] for k, v in live.cache.items()]
    return "".join(
        (
            _section("Questions that failed (this process)", "failed-questions",
                     ["when (UTC)", "question", "error", "message"], questions, escape_cells=(0, 1, 2, 3),
                     empty_text=_SINCE_START),
            _section("LLM calls (this process)", "llm", ["provider", "model", "prompt", "calls", "errors"], llm,
                     escape_cells=(0, 1, 2, 3, 4), empty_text=_SINCE_START),
            _section("Optimizer rules fired (this process)", "rules", ["rule", "times"], rules, escape_cells=(0, 1),
                     empty_text=_SINCE_START),
            _section("Result cache", "cache", ["figure", "value"], cache, escape_cells=(0, 1)),
        )
    )  # fmt: skip


def _section(
    title: str,
    name: str,
    head: list[str],
    rows: list[list[str]],
    *,
    escape_cells: Iterable[int],
    empty_text: str = "Nothing in this window.",
) -> str:
    escaped = set(escape_cells)
    header = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c) if i in escaped else c}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in rows
    )
    empty = "" if rows else f'<tr><td colspan="{len(head)}">{html.escape(empty_text)}</td></tr>'
    table = f"<table><tr>{header}</tr>{body}{empty}</table>"
    return f'<section data-section="{name}"><h2>{html.escape(title)}</h2>{table}</section>'


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f} ms" if value < 10_000 else f"{value / 1000:,.1f} s"


def _size(value: int | None) -> str:
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KB", "MB"):
        if size < 1024:
            return f"{size:,.0f} B" if unit == "B" else f"{size:,.1f} {unit}"
        size /= 1024
    return f"{size:,.1f} GB"
