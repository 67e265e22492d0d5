"""``Tool``: one thing the agent can do, with a name, a description and typed arguments.

Each tool turns into a langchain-core ``StructuredTool`` bound to a ``ToolContext`` (the
services and the user of one run), so a chat model can call it; the fixed offline path
calls the same code directly. A tool answers with JSON text a model can read; a NeuroLake
error becomes an ``Error: ...`` answer the model can act on, never an exception.
"""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel

from neurolake.errors import NeuroLakeError

if TYPE_CHECKING:
    from agents.services import AgentServices
    from neurolake.catalog import User

log = logging.getLogger(__name__)


@dataclass
class ToolContext:
    """What a tool call runs with: the services, the user, and whether they may write."""

    services: AgentServices
    user: User | None = None
    can_write: bool = False


class Tool(ABC):
    """A capability of the agent; subclasses set ``name``, ``description``, ``args_schema``."""

    name: ClassVar[str]
    description: ClassVar[str]
    args_schema: ClassVar[type[BaseModel]]

    @abstractmethod
    def run(self, ctx: ToolContext, **arguments: Any) -> Any:
        """Do the work; return JSON-ready data (or raise a ``NeuroLakeError``)."""

    def call(self, ctx: ToolContext, **arguments: Any) -> str:
        """``run`` with its answer as text, and errors as an ``Error: ...`` answer."""
        try:
            output = self.run(ctx, **arguments)
        except NeuroLakeError as e:
            return f"Error: {e}"
        except Exception:  # a tool must answer the model, not crash the turn
            log.exception("tool %s failed", self.name)
            return f"Error: the {self.name} tool failed unexpectedly; try another approach."
        return output if isinstance(output, str) else json.dumps(output, default=str, ensure_ascii=False)

    def as_langchain(self, ctx: ToolContext) -> BaseTool:
        """This tool as a langchain-core tool bound to ``ctx``."""

        def invoke(**arguments: Any) -> str:
            return self.call(ctx, **arguments)

        return StructuredTool.from_function(
            func=invoke, name=self.name, description=self.description, args_schema=self.args_schema
        )


class ToolRegistry:
    """Tools by name, in registration order."""

    def __init__(self, tools: Iterable[Tool] = ()) -> None:
        self._tools: dict[str, Tool] = {}
        for tool in tools:
            self.register(tool)

    def register(self, tool: Tool) -> Tool:
        """Add ``tool``; a second tool with the same name is an error."""
        if tool.name in self._tools:
            raise ValueError(f"A tool named {tool.name!r} is already registered.")
        self._tools[tool.name] = tool
        return tool

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise KeyError(f"No tool named {name!r}; known: {', '.join(self._tools)}.") from None

    def names(self) -> list[str]:
        return list(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __len__(self) -> int:
        return len(self._tools)

    def langchain_tools(self, ctx: ToolContext, names: Iterable[str] | None = None) -> list[BaseTool]:
        """The tools (all, or those named) as langchain-core tools bound to ``ctx``."""
        chosen = self.names() if names is None else list(names)
        return [self.get(n).as_langchain(ctx) for n in chosen]
