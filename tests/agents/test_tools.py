"""The tool registry and each built-in tool, called as langchain-core tools on the demo lakehouse."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from agents import ConversationService, Tool, ToolRegistry, default_registry
from agents.tools import ToolContext
from neurolake.catalog import User
from neurolake.catalog.repositories import users as users_repo
from neurolake.platform import NeuroLake

NAMES = [
    "parse_intent",
    "generate_sql",
    "validate_sql",
    "optimize_sql",
    "run_sql",
    "describe_table",
    "search_schema",
    "time_travel",
    "create_pipeline",
]


@pytest.fixture
def tools(make_service: Callable[..., ConversationService]) -> dict[str, BaseTool]:
    service = make_service()
    return {t.name: t for t in default_registry().langchain_tools(ToolContext(service.services))}


def call(tools: dict[str, BaseTool], name: str, **args: Any) -> Any:
    text = tools[name].invoke(args)
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def test_the_registry_holds_every_tool_with_a_description_and_argument_schema() -> None:
    registry = default_registry()

    assert registry.names() == NAMES and len(registry) == 9 and "run_sql" in registry
    for tool in registry:
        assert tool.description and issubclass(tool.args_schema, BaseModel)
        assert tool.args_schema.model_json_schema()["properties"]
    with pytest.raises(KeyError, match="No tool named 'nope'"):
        registry.get("nope")


def test_a_name_is_registered_once() -> None:
    class Echo(Tool):
        name = "echo"
        description = "Say it back."

        class args_schema(BaseModel):  # the attribute name Tool defines
            text: str

        def run(self, ctx: ToolContext, **arguments: Any) -> Any:
            return arguments["text"]

    registry = ToolRegistry([Echo()])
    with pytest.raises(ValueError, match="already registered"):
        registry.register(Echo())


def test_parse_and_generate(tools: dict[str, BaseTool]) -> None:
    parsed = call(tools, "parse_intent", question="revenue by country")
    generated = call(tools, "generate_sql", question="revenue by country")
    ambiguous = call(tools, "generate_sql", question="how many are from Germany")

    assert parsed["intent"]["kind"] == "aggregation" and parsed["clarification"] is None
    assert generated["sql"].startswith("SELECT orders.country AS country, SUM(orders.total_amount)")
    assert ambiguous["sql"] is None and len(ambiguous["clarification"]["options"]) >= 2


def test_validate_optimize_and_run(tools: dict[str, BaseTool], lakehouse: NeuroLake) -> None:
    sql = "SELECT orders.channel, COUNT(*) AS n FROM orders GROUP BY orders.channel ORDER BY n DESC"

    assert call(tools, "validate_sql", sql=sql) == "valid"
    assert call(tools, "validate_sql", sql="SELECT orders.nope FROM orders").startswith("Error: There is no column")
    assert call(tools, "validate_sql", sql="DELETE FROM orders").startswith("Error:")
    assert "orders@v1" in call(tools, "optimize_sql", sql=sql)["plan"]
    ran = call(tools, "run_sql", sql=sql, limit=2)
    assert ran["columns"] == ["channel", "n"] and len(ran["rows"]) == 2 and ran["truncated"]
    assert call(tools, "run_sql", sql="DELETE FROM orders").startswith("Error:")
    assert lakehouse.storage.current_version("orders") == 1


def test_describe_and_search(tools: dict[str, BaseTool]) -> None:
    described = call(tools, "describe_table", table="customers")
    assert described["version"] == 1 and "segment" in [c["name"] for c in described["columns"]]
    assert call(tools, "describe_table", table="clients").startswith("Error: There is no table 'clients'")
    found = call(tools, "search_schema", query="customer segment")
    assert {"kind": "column", "table": "customers", "column": "segment"} in found


def test_time_travel(tools: dict[str, BaseTool], lakehouse: NeuroLake) -> None:
    history = call(tools, "time_travel", table="products")
    assert [h["version"] for h in history] == [1, 0]

    old = call(tools, "time_travel", table="products", version=0, limit=50)
    assert "VERSION AS OF 0" in old["sql"] and len(old["rows"]) == 40
    now = lakehouse.engine.execute_sql("SELECT count(*) FROM products").rows[0][0]
    assert now == 40


def test_create_pipeline_needs_write_permission_and_a_valid_definition(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake
) -> None:
    service = make_service()
    with lakehouse.catalog.session() as session:
        admin: User = users_repo.create_user(session, "pipeline_admin", role="admin")[0]
    registry = default_registry()
    anonymous = registry.get("create_pipeline")
    args = {"name": "channel_counts", "sql": "SELECT orders.channel, COUNT(*) FROM orders GROUP BY 1"}

    refused = anonymous.call(ToolContext(service.services), schedule="0 6 * * *", **args)
    bad_cron = anonymous.call(ToolContext(service.services, admin, True), schedule="every day", **args)
    bad_sql = anonymous.call(
        ToolContext(service.services, admin, True), name="x", sql="SELECT nope FROM orders", schedule="0 6 * * *"
    )
    saved = json.loads(anonymous.call(ToolContext(service.services, admin, True), schedule="0 6 * * *", **args))
    again = anonymous.call(ToolContext(service.services, admin, True), schedule="0 6 * * *", **args)
    active = json.loads(
        anonymous.call(
            ToolContext(service.services, admin, True), schedule="0 6 * * *", activate=True, **{**args, "name": "c2"}
        )
    )

    assert refused.startswith("Error: Creating a pipeline needs write permission")
    assert bad_cron.startswith("Error: The pipeline is not valid: schedule") and bad_sql.startswith(
        "Error: There is no column"
    )
    assert saved["status"] == "paused" and saved["target_table"] == "channel_counts" and saved["next_run_at"] is None
    assert "already exists" in again
    assert active["status"] == "active" and active["next_run_at"] is not None
    with lakehouse.catalog.session() as session:
        from neurolake.pipelines.store import get_pipeline

        stored = get_pipeline(session, "channel_counts")
        assert stored is not None and stored.definition["mode"] == "overwrite"
