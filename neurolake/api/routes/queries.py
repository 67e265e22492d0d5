"""/api/v1/queries: run SQL, explain it, cancel it, read the history."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query, status

from neurolake.api.deps import AnalystUser, ApiStateDep, AuditorDep, EngineDep, SessionDep, ViewerUser, is_admin
from neurolake.api.schemas.queries import (
    QUERY_ID_PATTERN,
    CancelPublic,
    ExplainCreate,
    HistoryPublic,
    PlanPublic,
    QueryCreate,
    QueryPublic,
    RunningPublic,
)
from neurolake.catalog.repositories import history as history_repo
from neurolake.catalog.repositories import users as users_repo
from neurolake.engine.execution import new_query_id

router = APIRouter(prefix="/queries", tags=["queries"])
_CANCEL_WAIT_S = 2.0


@router.post("", response_model=QueryPublic)
def run_query(body: QueryCreate, user: AnalystUser, engine: EngineDep, state: ApiStateDep, audit: AuditorDep) -> dict:
    """Run one statement. Analysts run read-only SQL; admins may write with ``allow_write``."""
    if body.allow_write and not is_admin(user):
        audit.record("query.run", status="refused", sql=body.sql, reason="allow_write needs admin")
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only admins may run writes (allow_write).")
    query_id = body.query_id or new_query_id()
    with audit.action("query.run", query_id=query_id, sql=body.sql) as details, state.owners.track(query_id, user.id):
        result = engine.execute_sql(
            body.sql,
            body.params,
            limit=body.limit,
            page=body.page,
            page_size=body.page_size,
            timeout_s=body.timeout_s,
            use_cache=body.use_cache,
            user=user,
            allow_write=body.allow_write,
            query_id=query_id,
        )
        details.update(rows=result.row_count, cache_hit=result.metrics.cache_hit)
    if result.table.nbytes > state.limits.max_result_bytes:
        raise HTTPException(
            413,
            f"The result is {result.table.nbytes:,} bytes, over the {state.limits.max_result_bytes:,}-byte limit; "
            "ask for fewer rows (limit) or page through it (page, page_size).",
        )
    return result.to_dict()


@router.post("/explain", response_model=PlanPublic)
def explain_query(body: ExplainCreate, user: AnalystUser, engine: EngineDep, audit: AuditorDep) -> dict:
    """The plan of a query without running it."""
    with audit.action("query.explain", sql=body.sql):
        return engine.explain(body.sql, body.params).to_dict()


@router.get("/running", response_model=RunningPublic)
def running_queries(user: AnalystUser, engine: EngineDep, state: ApiStateDep) -> RunningPublic:
    """Ids of your queries running now (every query's, for admins)."""
    ids = engine.running_queries() if is_admin(user) else state.owners.of(user.id)
    return RunningPublic(query_ids=sorted(ids))


@router.post("/{query_id}/cancel", response_model=CancelPublic)
def cancel_query(
    query_id: Annotated[str, Path(pattern=QUERY_ID_PATTERN)],
    user: AnalystUser,
    engine: EngineDep,
    state: ApiStateDep,
    audit: AuditorDep,
) -> CancelPublic:
    """Stop one of your running queries (admins: anyone's); 404 when it is not running."""
    owner = state.owners.owner(query_id)
    if not is_admin(user) and owner != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No query {query_id!r} of yours is running.")
    with audit.action("query.cancel", query_id=query_id):
        cancelled = engine.cancel(query_id)
        # Accepted here but not yet started in the engine: a moment later it can be stopped.
        deadline = time.monotonic() + _CANCEL_WAIT_S
        while not cancelled and state.owners.owner(query_id) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
            cancelled = engine.cancel(query_id)
    if not cancelled:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"No query {query_id!r} is running.")
    return CancelPublic(query_id=query_id, cancelled=True)


@router.get("/history", response_model=list[HistoryPublic])
def query_history(
    user: ViewerUser,
    engine: EngineDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    username: Annotated[str | None, Query(alias="user", max_length=64)] = None,
    status_filter: Annotated[str | None, Query(alias="status", max_length=32)] = None,
) -> list:
    """Your own queries, newest first. Admins see everyone's, or one user's with ``user=``."""
    if username is not None and not is_admin(user) and username != user.username:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only admins may read another user's history.")
    user_id: int | None = user.id
    if is_admin(user):
        user_id = None
        if username is not None:
            target = users_repo.get_user(session, username)
            if target is None:
                raise HTTPException(status.HTTP_404_NOT_FOUND, f"No user named {username!r}.")
            user_id = target.id
    engine.flush_history()
    return history_repo.list_queries(session, user_id=user_id, status=status_filter, limit=limit)
