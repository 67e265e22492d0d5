"""The audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from neurolake.catalog.models import AuditLog


def record_audit(session: Session, action: str, *, user_id: int | None = None, **details: Any) -> AuditLog:
    entry = AuditLog(user_id=user_id, action=action, details=details)
    session.add(entry)
    session.flush()
    return entry


def list_audit(
    session: Session,
    *,
    user_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[AuditLog]:
    stmt = select(AuditLog).order_by(AuditLog.timestamp.desc(), AuditLog.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(AuditLog.user_id == user_id)
    if action is not None:
        stmt = stmt.where(AuditLog.action == action)
    if since is not None:
        stmt = stmt.where(AuditLog.timestamp >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.timestamp < until)
    return list(session.scalars(stmt))
