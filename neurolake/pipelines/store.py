"""Pipelines and their runs in the catalog (``pipelines`` and ``pipeline_runs``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from neurolake.catalog.models import Pipeline, PipelineRun, utcnow
from neurolake.errors import NeuroLakeError, NotFoundError
from neurolake.pipelines.definition import PipelineSpec
from neurolake.pipelines.schedule import next_run


class PipelineExistsError(NeuroLakeError, ValueError):
    """A pipeline with that name already exists."""

    status_code = 409


def create_pipeline(session: Session, spec: PipelineSpec, *, sql: str, owner_id: int | None) -> Pipeline:
    """Store a new pipeline whose query is ``sql`` (the spec's, or the one its question became)."""
    if get_pipeline(session, spec.name) is not None:
        raise PipelineExistsError(f"Pipeline {spec.name!r} already exists.", hint="Update it, or pick another name.")
    now = utcnow()
    pipeline = Pipeline(
        name=spec.name,
        definition={**spec.definition(), "sql": sql},
        schedule=spec.schedule,
        status=spec.status,
        owner_id=owner_id,
        next_run_at=next_run(spec.schedule, now) if spec.schedule and spec.status == "active" else None,
        created_at=now,
    )
    session.add(pipeline)
    session.flush()
    return pipeline


def get_pipeline(session: Session, name: str) -> Pipeline | None:
    return session.scalars(select(Pipeline).where(Pipeline.name == name)).one_or_none()


def require_pipeline(session: Session, name: str) -> Pipeline:
    """The pipeline ``name``, or NotFoundError naming the ones that exist."""
    pipeline = get_pipeline(session, name)
    if pipeline is None:
        names = [p.name for p in list_pipelines(session)][:10]
        raise NotFoundError(
            f"No pipeline named {name!r}.",
            hint=f"Pipelines: {', '.join(names)}." if names else "No pipeline exists yet.",
        )
    return pipeline


def list_pipelines(session: Session) -> list[Pipeline]:
    return list(session.scalars(select(Pipeline).order_by(Pipeline.name)))


def update_pipeline(session: Session, pipeline: Pipeline, changes: dict[str, Any]) -> Pipeline:
    """Apply ``changes`` (definition keys, ``schedule``, ``status``); reschedules when needed."""
    definition = dict(pipeline.definition)
    for key in ("sql", "question", "target_table", "mode", "merge_keys", "description"):
        if key in changes:
            definition[key] = changes[key]
    pipeline.definition = definition
    if "status" in changes:
        pipeline.status = changes["status"]
    if "schedule" in changes:
        pipeline.schedule = changes["schedule"] or None
    if "schedule" in changes or "status" in changes:
        active = pipeline.status == "active"
        pipeline.next_run_at = next_run(pipeline.schedule, utcnow()) if pipeline.schedule and active else None
    session.flush()
    return pipeline


def delete_pipeline(session: Session, pipeline: Pipeline) -> None:
    """Remove a pipeline and its runs."""
    session.execute(delete(PipelineRun).where(PipelineRun.pipeline_id == pipeline.id))
    session.delete(pipeline)
    session.flush()


def due_pipelines(session: Session, now: datetime) -> list[Pipeline]:
    """Active scheduled pipelines whose next run time has come, the most overdue first."""
    stmt = (
        select(Pipeline)
        .where(Pipeline.status == "active", Pipeline.schedule.is_not(None), Pipeline.next_run_at <= now)
        .order_by(Pipeline.next_run_at, Pipeline.id)
    )
    return list(session.scalars(stmt))


def claim(session: Session, pipeline: Pipeline, now: datetime) -> bool:
    """Move a due pipeline's next run past ``now``; False when another process claimed it first.

    The conditional UPDATE is the lock: of two schedulers that saw the pipeline due, one
    changes the row and the other updates nothing.
    """
    assert pipeline.schedule is not None
    result = session.execute(
        update(Pipeline)
        .where(Pipeline.id == pipeline.id, Pipeline.status == "active", Pipeline.next_run_at <= now)
        .values(next_run_at=next_run(pipeline.schedule, now))
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


def start_run(session: Session, pipeline: Pipeline, *, trigger: str, user_id: int | None) -> PipelineRun:
    run = PipelineRun(pipeline_id=pipeline.id, status="running", trigger=trigger, user_id=user_id, started_at=utcnow())
    session.add(run)
    pipeline.last_run_at = run.started_at
    session.flush()
    return run


def finish_run(session: Session, run_id: int, **fields: Any) -> PipelineRun:
    """Record how run ``run_id`` ended (``status``, ``rows``, ``error``, ...)."""
    run = session.get(PipelineRun, run_id)
    if run is None:
        raise NotFoundError(f"No pipeline run {run_id}.")
    for name, value in fields.items():
        setattr(run, name, value)
    session.flush()
    return run


def list_runs(session: Session, pipeline: Pipeline, *, limit: int = 50) -> list[PipelineRun]:
    """Runs of ``pipeline``, newest first."""
    stmt = (
        select(PipelineRun)
        .where(PipelineRun.pipeline_id == pipeline.id)
        .order_by(PipelineRun.started_at.desc(), PipelineRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
