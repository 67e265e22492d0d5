"""What every command shares: settings, logging and the platform, built on first use.

Nothing heavy is imported here: ``neurolake --help`` and each ``COMMAND --help`` load only the
command line itself; settings (pydantic-settings) and the platform (SQLAlchemy, ...) come with
the first command that reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from neurolake.config import Settings
    from neurolake.platform import NeuroLake

_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


@dataclass
class CliState:
    verbose: bool = False
    _platform: NeuroLake | None = None

    @property
    def settings(self) -> Settings:
        from neurolake.config import get_settings

        return get_settings()

    @property
    def platform(self) -> NeuroLake:
        if self._platform is None:
            from neurolake.logging import configure_logging
            from neurolake.platform import NeuroLake

            settings = self.settings
            # The CLI's own output is the result; logs stay quiet unless asked for with -v.
            level = "DEBUG" if self.verbose else max(settings.log.level, "WARNING", key=_LEVELS.index)
            configure_logging(level, settings.log.format, hide_reported=True)
            self._platform = NeuroLake.from_settings(settings)
        return self._platform

    def close(self) -> None:
        if self._platform is not None:
            self._platform.close()
            self._platform = None


state = CliState()


def note_spark_start_up(backend: str | None = None) -> None:
    """On a spark:// cluster, say (on stderr) that this one command pays Spark's start-up, and
    what keeps one session instead: a command's driver and executors end with it."""
    settings = state.settings
    if (backend or settings.engine.backend) != "spark" or not settings.spark.master.startswith("spark://"):
        return
    from rich.console import Console

    Console(stderr=True, soft_wrap=True).print(
        "Note: on a Spark cluster each command starts its own driver and executors (often a minute); "
        "`neurolake serve` (REST API) and `neurolake chat` keep one Spark session for every query.",
        style="dim",
        highlight=False,
    )
