"""Run one pipeline: query ─► one Delta commit to the target ─► a recorded run.

The query runs read-only through the engine (recorded in the query history like any
other); its whole result is written in a single commit, so a run that fails anywhere
leaves the target table exactly as it was.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from neurolake.catalog.models import PipelineRun, User, utcnow
from neurolake.catalog.repositories.audit import record_audit
from neurolake.errors import NeuroLakeError
from neurolake.pipelines import store

if TYPE_CHECKING:
    from neurolake.catalog import Catalog
    from neurolake.engine import NeuroLakeEngine
    from neurolake.storage import DeltaStorageManager

log = logging.getLogger(__name__)

#: Most rows one run may write; a larger result fails the run rather than write part of it.
PIPELINE_ROW_LIMIT = 5_000_000


class PipelineRunError(NeuroLakeError, ValueError):
    """A pipeline's query produced something that cannot be written."""

    status_code = 400


class PipelineRunner:
    """Runs pipelines by name and records every run (and an audit entry) in the catalog."""

    def __init__(
        self,
        catalog: Catalog,
        engine: NeuroLakeEngine,
        storage: DeltaStorageManager,
        *,
        row_limit: int = PIPELINE_ROW_LIMIT,
    ) -> None:
        self.catalog = catalog
        self.engine = engine
        self.storage = storage
        self.row_limit = row_limit

    def run(self, name: str, *, trigger: str = "manual", user: User | None = None) -> PipelineRun:
        """Run pipeline ``name`` now, as ``user`` (default its owner); returns the finished run.

        A failure does not raise: the run is returned with ``status="failed"`` and the error.
        """
        with self.catalog.session() as session:
            pipeline = store.require_pipeline(session, name)
            runner_user = user or (session.get(User, pipeline.owner_id) if pipeline.owner_id else None)
            run = store.start_run(
                session, pipeline, trigger=trigger, user_id=runner_user.id if runner_user is not None else None
            )
            definition, run_id = dict(pipeline.definition), run.id
        started = time.perf_counter()
        outcome: dict[str, Any] = {"status": "succeeded"}
        try:
            outcome["rows"], outcome["table_version"] = self._write(definition, runner_user)
        except NeuroLakeError as e:
            log.warning("pipeline %s run %s failed: %s", name, run_id, e)
            outcome.update(status="failed", error=str(e))
        except Exception as e:
            log.error("pipeline %s run %s failed unexpectedly", name, run_id, exc_info=e)
            outcome.update(status="failed", error=f"Unexpected {e.__class__.__name__}; the server log has details.")
        duration_ms = round((time.perf_counter() - started) * 1000, 3)
        with self.catalog.session() as session:
            finished = store.finish_run(session, run_id, finished_at=utcnow(), duration_ms=duration_ms, **outcome)
            record_audit(
                session,
                "pipeline.run",
                user_id=finished.user_id,
                pipeline=name,
                run_id=run_id,
                trigger=trigger,
                status=finished.status,
                rows=finished.rows,
                error=finished.error,
            )
        return finished

    def _write(self, definition: dict[str, Any], user: User | None) -> tuple[int, int]:
        """Run the query and commit its rows to the target; (rows written, new version)."""
        target, mode = definition["target_table"], definition.get("mode", "append")
        result = self.engine.execute_sql(definition["sql"], limit=self.row_limit, user=user, use_cache=False)
        if result.truncated:
            raise PipelineRunError(
                f"The query returned more than {self.row_limit:,} rows; nothing was written.",
                hint="Aggregate or filter it, or split the pipeline.",
            )
        if mode == "merge":
            version = self.storage.merge(result.table, target, on=list(definition.get("merge_keys") or []))["version"]
        else:
            version = self.storage.write_table(result.table, target, mode=mode)
        return result.row_count, version
