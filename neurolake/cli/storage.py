"""storage commands (filled in by the storage issue)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the storage commands to ``app``."""
