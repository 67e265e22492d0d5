"""The scheduler: a thread in the ``serve`` process, and ``run_due`` for cron."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from neurolake.catalog.models import PipelineRun
from neurolake.errors import CatalogUnavailableError
from neurolake.pipelines.polling import POLL_INTERVAL_S

if TYPE_CHECKING:
    from neurolake.pipelines.service import PipelineService
    from neurolake.platform import NeuroLake

log = logging.getLogger(__name__)


def run_due(platform: NeuroLake, now: datetime | None = None) -> list[PipelineRun]:
    """Run the pipelines due at ``now`` (default: now) once each; returns their runs."""
    from neurolake.pipelines.service import PipelineService

    return PipelineService(platform).run_due(now)


class PipelineScheduler:
    """Runs due pipelines every ``interval_s`` on a daemon thread until ``stop()``."""

    def __init__(self, service: PipelineService, *, interval_s: float = POLL_INTERVAL_S) -> None:
        self.service = service
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.ticks = 0

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="neurolake-scheduler", daemon=True)
            self._thread.start()
            log.info("pipeline scheduler started (every %.0f s)", self.interval_s)

    def stop(self, timeout_s: float = 30.0) -> None:
        """Stop after the run in progress, if any."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def tick(self) -> list[PipelineRun]:
        """One look for due pipelines; errors are logged, never raised (the thread must live on)."""
        try:
            runs = self.service.run_due()
        except CatalogUnavailableError as e:
            # Every tick of an outage would repeat the same trace; the one line says it all.
            log.warning("pipeline scheduler tick skipped: %s", e)
            runs = []
        except Exception as e:
            log.error("pipeline scheduler tick failed: %s", e, exc_info=e)
            runs = []
        self.ticks += 1
        for run in runs:
            log.info("scheduled pipeline run %s: %s (%s rows)", run.id, run.status, run.rows)
        return runs

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.tick()
            self._stop.wait(self.interval_s)
