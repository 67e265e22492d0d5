"""Query history: every query, failed ones included."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from neurolake.catalog.models import QueryHistory


def record_query(session: Session, **fields: Any) -> QueryHistory:
    """Store one query run; ``fields`` are ``QueryHistory`` columns."""
    entry = QueryHistory(**fields)
    session.add(entry)
    session.flush()
    return entry


def list_queries(
    session: Session,
    *,
    user_id: int | None = None,
    status: str | None = None,
    limit: int = 50,
) -> list[QueryHistory]:
    """Newest first; filtered to one user when ``user_id`` is given."""
    stmt = select(QueryHistory).order_by(QueryHistory.executed_at.desc(), QueryHistory.id.desc()).limit(limit)
    if user_id is not None:
        stmt = stmt.where(QueryHistory.user_id == user_id)
    if status is not None:
        stmt = stmt.where(QueryHistory.status == status)
    return list(session.scalars(stmt))
