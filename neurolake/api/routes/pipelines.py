"""/api/v1/pipelines: scheduled SQL that writes a table (admins change them, analysts read them)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from neurolake.api.deps import AdminUser, AnalystUser, ApiStateDep, AuditorDep, SettingsDep
from neurolake.api.schemas.pipelines import PipelineCreate, PipelinePublic, PipelineRunPublic, PipelineUpdate
from neurolake.pipelines.definition import NAME_PATTERN
from neurolake.pipelines.service import PipelineService

router = APIRouter(prefix="/pipelines", tags=["pipelines"])
PipelineName = Annotated[str, Path(pattern=NAME_PATTERN)]


def get_pipelines(state: ApiStateDep, settings: SettingsDep) -> PipelineService:
    return state.pipelines(settings)


PipelinesDep = Annotated[PipelineService, Depends(get_pipelines)]


@router.post("", response_model=PipelinePublic, status_code=status.HTTP_201_CREATED)
def create_pipeline(
    body: PipelineCreate, admin: AdminUser, pipelines: PipelinesDep, audit: AuditorDep
) -> PipelinePublic:
    """Create a pipeline from SQL, or from a question turned into SQL now."""
    with audit.action("pipeline.create", pipeline=body.name, target_table=body.target_table, schedule=body.schedule):
        return PipelinePublic.of(pipelines.create(body, owner=admin))


@router.get("", response_model=list[PipelinePublic])
def list_pipelines(user: AnalystUser, pipelines: PipelinesDep) -> list[PipelinePublic]:
    return [PipelinePublic.of(p) for p in pipelines.all()]


@router.get("/{name}", response_model=PipelinePublic)
def get_pipeline(name: PipelineName, user: AnalystUser, pipelines: PipelinesDep) -> PipelinePublic:
    return PipelinePublic.of(pipelines.get(name))


@router.patch("/{name}", response_model=PipelinePublic)
def update_pipeline(
    name: PipelineName, body: PipelineUpdate, admin: AdminUser, pipelines: PipelinesDep, audit: AuditorDep
) -> PipelinePublic:
    """Change some fields; ``"schedule": ""`` removes the schedule, ``"status": "paused"`` pauses it."""
    with audit.action("pipeline.update", pipeline=name, changes=sorted(body.model_fields_set)):
        return PipelinePublic.of(pipelines.update(name, body))


@router.delete("/{name}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_pipeline(name: PipelineName, admin: AdminUser, pipelines: PipelinesDep, audit: AuditorDep) -> Response:
    """Delete a pipeline and its run records (its target table stays)."""
    with audit.action("pipeline.delete", pipeline=name):
        pipelines.delete(name)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{name}/run", response_model=PipelineRunPublic)
def run_pipeline(name: PipelineName, admin: AdminUser, pipelines: PipelinesDep) -> object:
    """Run now and wait. A failed run answers 200 with ``status: failed`` and the error (the
    target table is unchanged); the run is audited as ``pipeline.run``."""
    return pipelines.run(name, user=admin)


@router.get("/{name}/runs", response_model=list[PipelineRunPublic])
def pipeline_runs(
    name: PipelineName, user: AnalystUser, pipelines: PipelinesDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> list:
    """Runs, newest first: status, duration, rows, error."""
    return pipelines.runs(name, limit=limit)
