"""A local (or remote) Ollama server's ``/api/chat``, on the official ``ollama`` client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import ollama
from pydantic import SecretStr

from neurolake.llm.base import Message, TokenUsage
from neurolake.llm.providers.remote import ChatRequest, RawReply, RawToolCall, RemoteProvider
from neurolake.llm.ratelimit import RateLimiter
from neurolake.llm.retry import Failure, RetryPolicy
from neurolake.llm.secrets import redactor

DEFAULT_HOST = "http://127.0.0.1:11434"


class OllamaProvider(RemoteProvider):
    """``POST {host}/api/chat``. Needs no key; one is sent as a bearer token when given."""

    name = "ollama"
    default_model = "llama3.1"

    def __init__(
        self,
        *,
        host: str | None = None,
        model: str | None = None,
        api_key: SecretStr | None = None,
        timeout_s: float = 60.0,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        host = host or DEFAULT_HOST
        super().__init__(
            model=model,
            base_url=host,
            limiter=limiter,
            retry=retry or RetryPolicy(),
            redact=redactor(api_key),
        )
        headers = {"authorization": f"Bearer {api_key.get_secret_value()}"} if api_key else None
        self._client = ollama.Client(host=host, timeout=timeout_s, headers=headers)
        self._timeout_s = timeout_s

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in request.messages],
            "options": {"temperature": request.temperature, "num_predict": request.max_tokens},
        }
        if request.tools:
            # The client keeps only flat parameter schemas (type, description, enum, items).
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in request.tools
            ]
        if request.schema is not None:
            kwargs["format"] = request.schema.json_schema
        return kwargs

    def _send(self, request: ChatRequest) -> RawReply:
        response = self._client.chat(**self._arguments(request), stream=False)
        calls = [
            RawToolCall(id=f"call_{i}", name=c.function.name, arguments=dict(c.function.arguments))
            for i, c in enumerate(response.message.tool_calls or ())
        ]
        return RawReply(
            text=response.message.content or "",
            tool_calls=calls,
            usage=_usage(response),
            finish_reason=response.done_reason,
            model=response.model,
        )

    def _send_stream(self, request: ChatRequest) -> Iterator[str | RawReply]:
        final = RawReply()
        for part in self._client.chat(**self._arguments(request), stream=True):
            if part.message.content:
                yield part.message.content
            if part.done:
                final = RawReply(usage=_usage(part), finish_reason=part.done_reason, model=part.model)
        yield final

    def _classify(self, error: Exception) -> Failure | None:
        if isinstance(error, httpx.TimeoutException):
            return Failure(f"no answer within {self._timeout_s:g}s", retryable=True)
        if isinstance(error, ConnectionError | httpx.TransportError):
            return Failure(f"cannot connect to Ollama at {self.base_url}", retryable=True)
        if not isinstance(error, ollama.ResponseError):
            return None
        status = error.status_code
        return Failure(
            str(error.error),
            retryable=status in (408, 429) or status >= 500,
            status=status if status > 0 else None,
            hint=f"Is the model pulled? Run: ollama pull {self.model}" if status == 404 else None,
        )


def _usage(response: Any) -> TokenUsage:
    return TokenUsage(
        input_tokens=response.prompt_eval_count or 0,
        output_tokens=response.eval_count or 0,
    )


def _message(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.role == "tool" and message.name:
        out["tool_name"] = message.name
    if message.tool_calls:
        out["tool_calls"] = [{"function": {"name": c.name, "arguments": c.arguments}} for c in message.tool_calls]
    return out
