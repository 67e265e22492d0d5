"""Catalog tables and their columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from neurolake.catalog.models import CatalogColumn, CatalogTable, utcnow


@dataclass(frozen=True)
class ColumnSpec:
    """A column as storage reports it."""

    name: str
    type: str
    nullable: bool = True
    description: str | None = None


def get_table(session: Session, name: str) -> CatalogTable | None:
    stmt = select(CatalogTable).options(selectinload(CatalogTable.columns)).where(CatalogTable.name == name)
    return session.scalars(stmt).one_or_none()


def list_tables(session: Session) -> list[CatalogTable]:
    stmt = select(CatalogTable).options(selectinload(CatalogTable.columns)).order_by(CatalogTable.name)
    return list(session.scalars(stmt))


def upsert_table(
    session: Session,
    name: str,
    *,
    location: str,
    version: int,
    columns: list[ColumnSpec],
    schema: dict[str, Any] | None = None,
    partition_by: list[str] | None = None,
    row_count: int | None = None,
    size_bytes: int | None = None,
    format: str = "delta",
) -> CatalogTable:
    """Register a table or refresh it; keeps column descriptions a person wrote."""
    table = get_table(session, name)
    if table is None:
        table = CatalogTable(name=name, location=location, format=format)
        session.add(table)
    old_descriptions = {c.name: c.description for c in table.columns}
    table.location = location
    table.current_version = version
    table.schema = schema or {c.name: c.type for c in columns}
    table.partition_by = list(partition_by or [])
    table.row_count = row_count
    table.size_bytes = size_bytes
    table.updated_at = utcnow()
    table.columns.clear()
    session.flush()
    for ordinal, col in enumerate(columns):
        table.columns.append(
            CatalogColumn(
                name=col.name,
                type=col.type,
                nullable=col.nullable,
                ordinal=ordinal,
                description=col.description or old_descriptions.get(col.name),
            )
        )
    session.flush()
    return table


def set_description(session: Session, table: str, description: str, *, column: str | None = None) -> None:
    """Describe a table or one of its columns (used by schema linking)."""
    found = get_table(session, table)
    if found is None:
        raise LookupError(table)
    if column is None:
        found.description = description
        return
    for col in found.columns:
        if col.name == column:
            col.description = description
            return
    raise LookupError(f"{table}.{column}")


def delete_table(session: Session, name: str) -> bool:
    table = get_table(session, name)
    if table is None:
        return False
    session.delete(table)
    return True
