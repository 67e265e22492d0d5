"""The model path: a chat model writes the SQL, calling the agent's tools as it likes.

The model gets the schema, approved examples from memory, the conversation so far and
the parser's draft; it may call tools (describe a table, search the schema, validate or
run SQL...) for a few rounds, then answers with one SQL statement. Anything unusable
(no SQL, a provider failure) returns None and the caller keeps the parser's SQL.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool

from neurolake.errors import NeuroLakeError
from neurolake.llm.output import OutputProblem, extract_sql

log = logging.getLogger(__name__)

#: Tool-calling rounds before the model must answer.
MAX_ROUNDS = 5
SYSTEM_PROMPT = """You are NeuroLake's analyst. Answer the user's question about the lakehouse with \
ONE read-only SQL query in the DuckDB dialect, qualifying every column with its table.
You may call the tools to look at tables, search the schema, or validate and try SQL.
When you are done, reply with only the final SQL in a ```sql block.

Tables:
{schema}
"""


@dataclass
class ModelAnswer:
    """The model's SQL (None when it gave none) and the conversation that led to it."""

    sql: str | None
    messages: list[BaseMessage] = field(default_factory=list)
    tools_called: list[str] = field(default_factory=list)
    problem: str | None = None


def write_sql(
    model: BaseChatModel,
    tools: Sequence[BaseTool],
    question: str,
    *,
    schema: str,
    draft_sql: str | None = None,
    examples: Sequence[tuple[str, str]] = (),
    history: Sequence[BaseMessage] = (),
    error: str | None = None,
    max_rounds: int = MAX_ROUNDS,
) -> ModelAnswer:
    """Ask ``model`` (with ``tools``) for the SQL of ``question``; see the module docstring."""
    system = SYSTEM_PROMPT.format(schema=schema)
    if examples:
        system += "\nApproved answers to similar questions:\n" + "\n".join(f"Q: {q}\nSQL: {s}" for q, s in examples)
    ask = question
    if draft_sql:
        ask += f"\n\nThe built-in parser suggests:\n```sql\n{draft_sql}\n```\nKeep it if it answers the question."
    if error:
        ask += f"\n\nThat SQL failed: {error}\nWrite a corrected query."
    messages: list[BaseMessage] = [SystemMessage(system), *history, HumanMessage(ask)]
    by_name = {t.name: t for t in tools}
    bound = model.bind_tools(list(tools)) if tools else model
    called: list[str] = []
    try:
        for _ in range(max_rounds):
            reply = bound.invoke(messages)
            if not isinstance(reply, AIMessage):
                reply = AIMessage(content=str(getattr(reply, "content", reply)))
            messages.append(reply)
            if not reply.tool_calls:
                return _final(reply, messages, called)
            for call in reply.tool_calls:
                called.append(call["name"])
                tool = by_name.get(call["name"])
                content = (
                    tool.invoke(call["args"]) if tool is not None else f"Error: there is no tool {call['name']!r}."
                )
                messages.append(ToolMessage(content=str(content), tool_call_id=call.get("id") or call["name"]))
    except (NeuroLakeError, OSError) as e:
        log.warning("the model could not write the SQL: %s", e)
        return ModelAnswer(None, messages, called, problem=str(e))
    return ModelAnswer(None, messages, called, problem=f"no answer after {max_rounds} tool rounds")


def _final(reply: AIMessage, messages: list[BaseMessage], called: list[str]) -> ModelAnswer:
    try:
        return ModelAnswer(extract_sql(reply.text), messages, called)
    except OutputProblem as e:
        return ModelAnswer(None, messages, called, problem=str(e))
