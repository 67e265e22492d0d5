"""The offline provider: no network, no key. It answers through handlers registered per prompt.

The offline question parser registers itself for ``intent_parsing`` (and whatever else it can
answer); a prompt nobody registered for fails with a message saying a model must be configured.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeAlias

from pydantic import BaseModel

from neurolake.errors import ProviderError
from neurolake.llm.base import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    LLMResponse,
    Message,
    MessagesInput,
    ResponseSchema,
    TextStream,
    ToolCall,
    ToolSpec,
    as_messages,
)
from neurolake.llm.observe import metered
from neurolake.llm.output import OutputProblem, OutputSchema, parse_json_text
from neurolake.llm.prompts import RenderedPrompt


@dataclass(frozen=True)
class OfflineRequest:
    """What a handler gets: the prompt (name, version, variables) and the call's options."""

    prompt: RenderedPrompt
    messages: list[Message]
    response_schema: OutputSchema | None = None
    tools: list[ToolSpec] = field(default_factory=list)


#: A handler answers with text, a JSON-able object, a pydantic model, tool calls, or a response.
OfflineAnswer: TypeAlias = str | Mapping[str, Any] | BaseModel | list[ToolCall] | LLMResponse
OfflineHandler: TypeAlias = Callable[[OfflineRequest], OfflineAnswer]


class OfflineProvider:
    """Answers prompts with registered Python handlers."""

    name = "offline"
    model = "offline"
    #: Handlers every offline provider uses; modules register theirs on import.
    _shared: ClassVar[dict[str, OfflineHandler]] = {}

    def __init__(self, handlers: Mapping[str, OfflineHandler] | None = None) -> None:
        self._own = dict(handlers or {})

    def __repr__(self) -> str:
        return f"OfflineProvider(prompts={sorted({*self._shared, *self._own})!r})"

    @classmethod
    def register(cls, prompt_name: str, handler: OfflineHandler) -> None:
        """Answer ``prompt_name`` with ``handler`` in every offline provider."""
        cls._shared[prompt_name] = handler

    @classmethod
    def unregister(cls, prompt_name: str) -> None:
        cls._shared.pop(prompt_name, None)

    def handler_for(self, prompt_name: str | None) -> OfflineHandler | None:
        if prompt_name is None:
            return None
        return self._own.get(prompt_name) or self._shared.get(prompt_name)

    def handles(self, prompt_name: str | None) -> bool:
        return self.handler_for(prompt_name) is not None

    @metered
    def complete(
        self,
        messages: MessagesInput,
        *,
        response_schema: ResponseSchema | None = None,
        tools: Sequence[ToolSpec | Mapping[str, Any] | type[BaseModel]] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> LLMResponse:
        """Call the prompt's handler; without one, say that a model provider is needed."""
        handler = self.handler_for(prompt.name if prompt else None)
        if handler is None or prompt is None:
            what = f"prompt {prompt.name!r}" if prompt else "a request without a prompt name"
            raise ProviderError(
                f"The offline provider cannot answer {what}.",
                hint="Configure a model provider: set NEUROLAKE_LLM__PROVIDER to openai, anthropic or ollama.",
            )
        schema = OutputSchema.of(response_schema) if response_schema is not None else None
        request = OfflineRequest(prompt, as_messages(messages), schema, [ToolSpec.from_any(t) for t in tools or ()])
        started = time.perf_counter()
        answer = handler(request)
        response = self._response(answer, schema, prompt)
        return response.model_copy(update={"latency_s": time.perf_counter() - started})

    def stream(
        self,
        messages: MessagesInput,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> TextStream:
        """The handler's whole answer as one piece."""
        response = self.complete(messages, temperature=temperature, max_tokens=max_tokens, prompt=prompt)
        pieces: Iterator[str] = iter([response.text] if response.text else [])
        return TextStream(pieces, lambda _text: response)

    def _response(self, answer: OfflineAnswer, schema: OutputSchema | None, prompt: RenderedPrompt) -> LLMResponse:
        base: dict[str, Any] = {
            "provider": self.name,
            "model": self.model,
            "prompt_name": prompt.name,
            "prompt_version": prompt.version,
        }
        if isinstance(answer, LLMResponse):
            return answer.model_copy(update=base)
        if isinstance(answer, list):
            return LLMResponse(tool_calls=answer, finish_reason="tool_calls", **base)
        if isinstance(answer, str):
            parsed = self._check(schema, answer) if schema else None
            return LLMResponse(text=answer, parsed=parsed, finish_reason="stop", **base)
        data = answer.model_dump(mode="json") if isinstance(answer, BaseModel) else dict(answer)
        parsed = self._check(schema, data) if schema else answer
        return LLMResponse(text=json.dumps(data), parsed=parsed, finish_reason="stop", **base)

    def _check(self, schema: OutputSchema, answer: Any) -> Any:
        try:
            data = parse_json_text(answer) if isinstance(answer, str) else answer
            return schema.validate(data)
        except OutputProblem as e:
            # A handler is our own code: a wrong answer is a bug, not something to repair.
            raise ProviderError(f"The offline handler's answer does not fit the schema: {e}.") from e
