"""What every networked provider shares: rate limit, retries, output checks, accounting.

A vendor module only translates: ``ChatRequest`` to its client's call, the reply to a
``RawReply``, and its exceptions to a ``Failure``. The official clients' own retries are off
(``max_retries=0``) so that ``RetryPolicy`` is the one policy.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, SecretStr

from neurolake.errors import ProviderError
from neurolake.llm.base import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    TRUNCATED_REASONS,
    LLMResponse,
    Message,
    MessagesInput,
    ResponseSchema,
    TextStream,
    TokenUsage,
    ToolCall,
    ToolSpec,
    as_messages,
)
from neurolake.llm.observe import metered, record_failure, record_response
from neurolake.llm.output import (
    OutputProblem,
    OutputSchema,
    complete_with_repair,
    parse_json_text,
    parse_structured,
)
from neurolake.llm.prompts import RenderedPrompt
from neurolake.llm.ratelimit import RateLimiter
from neurolake.llm.retry import Failure, RetryPolicy
from neurolake.llm.secrets import redactor

log = logging.getLogger(__name__)
_CHARS_PER_TOKEN = 4  # a rough, vendor-neutral estimate for the client-side token bucket


@dataclass(frozen=True)
class ChatRequest:
    """One call, in NeuroLake's terms, for a vendor module to translate."""

    messages: list[Message]
    tools: list[ToolSpec] = field(default_factory=list)
    schema: OutputSchema | None = None
    temperature: float = DEFAULT_TEMPERATURE
    max_tokens: int = DEFAULT_MAX_TOKENS

    def estimated_tokens(self) -> int:
        text = sum(len(m.content) for m in self.messages)
        text += len(json.dumps([t.parameters for t in self.tools]))
        text += len(json.dumps(self.schema.json_schema)) if self.schema else 0
        return text // _CHARS_PER_TOKEN + self.max_tokens


@dataclass(frozen=True)
class RawToolCall:
    """A tool call as the vendor sent it; arguments may still be an undecoded string."""

    id: str
    name: str
    arguments: str | Mapping[str, Any]


@dataclass
class RawReply:
    """A vendor reply before NeuroLake has checked it."""

    text: str = ""
    tool_calls: list[RawToolCall] = field(default_factory=list)
    usage: TokenUsage = field(default_factory=TokenUsage)
    finish_reason: str | None = None
    model: str | None = None

    def echo(self) -> str:
        """What the model said, for the repair round's assistant turn."""
        calls = "".join(f"\n[tool call {c.name} with arguments {_raw(c.arguments)}]" for c in self.tool_calls)
        return (self.text + calls).strip() or "(empty answer)"


class RemoteProvider(ABC):
    """Base of the OpenAI, Anthropic and Ollama providers."""

    name: str
    default_model: ClassVar[str]

    def __init__(
        self,
        *,
        model: str | None,
        base_url: str | None,
        limiter: RateLimiter | None,
        retry: RetryPolicy,
        redact: Callable[[str], str] = lambda s: s,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model or self.default_model
        self.base_url = base_url
        self.limiter = limiter
        self.retry = retry
        self._redact = redact
        self._clock = clock

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r})"

    def handles(self, prompt_name: str | None) -> bool:
        return True

    # -- what vendor modules implement -------------------------------------------------
    @abstractmethod
    def _send(self, request: ChatRequest) -> RawReply: ...

    @abstractmethod
    def _send_stream(self, request: ChatRequest) -> Iterator[str | RawReply]:
        """Text pieces, then (optionally) a ``RawReply`` with usage and finish reason."""

    @abstractmethod
    def _classify(self, error: Exception) -> Failure | None:
        """A ``Failure`` for the vendor's errors; ``None`` for anything else (re-raised)."""

    # -- the provider contract ---------------------------------------------------------
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
        """One completion, rate limited and retried; structured output checked and repaired once."""
        specs = [ToolSpec.from_any(t) for t in tools or ()]
        schema = OutputSchema.of(response_schema) if response_schema is not None else None
        started = self._clock()
        attempts = 0

        def send(batch: list[Message]) -> RawReply:
            nonlocal attempts
            request = ChatRequest(batch, specs, schema, temperature, max_tokens)
            reply, made = self._call(request)
            attempts += made
            return reply

        result, replies = complete_with_repair(
            as_messages(messages),
            send,
            lambda reply: self._interpret(reply, schema),
            echo=RawReply.echo,
            expected="a JSON object that matches the requested schema" if schema else "well-formed tool calls",
            who=f"{self.name} model {self.model}",
        )
        usage = sum((r.usage for r in replies), TokenUsage())
        response = result.model_copy(
            update={
                "usage": usage,
                "attempts": attempts,
                "latency_s": self._clock() - started,
                "prompt_name": prompt.name if prompt else None,
                "prompt_version": prompt.version if prompt else None,
            }
        )
        log.debug(
            "%s %s prompt=%s v%s attempts=%d tokens=%d+%d latency=%.3fs",
            self.name, response.model, response.prompt_name, response.prompt_version, attempts,
            usage.input_tokens, usage.output_tokens, response.latency_s,
        )  # fmt: skip
        return response

    def stream(
        self,
        messages: MessagesInput,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> TextStream:
        """Text pieces; failures before the first piece are retried, later ones are not."""
        request = ChatRequest(as_messages(messages), temperature=temperature, max_tokens=max_tokens)
        started = self._clock()
        cost = request.estimated_tokens()

        def open_stream() -> tuple[str | RawReply | None, Iterator[str | RawReply]]:
            if self.limiter is not None:
                self.limiter.acquire(cost)
            items = iter(self._send_stream(request))
            return next(items, None), items

        try:
            (first, rest), attempts = self.retry.run(
                open_stream, self._classify, provider=self.name, redact=self._redact
            )
        except Exception as e:
            record_failure(self.name, self.model, prompt, self._clock() - started, e)
            raise
        final = RawReply()

        def pieces() -> Iterator[str]:
            nonlocal final
            head = [first] if first is not None else []
            try:
                for item in itertools.chain(head, rest):
                    if isinstance(item, RawReply):
                        final = item
                    elif item:
                        yield item
            except Exception as e:
                failure = self._classify(e)
                if failure is None:
                    raise
                raise ProviderError(f"{self.name} stream broke off: {self._redact(failure.message)}") from e

        def finish(text: str) -> LLMResponse:
            self._settle(cost, final.usage)
            return record_response(
                LLMResponse(
                    text=text,
                    usage=final.usage,
                    provider=self.name,
                    model=final.model or self.model,
                    prompt_name=prompt.name if prompt else None,
                    prompt_version=prompt.version if prompt else None,
                    latency_s=self._clock() - started,
                    finish_reason=final.finish_reason,
                    attempts=attempts,
                )
            )

        return TextStream(pieces(), finish)

    # -- shared machinery ----------------------------------------------------------------
    def _call(self, request: ChatRequest) -> tuple[RawReply, int]:
        cost = request.estimated_tokens()

        def attempt() -> RawReply:
            if self.limiter is not None:
                self.limiter.acquire(cost)
            return self._send(request)

        reply, attempts = self.retry.run(attempt, self._classify, provider=self.name, redact=self._redact)
        self._settle(cost, reply.usage)
        return reply, attempts

    def _settle(self, estimated: int, usage: TokenUsage) -> None:
        if self.limiter is not None and usage.total_tokens:
            self.limiter.settle(estimated, usage.total_tokens)

    def _interpret(self, reply: RawReply, schema: OutputSchema | None) -> LLMResponse:
        tool_calls = [ToolCall(id=c.id, name=c.name, arguments=_arguments(c)) for c in reply.tool_calls]
        parsed = None
        if schema is not None and not tool_calls:
            parsed = parse_structured(reply.text, schema, truncated=reply.finish_reason in TRUNCATED_REASONS)
        return LLMResponse(
            text=reply.text,
            parsed=parsed,
            tool_calls=tool_calls,
            usage=reply.usage,
            provider=self.name,
            model=reply.model or self.model,
            finish_reason=reply.finish_reason,
        )


class KeyedProvider(RemoteProvider):
    """A hosted provider reached with an API key through its official client (OpenAI, Anthropic)."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        model: str | None = None,
        base_url: str | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        super().__init__(
            model=model,
            base_url=base_url,
            limiter=limiter,
            retry=retry or RetryPolicy(),
            redact=redactor(api_key),
        )
        self._timeout_s = timeout_s
        self._client = self._make_client(api_key.get_secret_value(), base_url, timeout_s)

    @abstractmethod
    def _make_client(self, api_key: str, base_url: str | None, timeout_s: float) -> Any:
        """The vendor's client, with its own retries off: ``RetryPolicy`` is the one retry policy."""


def _raw(arguments: str | Mapping[str, Any]) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def _arguments(call: RawToolCall) -> dict[str, Any]:
    if isinstance(call.arguments, Mapping):
        return dict(call.arguments)
    if not call.arguments.strip():
        return {}
    try:
        value = parse_json_text(call.arguments)
    except OutputProblem as e:
        raise OutputProblem(f"the arguments of tool call {call.name} are not valid JSON ({e})") from e
    if not isinstance(value, dict):
        raise OutputProblem(f"the arguments of tool call {call.name} are not a JSON object")
    return value
