"""Scheduled pipelines: SQL (or a question turned into SQL) that writes a Delta table on a cron schedule.

``PipelineSpec`` says what a pipeline does; ``store`` keeps pipelines and their runs in the
catalog; ``PipelineRunner`` runs one (a failed run leaves its target table as it was);
``run_due`` and ``PipelineScheduler`` run the pipelines whose time has come. Each is imported
when first asked for, so ``neurolake serve --help`` reads ``polling`` without the catalog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurolake.lazy import lazy_exports

if TYPE_CHECKING:  # mypy's view of the names __getattr__ gives
    from neurolake.pipelines.definition import PipelineSpec, PipelineUpdate, WriteMode  # noqa: F401
    from neurolake.pipelines.runner import PipelineRunner  # noqa: F401
    from neurolake.pipelines.schedule import next_run, validate_cron  # noqa: F401
    from neurolake.pipelines.scheduler import PipelineScheduler, run_due  # noqa: F401

#: Each public name and the module that defines it.
_HOMES = {
    "PipelineRunner": "runner",
    "PipelineScheduler": "scheduler",
    "PipelineSpec": "definition",
    "PipelineUpdate": "definition",
    "WriteMode": "definition",
    "next_run": "schedule",
    "run_due": "scheduler",
    "validate_cron": "schedule",
}
__all__ = sorted(_HOMES)
__getattr__ = lazy_exports(__name__, _HOMES)
