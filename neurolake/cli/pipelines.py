"""Pipeline commands: list, create, run, run-due (for cron), runs, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from neurolake.cli.context import state

if TYPE_CHECKING:
    from neurolake.catalog.models import PipelineRun
    from neurolake.pipelines.definition import WriteMode
    from neurolake.pipelines.service import PipelineService

pipelines_app = typer.Typer(help="Scheduled SQL jobs that write Delta tables.", no_args_is_help=True)


def _service() -> PipelineService:
    from neurolake.pipelines.service import PipelineService

    return PipelineService(state.platform)


def _audit(action: str, **details: Any) -> None:
    from neurolake.catalog.repositories.audit import record_audit

    with state.platform.catalog.session() as session:
        record_audit(session, action, **details)


@pipelines_app.command("list")
def list_command() -> None:
    """Pipelines with their target, schedule and next run."""
    table = Table("name", "target", "mode", "schedule", "status", "last run", "next run")
    for p in _service().all():
        d = p.definition
        table.add_row(
            p.name,
            d.get("target_table", ""),
            d.get("mode", ""),
            p.schedule or "(manual)",
            p.status,
            f"{p.last_run_at:%Y-%m-%d %H:%M}" if p.last_run_at else "",
            f"{p.next_run_at:%Y-%m-%d %H:%M}" if p.next_run_at else "",
        )
    Console().print(table)


@pipelines_app.command("create")
def create_command(
    name: str = typer.Argument(..., help="Pipeline name."),
    target: str = typer.Option(..., "--target", help="Table the rows are written to."),
    sql: str = typer.Option(None, "--sql", help="A read-only query."),
    question: str = typer.Option(None, "--question", help="A question, turned into SQL now."),
    mode: str = typer.Option("append", "--mode", help="append, overwrite or merge."),
    key: list[str] = typer.Option([], "--key", help="Merge key column (repeat for several)."),
    schedule: str = typer.Option(None, "--schedule", help="Cron expression in UTC, e.g. '0 6 * * *'."),
) -> None:
    """Create a pipeline from SQL or from a question."""
    from pydantic import ValidationError

    from neurolake.pipelines.definition import PipelineSpec

    try:
        spec = PipelineSpec(
            name=name,
            sql=sql,
            question=question,
            target_table=target,
            mode=_mode(mode),
            merge_keys=key,
            schedule=schedule,
        )
    except ValidationError as e:
        raise typer.BadParameter("; ".join(err["msg"].removeprefix("Value error, ") for err in e.errors())) from e
    pipeline = _service().create(spec)
    _audit("pipeline.create", pipeline=name, target_table=target, schedule=spec.schedule)
    typer.echo(f"Created pipeline {pipeline.name}: {pipeline.definition['sql']}")
    if pipeline.next_run_at:
        typer.echo(f"Next run: {pipeline.next_run_at:%Y-%m-%d %H:%M} UTC")


@pipelines_app.command("run")
def run_command(name: str = typer.Argument(..., help="Pipeline to run now.")) -> None:
    """Run a pipeline now; exit status 1 when the run failed."""
    _report([_service().run(name)])


@pipelines_app.command("run-due")
def run_due_command() -> None:
    """Run every pipeline that is due (for cron: `* * * * * neurolake pipelines run-due`)."""
    runs = _service().run_due()
    if not runs:
        typer.echo("No pipeline is due.")
    _report(runs)


@pipelines_app.command("runs")
def runs_command(
    name: str = typer.Argument(..., help="Pipeline."), limit: int = typer.Option(20, "--limit", "-n", min=1)
) -> None:
    """Recent runs: status, duration, rows, error."""
    table = Table("run", "started", "trigger", "status", "ms", "rows", "error")
    for r in _service().runs(name, limit=limit):
        table.add_row(
            str(r.id),
            f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            r.trigger,
            r.status,
            f"{r.duration_ms:.0f}" if r.duration_ms is not None else "",
            str(r.rows) if r.rows is not None else "",
            r.error or "",
        )
    Console().print(table)


@pipelines_app.command("delete")
def delete_command(name: str = typer.Argument(..., help="Pipeline to delete (its table stays).")) -> None:
    """Delete a pipeline and its run records."""
    _service().delete(name)
    _audit("pipeline.delete", pipeline=name)
    typer.echo(f"Deleted pipeline {name}.")


def _mode(value: str) -> WriteMode:
    if value not in ("append", "overwrite", "merge"):
        raise typer.BadParameter("use append, overwrite or merge", param_hint="--mode")
    return value  # type: ignore[return-value]


def _report(runs: list[PipelineRun]) -> None:
    failed = False
    for run in runs:
        if run.status == "succeeded":
            typer.echo(f"run {run.id}: succeeded, {run.rows} rows, table version {run.table_version}")
        else:
            failed = True
            typer.echo(f"run {run.id}: failed: {run.error}", err=True)
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(pipelines_app, name="pipelines")
