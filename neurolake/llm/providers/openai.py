"""OpenAI chat completions (and any server that speaks them), on the official ``openai`` client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai

from neurolake.llm.base import Message, TokenUsage
from neurolake.llm.providers.remote import ChatRequest, KeyedProvider, RawReply, RawToolCall
from neurolake.llm.retry import Failure, parse_retry_after

#: Error codes meaning the account is out of money or quota: waiting does not help.
SPEND_LIMIT_CODES = frozenset({"insufficient_quota", "billing_hard_limit_reached", "billing_not_active"})


class OpenAIProvider(KeyedProvider):
    """``POST {base_url}/chat/completions``; ``base_url`` defaults to https://api.openai.com/v1."""

    name = "openai"
    default_model = "gpt-4.1-mini"

    _client: openai.OpenAI

    def _make_client(self, api_key: str, base_url: str | None, timeout_s: float) -> openai.OpenAI:
        return openai.OpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0)

    def _arguments(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.model,
            "messages": [_message(m) for m in request.messages],
            "temperature": request.temperature,
            "max_completion_tokens": request.max_tokens,
        }
        if request.tools:
            kwargs["tools"] = [
                {
                    "type": "function",
                    "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
                }
                for t in request.tools
            ]
        if request.schema is not None:
            kwargs["response_format"] = {
                "type": "json_schema",
                # Not strict: strict mode refuses common schemas (optional fields); we validate.
                "json_schema": {"name": request.schema.name, "schema": request.schema.json_schema, "strict": False},
            }
        return kwargs

    def _send(self, request: ChatRequest) -> RawReply:
        completion = self._client.chat.completions.create(**self._arguments(request))
        if not completion.choices:
            return RawReply(model=completion.model, usage=_usage(completion.usage))
        choice = completion.choices[0]
        calls = [
            RawToolCall(id=c.id, name=c.function.name, arguments=c.function.arguments)
            for c in choice.message.tool_calls or ()
            if c.type == "function"
        ]
        return RawReply(
            text=choice.message.content or choice.message.refusal or "",
            tool_calls=calls,
            usage=_usage(completion.usage),
            finish_reason=choice.finish_reason,
            model=completion.model,
        )

    def _send_stream(self, request: ChatRequest) -> Iterator[str | RawReply]:
        chunks = self._client.chat.completions.create(
            **self._arguments(request), stream=True, stream_options={"include_usage": True}
        )
        final = RawReply()
        with chunks:
            for chunk in chunks:
                final.model = chunk.model or final.model
                if chunk.usage is not None:
                    final.usage = _usage(chunk.usage)
                for choice in chunk.choices:
                    final.finish_reason = choice.finish_reason or final.finish_reason
                    if choice.delta.content:
                        yield choice.delta.content
        yield final

    def _classify(self, error: Exception) -> Failure | None:
        if isinstance(error, openai.APITimeoutError):
            return Failure(f"no answer within {self._timeout_s:g}s", retryable=True)
        if isinstance(error, openai.APIConnectionError):
            return Failure(f"cannot connect to {self.base_url or 'api.openai.com'}", retryable=True)
        if not isinstance(error, openai.APIStatusError):
            # Any other client error (an error event inside a stream, a malformed body) is final.
            return Failure(error.message, retryable=False) if isinstance(error, openai.APIError) else None
        status = error.status_code
        body = error.body if isinstance(error.body, dict) else {}
        message = str(body.get("message") or error.message)
        if status == 429 and (error.code in SPEND_LIMIT_CODES or error.type in SPEND_LIMIT_CODES):
            return Failure(message, retryable=False, status=status, spend_limit=True)
        return Failure(
            message,
            retryable=status in (408, 409, 429) or status >= 500,
            status=status,
            retry_after_s=parse_retry_after(error.response.headers),
            hint="Check NEUROLAKE_LLM__API_KEY or OPENAI_API_KEY." if status in (401, 403) else None,
        )


def _usage(usage: Any) -> TokenUsage:
    if usage is None:
        return TokenUsage()
    return TokenUsage(input_tokens=usage.prompt_tokens or 0, output_tokens=usage.completion_tokens or 0)


def _message(message: Message) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id or "", "content": message.content}
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {
                "id": c.id,
                "type": "function",
                "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
            }
            for c in message.tool_calls
        ]
    return out
