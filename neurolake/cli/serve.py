"""``neurolake serve``: the REST API on uvicorn, with the pipeline scheduler."""

from __future__ import annotations

import typer

from neurolake.cli.context import state
from neurolake.pipelines.polling import POLL_INTERVAL_S


def serve(
    host: str = typer.Option(None, "--host", help="Bind address (default NEUROLAKE_API__HOST)."),
    port: int = typer.Option(None, "--port", min=1, max=65535, help="Port (default NEUROLAKE_API__PORT)."),
    scheduler: bool = typer.Option(
        True, "--scheduler/--no-scheduler", help="Run due pipelines in this process (turn off when cron runs them)."
    ),
    interval: float = typer.Option(POLL_INTERVAL_S, "--scheduler-interval", min=1, help="Seconds between looks."),
) -> None:
    """Serve the REST API (OpenAPI docs at /docs) until interrupted."""
    import uvicorn

    from neurolake.api import create_app
    from neurolake.logging import configure_logging

    settings = state.settings
    configure_logging("DEBUG" if state.verbose else settings.log.level, settings.log.format)
    app = create_app(settings, scheduler=scheduler, scheduler_interval_s=interval, warm_models=True)
    # access_log off: the request middleware already logs every request with its id.
    uvicorn.run(app, host=host or settings.api.host, port=port or settings.api.port, access_log=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
