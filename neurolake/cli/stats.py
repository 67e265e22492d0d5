"""``neurolake stats``: the dashboard's figures in the terminal (from the catalog's query history)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from neurolake.cli.context import state
from neurolake.errors import NotFoundError
from neurolake.observability.window import MAX_HOURS

if TYPE_CHECKING:
    from neurolake.observability.summary import MetricsSummary

#: Rows of the slowest-queries and failures tables.
SHOWN = 5


def stats(
    hours: float = typer.Option(24, "--hours", min=0.01, max=MAX_HOURS, help="The window: the last this many hours."),
    user: str = typer.Option(None, "--user", "-u", help="Only this catalog user's queries (default: everyone's)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as one JSON object."),
) -> None:
    """Queries, failures, latency percentiles, cache hit rate, slowest queries and tables."""
    from neurolake.catalog.repositories import users as users_repo
    from neurolake.observability.summary import Scope, build_summary

    platform = state.platform
    scope = Scope.all()
    if user is not None:
        with platform.catalog.session() as session:
            found = users_repo.get_user(session, user)
            if found is None:
                raise NotFoundError(f"No user named {user!r}.", hint="`neurolake users list` shows them.")
            session.expunge(found)
        scope = Scope.of(found)
    summary = build_summary(platform, hours=hours, scope=scope)
    if as_json:
        typer.echo(summary.model_dump_json())
        return
    _print(summary, hours)


def _print(summary: MetricsSummary, hours: float) -> None:
    console = Console()
    t = summary.totals
    figures = Table("figure", "value", title=f"Last {hours:g} h, {summary.scope}")
    for name, value in (
        ("queries", f"{t.queries:,}"),
        ("failed", f"{t.failed:,}"),
        ("cache hit rate", f"{t.cache_hit_rate:.0%} ({t.cache_hits:,} hits)"),
        ("rows returned", f"{t.rows:,}"),
        (
            "latency p50 / p95 / p99",
            " / ".join("-" if v is None else f"{v:,.1f} ms" for v in (t.p50_ms, t.p95_ms, t.p99_ms)),
        ),
    ):
        figures.add_row(name, value)
    console.print(figures)
    if summary.slowest:
        slow = Table("ms", "status", "SQL", title="Slowest queries")
        for e in summary.slowest[:SHOWN]:
            slow.add_row(f"{e.duration_ms or 0:,.1f}", e.status, escape(" ".join(e.sql.split())))
        console.print(slow)
    if summary.failures:
        failed = Table("when (UTC)", "status", "error", title="Recent failures")
        for e in summary.failures[:SHOWN]:
            failed.add_row(f"{e.executed_at:%Y-%m-%d %H:%M:%S}", e.status, escape(e.error or ""))
        console.print(failed)
    if summary.tables:
        tables = Table("table", "version", "rows", "bytes", title="Tables")
        for table in summary.tables:
            rows = "-" if table.rows is None else f"{table.rows:,}"
            size = "-" if table.size_bytes is None else f"{table.size_bytes:,}"
            tables.add_row(escape(table.name), str(table.version), rows, size)
        console.print(tables)


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
