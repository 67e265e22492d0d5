"""The ``neurolake`` command line.

Each command group lives in its own module and registers itself on ``app``; errors from the
library are shown as one readable line (and exit code 1), never a stack trace.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from neurolake.cli import admin, ask, cache, chat, pipelines, prompts, query, serve, stats, storage
from neurolake.cli.context import state
from neurolake.cli.native_output import panics_kept_off_the_terminal
from neurolake.errors import NeuroLakeError

app = typer.Typer(
    name="neurolake",
    help="NeuroLake: talk to your lakehouse. Every command takes --help.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


#: Commands that run until stopped: their native output must stream, not be held back.
_LONG_RUNNING = frozenset({"serve", "chat"})


@app.callback()
def _root(
    ctx: typer.Context,
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log at DEBUG level."),
) -> None:
    state.verbose = verbose
    if ctx.invoked_subcommand not in _LONG_RUNNING:
        ctx.with_resource(panics_kept_off_the_terminal())


for module in (admin, storage, query, ask, cache, prompts, serve, pipelines, chat, stats):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except NeuroLakeError as e:
        # soft_wrap: the error stays one line however narrow the terminal.
        Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/] {e}", highlight=False)
        sys.exit(1)
    finally:
        state.close()


if __name__ == "__main__":
    main()
