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
