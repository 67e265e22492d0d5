"""Cache commands: stats, clear, invalidate TABLE, warm."""

from __future__ import annotations

import json
from typing import NoReturn

import typer
from rich.console import Console
from rich.table import Table

from neurolake.cli.context import state
from neurolake.errors import CacheUnavailableError

console = Console()
cache_app = typer.Typer(help="Inspect and manage the query result cache.", no_args_is_help=True)

PROCESS_NOTE = (
    "The memory backend is an in-process cache: each NeuroLake process (API server, chat, this "
    "command) has its own, so these figures cover this command's process only. "
    "Set NEUROLAKE_CACHE__BACKEND=redis for one cache shared by every process."
)


@cache_app.command("stats")
def stats(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Print hits, misses, evictions, errors, entries and bytes."""
    cache = state.platform.cache
    figures = cache.stats()
    note = PROCESS_NOTE if figures.scope == "process" else None
    if as_json:
        typer.echo(json.dumps({**figures.to_dict(), "enabled": cache.enabled, "note": note}))
        return
    table = Table("figure", "value", title=f"{figures.backend} cache ({figures.scope})")
    for name, value in figures.to_dict().items():
        if name not in {"backend", "scope"}:
            table.add_row(name, "unknown" if value is None else str(value))
    table.add_row("enabled", str(cache.enabled))
    console.print(table)
    if not figures.available:
        typer.echo("The cache backend is unreachable: only this process's error count is known.")
    if note:
        typer.echo(note)


@cache_app.command("clear")
def clear() -> None:
    """Delete every cached result (counters stay)."""
    cache = state.platform.cache
    dropped = cache.clear()
    typer.echo(f"Removed {dropped} entries from the {cache.backend.name} cache.")
    if not cache.backend.shared:
        typer.echo(PROCESS_NOTE)


@cache_app.command("invalidate")
def invalidate(table: str = typer.Argument(..., help="Table whose cached results to delete.")) -> None:
    """Delete every cached result that read TABLE."""
    cache = state.platform.cache
    dropped = cache.invalidate(table)
    if cache.health.down:
        raise CacheUnavailableError(f"Could not reach the {cache.backend.name} cache; nothing was invalidated.")
    typer.echo(f"Removed {dropped} cached results that read {table}.")
    if not cache.backend.shared:
        typer.echo(PROCESS_NOTE)


@cache_app.command("warm")
def warm_command(
    top: int = typer.Option(10, "--top", min=1, help="How many of the most frequent queries to run."),
    recent: int = typer.Option(1000, "--recent", min=1, help="How many of the newest history rows to rank."),
) -> None:
    """Re-run the most frequent recent successful queries so their answers are cached."""
    from neurolake.cache import warm
    from neurolake.cache.warming import SUCCESS, HistoryEntry
    from neurolake.catalog.repositories.history import list_queries

    settings = state.settings.cache
    if not settings.enabled:
        _fail("The cache is disabled (NEUROLAKE_CACHE__ENABLED=false): there is nothing to warm.")
    if settings.backend == "memory":
        _fail(
            "The cache backend is memory (in-process): a cache warmed by this command would end with it. "
            "Set NEUROLAKE_CACHE__BACKEND=redis to warm a cache that servers share."
        )
    with state.platform.catalog.session() as session:
        rows = [HistoryEntry(q.sql, q.status) for q in list_queries(session, status=SUCCESS, limit=recent)]
    if not rows:
        typer.echo(f"No successful queries in the {recent} newest history rows: nothing to warm.")
        return
    engine = state.platform.engine  # shares state.platform.cache, so answers land in it
    report = warm(lambda sql: engine.execute_sql(sql, use_cache=True), rows, top=top)
    typer.echo(f"Warmed {len(report.ran)} queries; {len(report.failed)} failed; {len(report.skipped)} skipped.")
    for sql, error in report.failed:
        typer.echo(f"  failed: {_one_line(sql)}: {error}")
    for sql in report.skipped:
        typer.echo(f"  skipped (not a read-only query): {_one_line(sql)}")


def _fail(message: str) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(1)


def _one_line(sql: str, width: int = 80) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    """Add the cache commands to ``app``."""
    app.add_typer(cache_app, name="cache")
