"""Scheduled pipelines: SQL (or a question turned into SQL) that writes a Delta table on a cron schedule.

``PipelineSpec`` says what a pipeline does; ``store`` keeps pipelines and their runs in the
catalog; ``PipelineRunner`` runs one (a failed run leaves its target table as it was);
``run_due`` and ``PipelineScheduler`` run the pipelines whose time has come.
"""

from neurolake.pipelines.definition import PipelineSpec, PipelineUpdate, WriteMode
from neurolake.pipelines.runner import PipelineRunner
from neurolake.pipelines.schedule import next_run, validate_cron
from neurolake.pipelines.scheduler import PipelineScheduler, run_due

__all__ = [
    "PipelineRunner",
    "PipelineScheduler",
    "PipelineSpec",
    "PipelineUpdate",
    "WriteMode",
    "next_run",
    "run_due",
    "validate_cron",
]
