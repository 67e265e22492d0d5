"""Tools over questions and SQL: parse, generate, validate, optimize, run."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from agents.tools.base import Tool, ToolContext

#: Rows a tool hands a model at most (a model reads rows as tokens).
TOOL_ROWS = 50


class QuestionArgs(BaseModel):
    question: str = Field(description="A question about the data, in plain English.")


class SqlArgs(BaseModel):
    sql: str = Field(description="One read-only SQL statement (DuckDB dialect).")


class RunSqlArgs(SqlArgs):
    limit: int = Field(20, ge=1, le=TOOL_ROWS, description="How many rows to return.")


class ParseIntentTool(Tool):
    name = "parse_intent"
    description = (
        "Read a question into its intent: tables, measures, groups, filters, period, ordering, "
        "and whether it needs a clarification. Use it to see how the question maps to the schema."
    )
    args_schema = QuestionArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        intent = ctx.services.parser.parse(arguments["question"])
        clarification = intent.clarification
        return {
            "intent": intent.summary(),
            "clarification": clarification.model_dump() if clarification is not None else None,
        }


class GenerateSqlTool(Tool):
    name = "generate_sql"
    description = (
        "Write the SQL for a question with the built-in parser (validated against the catalog). "
        "Returns the SQL, or the clarification the question needs."
    )
    args_schema = QuestionArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        parser = ctx.services.parser
        intent = parser.parse(arguments["question"])
        if intent.refusal is not None:
            return {"sql": None, "refusal": intent.refusal}
        if intent.needs_clarification and intent.clarification is not None:
            return {"sql": None, "clarification": intent.clarification.model_dump()}
        return {"sql": parser.sql_for(intent)}


class ValidateSqlTool(Tool):
    name = "validate_sql"
    description = (
        "Check that a SQL statement is read-only and names only tables and columns that exist. "
        "Returns 'valid' or what is wrong."
    )
    args_schema = SqlArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        ctx.services.parser.generator().check_sql(arguments["sql"])
        return "valid"


class OptimizeSqlTool(Tool):
    name = "optimize_sql"
    description = "Show the query plan of a SQL query: the table versions read and the optimizer's rewrites."
    args_schema = SqlArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        plan = ctx.services.engine.explain(arguments["sql"])
        return {"optimizer_changes": list(plan.optimizer_changes), "plan": plan.render()}


class RunSqlTool(Tool):
    name = "run_sql"
    description = (
        "Run one read-only SQL query through the result cache and the engine and return the first rows "
        "(columns, rows, row_count, truncated)."
    )
    args_schema = RunSqlArgs

    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        from neurolake.engine.serialize import table_rows

        sql = arguments["sql"]
        ctx.services.parser.generator().check_sql(sql)  # read-only and known names, before running
        result = ctx.services.engine.execute_sql(sql, limit=int(arguments.get("limit", 20)), user=ctx.user)
        return {
            "columns": result.columns,
            "rows": table_rows(result.table),
            "row_count": result.row_count,
            "truncated": result.truncated,
            "cache_hit": result.metrics.cache_hit,
        }
