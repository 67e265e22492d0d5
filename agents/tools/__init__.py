"""The agent's tools: a ``Tool`` abstraction, a registry, and the built-in tools."""

from agents.tools.base import Tool, ToolContext, ToolRegistry
from agents.tools.catalog import CreatePipelineTool, DescribeTableTool, SearchSchemaTool, TimeTravelTool
from agents.tools.query import GenerateSqlTool, OptimizeSqlTool, ParseIntentTool, RunSqlTool, ValidateSqlTool


def default_registry() -> ToolRegistry:
    """Every built-in tool, in the order a model sees them."""
    return ToolRegistry(
        [
            ParseIntentTool(),
            GenerateSqlTool(),
            ValidateSqlTool(),
            OptimizeSqlTool(),
            RunSqlTool(),
            DescribeTableTool(),
            SearchSchemaTool(),
            TimeTravelTool(),
            CreatePipelineTool(),
        ]
    )


__all__ = [
    "CreatePipelineTool",
    "DescribeTableTool",
    "GenerateSqlTool",
    "OptimizeSqlTool",
    "ParseIntentTool",
    "RunSqlTool",
    "SearchSchemaTool",
    "TimeTravelTool",
    "Tool",
    "ToolContext",
    "ToolRegistry",
    "ValidateSqlTool",
    "default_registry",
]
