"""Any ``LLMProvider`` as a langchain-core chat model, for the LangGraph agent graph.

``bind_tools`` passes tools to the provider and returns its tool calls on the ``AIMessage``;
``with_structured_output`` uses the provider's native structured output (a JSON schema) and
validates the answer, so it works with the offline provider too.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableLambda, RunnableMap, RunnablePassthrough
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from pydantic import BaseModel, ConfigDict, Field

from neurolake.llm.base import DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, LLMResponse, Message, ToolCall, ToolSpec
from neurolake.llm.output import OutputSchema, parse_json_text

_ROLES = {"system": "system", "human": "user", "user": "user", "ai": "assistant", "assistant": "assistant"}


class ProviderChatModel(BaseChatModel):
    """A chat model whose answers come from a NeuroLake provider."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    provider: Any = Field(description="The LLMProvider that answers")
    prompt: Any = Field(None, description="RenderedPrompt recorded with each call (and used offline)")
    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS

    @property
    def _llm_type(self) -> str:
        return f"neurolake-{self.provider.name}"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"provider": self.provider.name, "model": self.provider.model}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        response = self.provider.complete(
            to_provider_messages(messages),
            response_schema=kwargs.get("response_schema"),
            tools=kwargs.get("tools"),
            temperature=kwargs.get("temperature", self.temperature),
            max_tokens=kwargs.get("max_tokens", self.max_tokens),
            prompt=kwargs.get("prompt", self.prompt),
        )
        return ChatResult(generations=[ChatGeneration(message=to_ai_message(response))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        if kwargs.get("tools") or kwargs.get("response_schema") is not None:
            # Tool calls and structured answers arrive whole: one chunk.
            message = self._generate(messages, stop, run_manager, **kwargs).generations[0].message
            yield ChatGenerationChunk(message=AIMessageChunk(**message.model_dump(exclude={"type"})))
            return
        pieces = self.provider.stream(
            to_provider_messages(messages),
            temperature=kwargs.get("temperature", self.temperature),
            max_tokens=kwargs.get("max_tokens", self.max_tokens),
            prompt=kwargs.get("prompt", self.prompt),
        )
        for piece in pieces:
            if run_manager is not None:
                run_manager.on_llm_new_token(piece)
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))
        final = getattr(pieces, "response", None)
        if isinstance(final, LLMResponse):
            yield ChatGenerationChunk(
                message=AIMessageChunk(content="", usage_metadata=_usage(final), response_metadata=_metadata(final))
            )

    def bind_tools(
        self,
        tools: Sequence[builtins.dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Offer ``tools`` to the model; the model decides whether to call one."""
        if tool_choice not in (None, "auto"):
            raise ValueError(f"tool_choice={tool_choice!r} is not supported; the model chooses (auto).")
        specs = [ToolSpec.from_any(convert_to_openai_tool(t)) for t in tools]
        return self.bind(tools=specs, **kwargs)

    def with_structured_output(
        self,
        schema: builtins.dict[str, Any] | type,
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, builtins.dict[str, Any] | BaseModel]:
        """Answers parsed and validated against ``schema`` (pydantic model, TypedDict, JSON schema)."""
        kwargs.pop("method", None)  # one method: the provider's native structured output
        kwargs.pop("strict", None)
        if kwargs:
            raise ValueError(f"Unsupported arguments: {sorted(kwargs)}")
        if isinstance(schema, type) and issubclass(schema, BaseModel):
            output = OutputSchema.of(schema)
        else:
            output = OutputSchema.of(convert_to_json_schema(schema))
        model = self.bind(response_schema=output.model or output.json_schema)
        parser = RunnableLambda(lambda message: output.validate(parse_json_text(message.text)))
        if not include_raw:
            return model | parser
        parse = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        give_up = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=model) | parse.with_fallbacks([give_up], exception_key="parsing_error")


def to_provider_messages(messages: Sequence[BaseMessage]) -> list[Message]:
    """langchain messages to NeuroLake ``Message`` objects."""
    converted = []
    for message in messages:
        text = str(message.text)
        if isinstance(message, ToolMessage):
            converted.append(Message.tool(text, tool_call_id=message.tool_call_id, name=message.name))
        elif isinstance(message, AIMessage):
            calls = [
                ToolCall(id=c["id"] or f"call_{i}", name=c["name"], arguments=c["args"])
                for i, c in enumerate(message.tool_calls)
            ]
            converted.append(Message.assistant(text, calls))
        elif isinstance(message, SystemMessage | HumanMessage):
            converted.append(Message(role=_ROLES[message.type], content=text))
        elif isinstance(message, ChatMessage) and message.role in _ROLES:
            converted.append(Message(role=_ROLES[message.role], content=text))
        else:
            raise ValueError(f"Cannot send a {type(message).__name__} to a NeuroLake provider.")
    return converted


def to_ai_message(response: LLMResponse) -> AIMessage:
    """An ``AIMessage`` with the text, tool calls, token usage and provider details."""
    return AIMessage(
        content=response.text,
        tool_calls=[
            {"name": c.name, "args": c.arguments, "id": c.id, "type": "tool_call"} for c in response.tool_calls
        ],
        usage_metadata=_usage(response),
        response_metadata=_metadata(response),
    )


def _usage(response: LLMResponse) -> Any:
    usage = response.usage
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "total_tokens": usage.total_tokens,
    }


def _metadata(response: LLMResponse) -> dict[str, Any]:
    return {
        "provider": response.provider,
        "model_name": response.model,
        "prompt_name": response.prompt_name,
        "prompt_version": response.prompt_version,
        "finish_reason": response.finish_reason,
        "latency_s": response.latency_s,
        "attempts": response.attempts,
    }
