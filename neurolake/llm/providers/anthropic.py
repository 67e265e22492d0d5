"""Anthropic messages, on the official ``anthropic`` client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic

from neurolake.llm.base import Message, TokenUsage
from neurolake.llm.providers.remote import ChatRequest, KeyedProvider, RawReply, RawToolCall
from neurolake.llm.retry import Failure, parse_retry_after

#: HTTP statuses worth retrying: rate limited, timeouts, server errors, 529 overloaded.
RETRYABLE = frozenset({408, 409, 429, 500, 502, 503, 504, 529})
RETRYABLE_TYPES = frozenset({"overloaded_error", "rate_limit_error", "api_error", "timeout_error"})


class AnthropicProvider(KeyedProvider):
    """``POST {base_url}/v1/messages``; ``base_url`` defaults to https://api.anthropic.com."""

    name = "anthropic"
    default_model = "claude-haiku-4-5"

    _client: anthropic.Anthropic

    def _make_client(self, api_key: str, base_url: str | None, timeout_s: float) -> anthropic.Anthropic:
        return anthropic.Anthropic(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        system = "\n\n".join(m.content for m in request.messages if m.role == "system")
        kwargs: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            # No temperature: the Messages API of this client version has no such parameter.
            "messages": [_message(m) for m in request.messages if m.role != "system"],
        }
        if system:
            kwargs["system"] = system
        if request.tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in request.tools
            ]
        if request.schema is not None:
            kwargs["output_config"] = {"format": {"type": "json_schema", "schema": request.schema.json_schema}}
        return kwargs

    def _send(self, request: ChatRequest) -> RawReply:
        message = self._client.messages.create(**self._arguments(request), stream=False)
        texts = [block.text for block in message.content if block.type == "text"]
        calls = [
            RawToolCall(id=block.id, name=block.name, arguments=dict(block.input))
            for block in message.content
            if block.type == "tool_use"
        ]
        return RawReply(
            text="".join(texts),
            tool_calls=calls,
            usage=TokenUsage(input_tokens=message.usage.input_tokens, output_tokens=message.usage.output_tokens),
            finish_reason=message.stop_reason,
            model=message.model,
        )

    def _send_stream(self, request: ChatRequest) -> Iterator[str | RawReply]:
        events = self._client.messages.create(**self._arguments(request), stream=True)
        final = RawReply()
        with events:
            for event in events:
                if event.type == "message_start":
                    final.model = event.message.model
                    final.usage = TokenUsage(input_tokens=event.message.usage.input_tokens)
                elif event.type == "content_block_delta" and event.delta.type == "text_delta":
                    yield event.delta.text
                elif event.type == "message_delta":
                    final.finish_reason = event.delta.stop_reason
                    final.usage = TokenUsage(
                        input_tokens=event.usage.input_tokens or final.usage.input_tokens,
                        output_tokens=event.usage.output_tokens,
                    )
        yield final

    def _classify(self, error: Exception) -> Failure | None:
        if isinstance(error, anthropic.APITimeoutError):
            return Failure(f"no answer within {self._timeout_s:g}s", retryable=True)
        if isinstance(error, anthropic.APIConnectionError):
            return Failure(f"cannot connect to {self.base_url or 'api.anthropic.com'}", retryable=True)
        if not isinstance(error, anthropic.APIStatusError):
            return Failure(error.message, retryable=False) if isinstance(error, anthropic.APIError) else None
        status = error.status_code
        message = error.api_message or error.message
        # Billing errors (402 billing_error, or a "credit balance is too low" refusal) need money, not time.
        if status == 402 or error.type == "billing_error" or "credit balance" in message.lower():
            return Failure(message, retryable=False, status=status, spend_limit=True)
        return Failure(
            message,
            # An error event inside a stream arrives with the stream's 200; its type tells.
            retryable=status in RETRYABLE or status >= 500 or error.type in RETRYABLE_TYPES,
            status=status,
            retry_after_s=parse_retry_after(error.response.headers),
            hint="Check NEUROLAKE_LLM__API_KEY or ANTHROPIC_API_KEY." if status in (401, 403) else None,
        )


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        result = {"type": "tool_result", "tool_use_id": message.tool_call_id or "", "content": message.content}
        return {"role": "user", "content": [result]}
    if message.role == "assistant" and message.tool_calls:
        blocks: list[dict[str, Any]] = [{"type": "text", "text": message.content}] if message.content else []
        blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in message.tool_calls]
        return {"role": "assistant", "content": blocks}
    return {"role": message.role, "content": message.content}
