"""Tools over the catalog and storage: describe tables, search the schema, time travel,
create a pipeline (through ``neurolake.pipelines``)."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field

from agents.tools.base import Tool, ToolContext
from neurolake.errors import NeuroLakeError, NotFoundError, PermissionDeniedError, QueryValidationError


class TableArgs(BaseModel):
    table: str = Field(description="A table name from the catalog.")


class SearchArgs(BaseModel):
    query: str = Field(description="Words describing the data you look for, e.g. 'customer country'.")
    k: int = Field(5, ge=1, le=20, description="How many matches to return.")


class TimeTravelArgs(BaseModel):
    table: str = Field(description="A table name from the catalog.")
    version: int | None = Field(None, ge=0, description="Read the table as of this version.")
    timestamp: str | None = Field(None, description="Read the table as of this time (ISO 8601).")
    limit: int = Field(10, ge=1, le=50, description="Rows to return when reading an old version.")


class PipelineArgs(BaseModel):
    name: str = Field(description="A short identifier for the pipeline, e.g. revenue_by_country_daily.")
    sql: str = Field(description="The read-only query whose result the pipeline writes.")
    schedule: str = Field(description="A cron expression (UTC), e.g. '0 6 * * *' for every day at 06:00.")
    target_table: str | None = Field(None, description="The table to write; default: the pipeline's name.")
    activate: bool = Field(False, description="Schedule it now; by default it is saved paused.")


class DescribeTableTool(Tool):
    name = "describe_table"
    description = "Describe a table: its description, version, row count and each column's name, type and meaning."
    args_schema = TableArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        from neurolake.catalog.repositories import tables as tables_repo

        name = arguments["table"]
        with ctx.services.catalog.session() as session:
            row = tables_repo.get_table(session, name)
            if row is None:
                known = ", ".join(t.name for t in tables_repo.list_tables(session))
                raise NotFoundError(f"There is no table {name!r}.", hint=f"Tables: {known}.")
            return {
                "table": row.name,
                "description": row.description,
                "version": row.current_version,
                "row_count": row.row_count,
                "columns": [{"name": c.name, "type": c.type, "description": c.description} for c in row.columns],
            }


class SearchSchemaTool(Tool):
    name = "search_schema"
    description = "Find the tables and columns that match some words, by meaning (embeddings) or by name."
    args_schema = SearchArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        query, k = arguments["query"], int(arguments.get("k", 5))
        index = ctx.services.schema_index()
        if index is not None:
            try:
                matches = index.search(query, k=k)
                return [
                    {"kind": m.kind, "table": m.table, "column": m.column, "score": round(m.score, 3)} for m in matches
                ]
            except NeuroLakeError:
                pass  # fall back to names
        return _lexical_search(ctx, query, k)


class TimeTravelTool(Tool):
    name = "time_travel"
    description = (
        "A table's history (versions, times, operations), or, with a version or timestamp, its rows as they were then."
    )
    args_schema = TimeTravelArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        from neurolake.engine.serialize import table_rows
        from neurolake.intent.model import Intent, IntentKind, TimeTravel

        table, version, timestamp = arguments["table"], arguments.get("version"), arguments.get("timestamp")
        if version is None and not timestamp:
            if ctx.services.storage is None:
                raise NeuroLakeError("Table history needs the storage manager.")
            return [
                {"version": h["version"], "timestamp": str(h["timestamp"]), "operation": h["operation"]}
                for h in ctx.services.storage.history(table, limit=20)
            ]
        intent = Intent(
            kind=IntentKind.TIME_TRAVEL,
            tables=[table],
            time_travel=TimeTravel(version=version, timestamp=timestamp),
        )
        sql = ctx.services.parser.generate(intent)
        result = ctx.services.engine.execute_sql(sql, limit=int(arguments.get("limit", 10)), user=ctx.user)
        return {"sql": sql, "columns": result.columns, "rows": table_rows(result.table)}


class CreatePipelineTool(Tool):
    name = "create_pipeline"
    description = (
        "Save a pipeline: a read-only query, a cron schedule and a target table it overwrites on each run. "
        "It is saved paused unless activate is true; needs write permission."
    )
    args_schema = PipelineArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        from pydantic import ValidationError

        from neurolake.pipelines import PipelineSpec
        from neurolake.pipelines.store import create_pipeline

        if not ctx.can_write:
            raise PermissionDeniedError(
                "Creating a pipeline needs write permission.", hint="Ask an admin to create it for you."
            )
        sql = arguments["sql"]
        try:
            spec = PipelineSpec(
                name=arguments["name"],
                sql=sql,
                target_table=arguments.get("target_table") or arguments["name"],
                mode="overwrite",
                schedule=arguments["schedule"],
                status="active" if arguments.get("activate") else "paused",
                description="Created from a conversation.",
            )
        except ValidationError as e:
            problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            raise QueryValidationError(f"The pipeline is not valid: {problems}.") from e
        ctx.services.parser.generator().check_sql(sql)  # read-only, and every name known
        with ctx.services.catalog.session() as session:
            pipeline = create_pipeline(session, spec, sql=sql, owner_id=ctx.user.id if ctx.user is not None else None)
            next_run = pipeline.next_run_at.isoformat() if pipeline.next_run_at else None
        return {
            "pipeline": spec.name,
            "status": spec.status,
            "schedule": spec.schedule,
            "target_table": spec.target_table,
            "next_run_at": next_run if spec.status == "active" else None,
        }


def _lexical_search(ctx: ToolContext, query: str, k: int) -> list[dict[str, Any]]:
    words = {w for w in re.findall(r"[a-z0-9]+", query.lower()) if len(w) > 2}
    schema = ctx.services.parser.schema()
    scored: list[tuple[float, dict[str, Any]]] = []
    for table in schema.tables.values():
        table_hits = len(words & set(table.words)) + len(words & set(table.desc_words)) * 0.5
        if table_hits:
            scored.append((table_hits, {"kind": "table", "table": table.name, "column": None}))
        for col in table.columns:
            hits = len(words & set(col.words)) + len(words & set(col.desc_words)) * 0.5
            if hits:
                scored.append((hits, {"kind": "column", "table": table.name, "column": col.name}))
    scored.sort(key=lambda pair: -pair[0])
    return [item for _, item in scored[:k]]
