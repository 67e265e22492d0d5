"""What every command shares: settings, logging and the platform, built on first use."""

from __future__ import annotations

from dataclasses import dataclass

from neurolake.config import Settings, get_settings
from neurolake.logging import configure_logging
from neurolake.platform import NeuroLake

_LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR"]


@dataclass
class CliState:
    verbose: bool = False
    _platform: NeuroLake | None = None

    @property
    def settings(self) -> Settings:
        return get_settings()

    @property
    def platform(self) -> NeuroLake:
        if self._platform is None:
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
