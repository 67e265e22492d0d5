"""OpenAIProvider against a local server speaking the chat completions protocol."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr

from neurolake.errors import ModelOutputError, ProviderError, RateLimitError
from neurolake.llm.base import Message, ToolCall
from neurolake.llm.prompts import RenderedPrompt
from neurolake.llm.providers.openai import OpenAIProvider
from neurolake.llm.retry import RetryPolicy
from tests.llm.conftest import SECRET, RecordingSleep
from tests.llm.servers import OpenAIServer, Reply, openai_completion, openai_error, openai_stream


class CityCount(BaseModel):
    city: str
    count: int


@pytest.fixture
def provider(openai_server: OpenAIServer, secret: SecretStr, fast_retry: RetryPolicy) -> OpenAIProvider:
    return OpenAIProvider(api_key=secret, model="gpt-test", base_url=openai_server.base_url, retry=fast_retry)


def test_plain_completion_sends_the_conversation_and_reads_usage(
    provider: OpenAIProvider, openai_server: OpenAIServer
) -> None:
    openai_server.enqueue(Reply(body=openai_completion("Berlin.", prompt_tokens=21, completion_tokens=3)))
    prompt = RenderedPrompt(name="answer_summary", version=1, user="q")
    response = provider.complete(
        [Message.system("Be brief."), Message.user("Which city?")], temperature=0.2, max_tokens=50, prompt=prompt
    )
    assert response.text == "Berlin."
    assert (response.usage.input_tokens, response.usage.output_tokens) == (21, 3)
    assert (response.provider, response.model, response.finish_reason) == ("openai", "gpt-test", "stop")
    assert (response.prompt_name, response.prompt_version, response.attempts) == ("answer_summary", 1, 1)
    assert response.latency_s > 0
    sent = openai_server.requests[0]
    assert sent.path == "/v1/chat/completions"
    assert sent.headers["authorization"] == f"Bearer {SECRET}"
    assert sent.body["model"] == "gpt-test"
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Which city?"},
    ]
    assert (sent.body["temperature"], sent.body["max_completion_tokens"]) == (0.2, 50)
    assert "tools" not in sent.body and "response_format" not in sent.body


def test_structured_output_sends_the_schema_and_validates_the_answer(
    provider: OpenAIProvider, openai_server: OpenAIServer
) -> None:
    openai_server.enqueue(Reply(body=openai_completion('{"city": "Berlin", "count": 42}')))
    response = provider.complete("Biggest city?", response_schema=CityCount)
    assert response.parsed == CityCount(city="Berlin", count=42)
    response_format = openai_server.requests[0].body["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "CityCount"
    assert response_format["json_schema"]["schema"]["required"] == ["city", "count"]


def test_malformed_json_gets_one_repair_round(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(
        Reply(body=openai_completion('{"city": "Berlin", "count": "lots"}', prompt_tokens=10, completion_tokens=5)),
        Reply(body=openai_completion('{"city": "Berlin", "count": 42}', prompt_tokens=30, completion_tokens=6)),
    )
    response = provider.complete("Biggest city?", response_schema=CityCount)
    assert response.parsed == CityCount(city="Berlin", count=42)
    assert (response.usage.input_tokens, response.usage.output_tokens, response.attempts) == (40, 11, 2)
    repair = openai_server.requests[1].body["messages"]
    assert repair[1] == {"role": "assistant", "content": '{"city": "Berlin", "count": "lots"}'}
    assert "does not match the schema at count" in repair[2]["content"]


def test_truncated_json_twice_is_a_clear_error(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    cut = Reply(body=openai_completion('{"city": "Ber', finish_reason="length"))
    openai_server.enqueue(cut, cut)
    with pytest.raises(ModelOutputError, match="cut off at the token limit") as info:
        provider.complete("Biggest city?", response_schema=CityCount, max_tokens=5)
    assert "max_tokens" in str(info.value)
    assert len(openai_server.requests) == 2


def test_tool_calls_are_sent_and_decoded(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(
        Reply(body=openai_completion(None, tool_calls=[("call_1", "run_sql", '{"sql": "SELECT 1"}')]))
    )
    tool = {
        "name": "run_sql",
        "description": "Run SQL",
        "parameters": {"type": "object", "properties": {"sql": {"type": "string"}}},
    }
    response = provider.complete("one?", tools=[tool])
    assert response.tool_calls == [ToolCall(id="call_1", name="run_sql", arguments={"sql": "SELECT 1"})]
    assert response.finish_reason == "tool_calls" and response.text == ""
    assert openai_server.requests[0].body["tools"] == [{"type": "function", "function": tool}]


def test_tool_results_go_back_in_the_openai_shape(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    call = ToolCall(id="call_1", name="run_sql", arguments={"sql": "SELECT 1"})
    provider.complete([Message.user("one?"), Message.assistant("", [call]), Message.tool("1", tool_call_id="call_1")])
    messages = openai_server.requests[0].body["messages"]
    assert messages[1]["tool_calls"] == [
        {"id": "call_1", "type": "function", "function": {"name": "run_sql", "arguments": '{"sql": "SELECT 1"}'}}
    ]
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "1"}


def test_malformed_tool_arguments_are_repaired_once(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(
        Reply(body=openai_completion(None, tool_calls=[("c1", "run_sql", '{"sql": "SELECT 1"')])),
        Reply(body=openai_completion(None, tool_calls=[("c2", "run_sql", '{"sql": "SELECT 1"}')])),
    )
    response = provider.complete("one?", tools=[{"name": "run_sql", "parameters": {"type": "object"}}])
    assert response.tool_calls[0].arguments == {"sql": "SELECT 1"}
    assert (
        "arguments of tool call run_sql are not valid JSON" in openai_server.requests[1].body["messages"][-1]["content"]
    )


def test_streaming_yields_pieces_then_usage(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(openai_stream(["Ber", "lin", "."], usage=(13, 4)))
    stream = provider.stream("Which city?")
    assert list(stream) == ["Ber", "lin", "."]
    assert stream.response is not None
    assert stream.response.text == "Berlin."
    assert (stream.response.usage.input_tokens, stream.response.usage.output_tokens) == (13, 4)
    body = openai_server.requests[0].body
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_429_with_retry_after_is_retried_after_the_asked_wait(
    provider: OpenAIProvider, openai_server: OpenAIServer, sleeps: RecordingSleep
) -> None:
    openai_server.enqueue(
        openai_error(
            429, "Rate limit reached", type="requests", code="rate_limit_exceeded", headers={"retry-after-ms": "120"}
        ),
        Reply(body=openai_completion("ok")),
    )
    response = provider.complete("hi")
    assert response.text == "ok" and response.attempts == 2
    assert sleeps.waits == [0.12]
    # Only our policy retries: the client made exactly the requests we asked for.
    assert [r.headers["x-stainless-retry-count"] for r in openai_server.requests] == ["0", "0"]


def test_retry_after_in_seconds_is_honoured(
    provider: OpenAIProvider, openai_server: OpenAIServer, sleeps: RecordingSleep
) -> None:
    openai_server.enqueue(openai_error(503, "busy", headers={"Retry-After": "0"}), Reply(body=openai_completion("ok")))
    assert provider.complete("hi").text == "ok"
    assert sleeps.waits == [0.0]


def test_repeated_500_ends_in_provider_error_with_the_message(
    provider: OpenAIProvider, openai_server: OpenAIServer, sleeps: RecordingSleep
) -> None:
    openai_server.default = lambda _r: openai_error(500, "The server had an error processing your request.")
    with pytest.raises(
        ProviderError, match=r"openai failed after 4 attempts \(HTTP 500\): The server had an error"
    ) as info:
        provider.complete("hi")
    assert not isinstance(info.value, RateLimitError)
    assert len(openai_server.requests) == 4
    assert len(sleeps.waits) == 3
    assert sleeps.waits[0] < sleeps.waits[2]  # backoff grows (jitter never below half)


def test_insufficient_quota_is_not_retried(
    provider: OpenAIProvider, openai_server: OpenAIServer, sleeps: RecordingSleep
) -> None:
    openai_server.default = lambda _r: openai_error(
        429, "You exceeded your current quota, please check your plan and billing details.",
        type="insufficient_quota", code="insufficient_quota",
    )  # fmt: skip
    with pytest.raises(RateLimitError, match=r"spending limit reached.*exceeded your current quota"):
        provider.complete("hi")
    assert len(openai_server.requests) == 1 and sleeps.waits == []


def test_a_timeout_is_retried(openai_server: OpenAIServer, secret: SecretStr, fast_retry: RetryPolicy) -> None:
    provider = OpenAIProvider(api_key=secret, base_url=openai_server.base_url, timeout_s=0.3, retry=fast_retry)
    openai_server.enqueue(Reply(body=openai_completion("late"), delay_s=1.0), Reply(body=openai_completion("ok")))
    assert provider.complete("hi").text == "ok"
    assert len(openai_server.requests) == 2


def test_timeouts_until_the_end_say_so(openai_server: OpenAIServer, secret: SecretStr) -> None:
    retry = RetryPolicy(1, base_delay_s=0.01)
    provider = OpenAIProvider(api_key=secret, base_url=openai_server.base_url, timeout_s=0.2, retry=retry)
    openai_server.default = lambda _r: Reply(body=openai_completion("late"), delay_s=0.6)
    with pytest.raises(ProviderError, match=r"after 2 attempts: no answer within 0.2s"):
        provider.complete("hi")


def test_bad_request_is_not_retried(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(openai_error(400, "Invalid schema for response_format", type="invalid_request_error"))
    with pytest.raises(ProviderError, match=r"HTTP 400\): Invalid schema"):
        provider.complete("hi")
    assert len(openai_server.requests) == 1


def test_an_error_event_mid_stream_is_a_provider_error(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    events = openai_stream(["Ber"]).events or []
    openai_server.enqueue(
        Reply(events=[events[0], (None, {"error": {"message": "model crashed", "type": "server_error"}})])
    )
    stream = provider.stream("hi")
    assert next(stream) == "Ber"
    with pytest.raises(ProviderError, match="openai stream broke off: model crashed"):
        list(stream)
