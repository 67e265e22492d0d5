"""Cache commands (filled in by the cache issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the cache commands to ``app``."""
