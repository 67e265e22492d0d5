"""What the chat shows about the lakehouse's tables, read from the catalog."""

from __future__ import annotations

from dataclasses import dataclass

from app.escaping import escape_markdown, inline_code
from neurolake.catalog import Catalog
from neurolake.catalog.repositories import tables as tables_repo


@dataclass(frozen=True)
class ColumnSummary:
    name: str
    type: str
    description: str | None = None


@dataclass(frozen=True)
class TableSummary:
    """One table as the welcome message and ``/tables`` list it."""

    name: str
    rows: int | None
    version: int
    columns: tuple[ColumnSummary, ...]
    description: str | None = None

    def line(self) -> str:
        """``orders`` — 2,033 rows, version 1 (Markdown)."""
        rows = "rows unknown" if self.rows is None else f"{self.rows:,} row{'' if self.rows == 1 else 's'}"
        return f"{inline_code(self.name)} — {rows}, version {self.version}"


def table_summaries(catalog: Catalog) -> list[TableSummary]:
    """Every table in the catalog, by name (blocking: call it off the event loop)."""
    with catalog.session() as session:
        return [
            TableSummary(
                name=t.name,
                rows=t.row_count,
                version=t.current_version,
                columns=tuple(ColumnSummary(c.name, c.type, c.description) for c in t.columns),
                description=t.description,
            )
            for t in tables_repo.list_tables(session)
        ]


def tables_markdown(tables: list[TableSummary]) -> str:
    """A bullet list of the tables with their row counts."""
    if not tables:
        return "The lakehouse has no tables yet. Upload a CSV or Parquet file to create one."
    return "\n".join(f"- {t.line()}" for t in tables)


def describe_markdown(table: TableSummary) -> str:
    """A table's columns, types and descriptions as a Markdown table."""
    lines = [f"### {escape_markdown(table.name)}", "", table.line(), ""]
    if table.description:
        lines += [escape_markdown(table.description), ""]
    lines += ["| column | type | description |", "|---|---|---|"]
    for column in table.columns:
        lines.append(
            f"| {escape_markdown(column.name)} | {escape_markdown(column.type)} "
            f"| {escape_markdown(column.description or '')} |"
        )
    return "\n".join(lines)
