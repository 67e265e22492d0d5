"""Catalog tables and their columns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
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


def catalog_stamp(session: Session) -> tuple[Any, ...]:
    """A cheap summary of the tables' catalog entries: it changes when a table is added, dropped,
    re-registered at a new version or described (one aggregate query, not the columns)."""
    stmt = select(
        func.count(CatalogTable.id), func.max(CatalogTable.updated_at), func.sum(CatalogTable.current_version)
    )
    return tuple(session.execute(stmt).one())


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
            found.updated_at = utcnow()  # the table's entry changed: see catalog_stamp
            return
    raise LookupError(f"{table}.{column}")


def delete_table(session: Session, name: str) -> bool:
    table = get_table(session, name)
    if table is None:
        return False
    session.delete(table)
    return True
