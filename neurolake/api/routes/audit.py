"""/api/v1/audit: who did what (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from neurolake.api.deps import AdminUser, SessionDep
from neurolake.api.schemas.audit import AuditPublic
from neurolake.catalog.repositories import users as users_repo
from neurolake.catalog.repositories.audit import list_audit
from neurolake.pipelines.schedule import as_utc

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=list[AuditPublic])
def audit_log(
    admin: AdminUser,
    session: SessionDep,
    username: Annotated[str | None, Query(alias="user", max_length=64, description="Only this user's actions")] = None,
    action: Annotated[str | None, Query(max_length=64, description="e.g. query.run, user.create")] = None,
    since: Annotated[datetime | None, Query(description="Only entries at or after this time")] = None,
    until: Annotated[datetime | None, Query(description="Only entries before this time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list:
    """Audit entries, newest first, filtered by user, action and time."""
    user_id = None
    if username is not None:
        user = users_repo.get_user(session, username)
        if user is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"No user named {username!r}.")
        user_id = user.id
    since, until = (as_utc(t) if t is not None else None for t in (since, until))
    return list_audit(session, user_id=user_id, action=action, since=since, until=until, limit=limit)
