"""Query templates: named SQL with declared parameters."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from neurolake.catalog.models import QueryTemplate


def save_template(
    session: Session,
    name: str,
    sql: str,
    *,
    parameters: dict[str, Any] | None = None,
    description: str | None = None,
) -> QueryTemplate:
    """Create the template ``name`` or replace its SQL, parameters and description."""
    template = get_template(session, name)
    if template is None:
        template = QueryTemplate(name=name)
        session.add(template)
    template.sql = sql
    template.parameters = dict(parameters or {})
    template.description = description
    session.flush()
    return template


def get_template(session: Session, name: str) -> QueryTemplate | None:
    return session.scalars(select(QueryTemplate).where(QueryTemplate.name == name)).one_or_none()


def list_templates(session: Session) -> list[QueryTemplate]:
    return list(session.scalars(select(QueryTemplate).order_by(QueryTemplate.name)))


def delete_template(session: Session, name: str) -> bool:
    """Remove a template; False when there was none."""
    template = get_template(session, name)
    if template is None:
        return False
    session.delete(template)
    return True
