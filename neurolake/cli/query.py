"""query commands (filled in by the query issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the query commands to ``app``."""
