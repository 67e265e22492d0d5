"""Query commands: sql, explain, history (engine issue)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from neurolake.cli.context import state

if TYPE_CHECKING:
    from neurolake.engine import NeuroLakeEngine, QueryResult


class EngineBackend(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


@contextmanager
def _engine(backend: EngineBackend | None) -> Iterator[NeuroLakeEngine]:
    """The platform's engine, or for ``--backend`` one built the same way on that backend."""
    platform = state.platform
    if backend is None or backend.value == platform.settings.engine.backend:
        yield platform.engine
        return
    from neurolake.platform import NeuroLake

    engine_settings = platform.settings.engine.model_copy(update={"backend": backend.value})
    other = NeuroLake.from_settings(platform.settings.model_copy(update={"engine": engine_settings}))
    try:
        yield other.engine
    finally:
        other.close()


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_params(values: list[str]) -> dict[str, Any] | list[Any] | None:
    """``k=v`` pairs as named parameters, or bare values as positional ones.

    A value that reads as JSON (``42``, ``1.5``, ``true``, ``null``, ``"007"``) is taken as
    that; anything else is text.
    """
    if not values:
        return None
    named = ["=" in v for v in values]
    if any(named) and not all(named):
        raise typer.BadParameter(
            "use either name=value pairs or bare positional values, not both", param_hint="--param"
        )

    def value(text: str) -> Any:
        try:
            return json.loads(text)
        except ValueError:
            return text

    if all(named):
        pairs = (v.split("=", 1) for v in values)
        return {name.strip().lstrip("$:"): value(raw) for name, raw in pairs}
    return [value(v) for v in values]


def _cell(value: Any) -> str:
    from neurolake.engine.serialize import json_value

    if value is None:
        return "NULL"
    shown = json_value(value)
    return shown if isinstance(shown, str) else json.dumps(shown, ensure_ascii=False)


def _print_table(result: QueryResult) -> None:
    console = Console()  # per command: reads the terminal width when it runs
    table = Table(*result.columns, show_lines=False)
    for row in result.rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)
    note = f"{result.row_count} row(s) in {result.metrics.duration_ms:.0f} ms"
    if result.metrics.tables_read:
        read = ", ".join(f"{n}@v{v}" for n, versions in result.metrics.tables_read.items() for v in versions)
        note += f" · read {read}"
    if result.metrics.cache_hit:
        note += " · from the cache"
    if result.truncated:
        note += " · more rows exist (use --limit or --page)"
    console.print(note, style="dim", highlight=False)


def _csv(result: QueryResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(result.columns)
    for row in result.to_dict()["rows"]:
        writer.writerow(["" if v is None else v if isinstance(v, str) else json.dumps(v) for v in row])
    return out.getvalue()


def sql(
    query: str = typer.Argument(..., help="One SQL statement (DuckDB dialect)."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table, json or csv."),
    param: list[str] = typer.Option(
        None, "--param", "-p", help="A parameter: name=value ($name), or a bare value (?)."
    ),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="Row cap (default NEUROLAKE_ENGINE__ROW_LIMIT)."),
    page: int = typer.Option(None, "--page", min=1, help="Return this page (1-based) of --page-size rows."),
    page_size: int = typer.Option(None, "--page-size", min=1, help="Rows per page (default: the row cap)."),
    timeout: float = typer.Option(None, "--timeout", min=0.001, help="Seconds before the query is stopped."),
    write: bool = typer.Option(False, "--write", help="Allow INSERT, UPDATE, DELETE and MERGE."),
    no_optimize: bool = typer.Option(False, "--no-optimize", help="Run the SQL as written, without the optimizer."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Neither read nor store a cached result."),
    backend: EngineBackend = typer.Option(
        None, "--backend", "-b", help="Run on duckdb or spark (default NEUROLAKE_ENGINE__BACKEND)."
    ),
) -> None:
    """Run SQL on the lakehouse tables and print the result."""
    with _engine(backend) as engine:
        result = engine.execute_sql(
            query,
            parse_params(param or []),
            limit=limit,
            page=page,
            page_size=page_size,
            timeout_s=timeout,
            allow_write=write,
            use_cache=not no_cache,
            optimize=False if no_optimize else None,
        )
    if output is OutputFormat.json:
        typer.echo(result.to_json())
    elif output is OutputFormat.csv:
        typer.echo(_csv(result), nl=False)
    else:
        _print_table(result)


def explain(
    query: str = typer.Argument(..., help="The query to plan."),
    param: list[str] = typer.Option(None, "--param", "-p", help="A parameter, as for `sql`."),
) -> None:
    """Show how a query would run (tables and versions, physical plan) without running it."""
    typer.echo(str(state.platform.engine.explain(query, parse_params(param or []))))


def history(
    table: str = typer.Argument(None, help="A table: show its Delta commits instead of the query history."),
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many entries."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", "-f", help="table or json."),
) -> None:
    """Show recent queries, or the commit history of TABLE."""
    rows = _table_history(table, limit) if table else _query_history(limit)
    if output is OutputFormat.json:
        from neurolake.engine.serialize import json_value

        typer.echo(json.dumps([{k: json_value(v) for k, v in r.items()} for r in rows], ensure_ascii=False))
        return
    console = Console()
    if not rows:
        console.print("No history yet.")
        return
    view = Table(*rows[0].keys())
    for row in rows:
        view.add_row(*(_cell(v) if not isinstance(v, str) else v for v in row.values()))
    console.print(view)


def _table_history(table: str, limit: int) -> list[dict[str, Any]]:
    return [
        {
            "version": entry["version"],
            "timestamp": entry["timestamp"],
            "operation": entry["operation"],
            "parameters": entry.get("parameters") or {},
        }
        for entry in state.platform.storage.history(table, limit)
    ]


def _query_history(limit: int) -> list[dict[str, Any]]:
    return [
        {
            "executed_at": entry.executed_at,
            "status": entry.status,
            "ms": round(entry.duration_ms or 0, 1),
            "rows": entry.rows,
            "tables": ", ".join(f"{n}@v{v}" for n, vs in (entry.tables_read or {}).items() for v in vs),
            "sql": " ".join(entry.sql.split()),
            "error": entry.error,
        }
        for entry in state.platform.engine.history(limit=limit)
    ]


def register(app: typer.Typer) -> None:
    """Add the query commands to ``app``."""
    for command in (sql, explain, history):
        app.command(command.__name__)(command)
