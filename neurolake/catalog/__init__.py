"""The catalog: SQLAlchemy models, migrations and repository functions."""

from neurolake.catalog.database import Catalog
from neurolake.catalog.models import (
    AuditLog,
    Base,
    CatalogColumn,
    CatalogTable,
    Pipeline,
    QueryHistory,
    QueryTemplate,
    User,
)
from neurolake.catalog.repositories.tables import ColumnSpec

__all__ = [
    "AuditLog",
    "Base",
    "Catalog",
    "CatalogColumn",
    "CatalogTable",
    "ColumnSpec",
    "Pipeline",
    "QueryHistory",
    "QueryTemplate",
    "User",
]
