"""Lakehouse commands: demo, ingest, tables, describe, optimize, vacuum (storage issue)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import typer
from rich.console import Console
from rich.table import Table

from neurolake.cli.context import state
from neurolake.errors import StorageInputError

#: Files at least this big get a progress bar while they are read.
PROGRESS_MIN_BYTES = 8 * 1024 * 1024


def human_bytes(size: int | None) -> str:
    """1536 -> '1.5 KiB'."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TiB"  # pragma: no cover - loop always returns


def _split(values: list[str] | None) -> list[str]:
    """Options given repeatedly or comma-separated: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def demo(
    if_missing: bool = typer.Option(False, "--if-missing", help="Do nothing when the demo tables already exist."),
    force: bool = typer.Option(False, "--force", help="Drop the demo tables and build them again."),
    orders: int = typer.Option(120_000, "--orders", min=100, help="Number of orders to generate."),
    seed: int = typer.Option(7, "--seed", help="Random seed; the same seed gives the same data."),
) -> None:
    """Create the demo lakehouse: customers, products, orders and order_items, with history."""
    console = Console()  # per command: reads the terminal width when it runs
    from neurolake.storage.demo import build_demo

    if if_missing and force:
        raise StorageInputError("Use --if-missing or --force, not both.")
    state.platform.catalog.check()  # the demo describes its tables there: fail before writing any
    storage = state.platform.storage
    result = build_demo(
        storage,
        orders=orders,
        seed=seed,
        force=force,
        if_missing=if_missing,
        on_step=lambda message: console.print(f"[cyan]•[/] {message}", highlight=False),
    )
    if not result.built:
        console.print("The demo tables already exist; nothing to do (use --force to rebuild).")
        return
    table = Table("table", "version", "rows", title=f"Demo lakehouse at {storage.root}")
    for name, rows in result.rows.items():
        table.add_row(name, str(result.versions[name]), f"{rows:,}")
    console.print(table)
    console.print(f"Built in {result.seconds:.1f}s. Try: neurolake history orders", highlight=False)


def ingest(
    path: Path = typer.Argument(..., help="CSV, Parquet or JSON-lines file to load.", show_default=False),
    table: str = typer.Option(..., "--table", "-t", help="Target table (created if missing)."),
    mode: str = typer.Option("append", "--mode", "-m", help="append, overwrite, or merge (upsert on --key)."),
    key: list[str] | None = typer.Option(
        None, "--key", "-k", help="Key column(s) for --mode merge; repeat or comma-separate."
    ),
    evolve: bool = typer.Option(False, "--evolve", help="Allow the file to add new columns to the table."),
    file_format: str | None = typer.Option(
        None, "--format", help="csv, parquet or jsonl (default: from the extension)."
    ),
) -> None:
    """Load a file into a Delta table in one commit; a bad file leaves the table unchanged."""
    console = Console()  # per command: reads the terminal width when it runs
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    from neurolake.storage.ingest import FileFormat, IngestMode, ingest_file

    if mode not in ("append", "overwrite", "merge"):
        raise StorageInputError(f"Unknown --mode {mode!r}; use append, overwrite or merge.")
    if file_format not in (None, "csv", "parquet", "jsonl"):
        raise StorageInputError(f"Unknown --format {file_format!r}; use csv, parquet or jsonl.")
    size = path.stat().st_size if path.is_file() else 0
    storage = state.platform.storage
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=size < PROGRESS_MIN_BYTES,
    )
    with progress:
        task = progress.add_task(f"Reading {path.name}", total=size)
        result = ingest_file(
            storage,
            path,
            table,
            mode=cast("IngestMode", mode),
            key=_split(key),
            file_format=cast("FileFormat", file_format) if file_format else None,
            evolve=evolve,
            on_read=lambda n: progress.advance(task, n),
        )
    summary = f"{result.rows:,} rows from {path.name} into {table} ({mode}), now at version {result.version}"
    if mode == "merge":
        summary += f": {result.inserted:,} inserted, {result.updated:,} updated"
    console.print(summary + ".", highlight=False)


def tables(
    output: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """List the lakehouse tables with their version, rows and size."""
    console = Console()  # per command: reads the terminal width when it runs
    from neurolake.catalog.repositories import tables as tables_repo
    from neurolake.storage import location

    storage = state.platform.storage
    survey = storage.survey()  # registers tables written by other tools, repairs lagging rows
    present = set(survey.tables)
    with storage.catalog.session() as session:
        rows: list[dict[str, Any]] = [
            {
                "name": t.name,
                "version": t.current_version,
                "rows": t.row_count,
                "size_bytes": t.size_bytes,
                "partition_by": list(t.partition_by or []),
                "description": t.description,
            }
            for t in tables_repo.list_tables(session)
            # Only this lakehouse's tables, and none of the folders the survey skipped.
            if t.location == location.join(storage.root, t.name) and t.name in present
        ]
    _report_skipped(survey.skipped)
    if output == "json":
        typer.echo(json.dumps(rows))
        return
    if not rows:
        console.print("No tables yet. Create the demo with: neurolake demo")
        return
    table = Table("table", "version", "rows", "size", "partitioned by")
    for row in rows:
        table.add_row(
            row["name"],
            str(row["version"]),
            f"{row['rows']:,}" if row["rows"] is not None else "",
            human_bytes(row["size_bytes"]),
            ", ".join(row["partition_by"]),
        )
    console.print(table)


def _report_skipped(skipped: dict[str, str]) -> None:
    """Name each folder that is not a usable table, on stderr (stdout stays the listing)."""
    errors = Console(stderr=True, soft_wrap=True)
    for folder, reason in sorted(skipped.items()):
        errors.print(f"[yellow]Skipped[/] {folder!r}: {reason}", highlight=False)


def describe(table: str = typer.Argument(..., help="Table to describe.")) -> None:
    """Show a table's columns, types, descriptions, partitioning and statistics."""
    console = Console()  # per command: reads the terminal width when it runs
    import pyarrow as pa

    from neurolake.catalog.repositories import tables as tables_repo
    from neurolake.storage.schema import sql_type

    storage = state.platform.storage
    delta = storage.open_table(table)
    stats = storage.stats(table)
    schema = pa.schema(delta.schema().to_arrow())
    partitions = list(delta.metadata().partition_columns)
    with storage.catalog.session() as session:
        row = tables_repo.get_table(session, table)
        descriptions = {c.name: c.description for c in row.columns} if row else {}
        table_description = row.description if row else None
    console.print(f"[bold]{table}[/]  {storage.table_uri(table)}", highlight=False)
    if table_description:
        console.print(table_description, highlight=False)
    console.print(
        f"version {stats.version} · {stats.rows:,} rows · {stats.files} files · {human_bytes(stats.size_bytes)}"
        + (f" · partitioned by {', '.join(partitions)}" if partitions else ""),
        highlight=False,
    )
    columns = Table("column", "type", "nullable", "min", "max", "nulls", "description")
    for field in schema:
        col = stats.columns.get(field.name)
        columns.add_row(
            field.name + (" (partition)" if field.name in partitions else ""),
            sql_type(field.type),
            "yes" if field.nullable else "no",
            _short(col.min if col else None),
            _short(col.max if col else None),
            "" if col is None or col.null_count is None else f"{col.null_count:,}",
            descriptions.get(field.name) or "",
        )
    console.print(columns)


def _short(value: Any, width: int = 24) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def optimize(
    table: str = typer.Argument(..., help="Table to compact."),
    zorder: list[str] | None = typer.Option(
        None, "--zorder", "-z", help="Z-order by these columns (repeat or comma-separate)."
    ),
) -> None:
    """Compact small files into larger ones, optionally Z-ordered for faster filtered scans."""
    console = Console()  # per command: reads the terminal width when it runs
    metrics = state.platform.storage.optimize(table, zorder_by=_split(zorder) or None)
    console.print(
        f"Optimized {table}: {metrics.get('numFilesRemoved', 0)} files rewritten into "
        f"{metrics.get('numFilesAdded', 0)}; now at version {metrics['version']}.",
        highlight=False,
    )


def vacuum(
    table: str = typer.Argument(..., help="Table to clean up."),
    retention_hours: int = typer.Option(
        168, "--retention-hours", min=0, help="Keep files that versions from the last N hours need."
    ),
    dry_run: bool = typer.Option(True, "--dry-run/--no-dry-run", help="List the files only (default) or delete them."),
) -> None:
    """Delete data files no recent version needs; older versions then cannot be read."""
    console = Console()  # per command: reads the terminal width when it runs
    files = state.platform.storage.vacuum(table, retention_hours=retention_hours, dry_run=dry_run)
    verb = "Would delete" if dry_run else "Deleted"
    console.print(f"{verb} {len(files)} file(s) from {table}.", highlight=False)
    for name in files[:20]:
        console.print(f"  {name}", highlight=False)
    if len(files) > 20:
        console.print(f"  … and {len(files) - 20} more", highlight=False)
    if dry_run and files:
        console.print("Run again with --no-dry-run to delete them.")
    elif files:
        console.print(f"Versions older than {retention_hours} hours can no longer be read.")


def register(app: typer.Typer) -> None:
    """Add the storage commands to ``app``."""
    for command in (demo, ingest, tables, describe, optimize, vacuum):
        app.command(command.__name__)(command)
