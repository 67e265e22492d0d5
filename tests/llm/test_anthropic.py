"""AnthropicProvider against a local server speaking the messages protocol."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, SecretStr

from neurolake.errors import ProviderError, RateLimitError
from neurolake.llm.base import Message, ToolCall
from neurolake.llm.providers.anthropic import AnthropicProvider
from neurolake.llm.retry import RetryPolicy
from tests.llm.conftest import SECRET, RecordingSleep
from tests.llm.servers import AnthropicServer, Reply, anthropic_error, anthropic_message, anthropic_stream


class Diagnosis(BaseModel):
    category: str
    fix: str


@pytest.fixture
def provider(anthropic_server: AnthropicServer, secret: SecretStr, fast_retry: RetryPolicy) -> AnthropicProvider:
    return AnthropicProvider(api_key=secret, model="claude-test", base_url=anthropic_server.url, retry=fast_retry)


def test_plain_message_moves_system_out_and_reads_usage(
    provider: AnthropicProvider, anthropic_server: AnthropicServer
) -> None:
    anthropic_server.enqueue(Reply(body=anthropic_message("Berlin.", input_tokens=30, output_tokens=2)))
    response = provider.complete([Message.system("Be brief."), Message.user("Which city?")], max_tokens=64)
    assert response.text == "Berlin."
    assert (response.usage.input_tokens, response.usage.output_tokens) == (30, 2)
    assert (response.provider, response.model, response.finish_reason) == ("anthropic", "claude-test", "end_turn")
    sent = anthropic_server.requests[0]
    assert sent.path == "/v1/messages"
    assert SECRET in sent.headers.get("x-api-key", "") + sent.headers.get("authorization", "")
    assert sent.body["system"] == "Be brief."
    assert sent.body["messages"] == [{"role": "user", "content": "Which city?"}]
    assert (sent.body["model"], sent.body["max_tokens"]) == ("claude-test", 64)


def test_tool_use_blocks_become_tool_calls(provider: AnthropicProvider, anthropic_server: AnthropicServer) -> None:
    anthropic_server.enqueue(
        Reply(body=anthropic_message("Let me look.", tool_uses=[("toolu_1", "run_sql", {"sql": "SELECT 1"})]))
    )
    tool = {
        "name": "run_sql",
        "description": "Run SQL",
        "parameters": {"type": "object", "properties": {"sql": {"type": "string"}}},
    }
    response = provider.complete("one?", tools=[tool])
    assert response.tool_calls == [ToolCall(id="toolu_1", name="run_sql", arguments={"sql": "SELECT 1"})]
    assert response.text == "Let me look." and response.finish_reason == "tool_use"
    assert anthropic_server.requests[0].body["tools"] == [
        {"name": "run_sql", "description": "Run SQL", "input_schema": tool["parameters"]}
    ]


def test_tool_results_go_back_as_user_tool_result_blocks(
    provider: AnthropicProvider, anthropic_server: AnthropicServer
) -> None:
    call = ToolCall(id="toolu_1", name="run_sql", arguments={"sql": "SELECT 1"})
    provider.complete([Message.user("one?"), Message.assistant("", [call]), Message.tool("1", tool_call_id="toolu_1")])
    messages = anthropic_server.requests[0].body["messages"]
    assert messages[1] == {
        "role": "assistant",
        "content": [{"type": "tool_use", "id": "toolu_1", "name": "run_sql", "input": {"sql": "SELECT 1"}}],
    }
    assert messages[2] == {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "1"}],
    }


def test_structured_output_uses_output_config(provider: AnthropicProvider, anthropic_server: AnthropicServer) -> None:
    anthropic_server.enqueue(Reply(body=anthropic_message('{"category": "unknown_table", "fix": "use trips"}')))
    response = provider.complete("why?", response_schema=Diagnosis)
    assert response.parsed == Diagnosis(category="unknown_table", fix="use trips")
    output_format = anthropic_server.requests[0].body["output_config"]["format"]
    assert output_format["type"] == "json_schema" and output_format["schema"]["title"] == "Diagnosis"


def test_streaming_reads_text_deltas_and_usage(provider: AnthropicProvider, anthropic_server: AnthropicServer) -> None:
    anthropic_server.enqueue(anthropic_stream(["Ber", "lin"], usage=(25, 3)))
    stream = provider.stream("Which city?")
    assert list(stream) == ["Ber", "lin"]
    assert stream.response is not None and stream.response.finish_reason == "end_turn"
    assert (stream.response.usage.input_tokens, stream.response.usage.output_tokens) == (25, 3)
    assert anthropic_server.requests[0].body["stream"] is True


def test_529_overloaded_is_retried(
    provider: AnthropicProvider, anthropic_server: AnthropicServer, sleeps: RecordingSleep
) -> None:
    anthropic_server.enqueue(
        anthropic_error(529, "overloaded_error", "Overloaded"),
        anthropic_error(
            429, "rate_limit_error", "Number of requests has exceeded your rate limit", headers={"retry-after": "0.05"}
        ),
        Reply(body=anthropic_message("ok")),
    )
    response = provider.complete("hi")
    assert response.text == "ok" and response.attempts == 3
    assert len(sleeps.waits) == 2 and sleeps.waits[1] == 0.05
    assert [r.headers["x-stainless-retry-count"] for r in anthropic_server.requests] == ["0", "0", "0"]


def test_repeated_529_ends_in_provider_error(provider: AnthropicProvider, anthropic_server: AnthropicServer) -> None:
    anthropic_server.default = lambda _r: anthropic_error(529, "overloaded_error", "Overloaded")
    with pytest.raises(ProviderError, match=r"anthropic failed after 4 attempts \(HTTP 529\): Overloaded"):
        provider.complete("hi")
    assert len(anthropic_server.requests) == 4


@pytest.mark.parametrize(
    ("status", "type", "message"),
    [
        (402, "billing_error", "Your account has no payment method."),
        (400, "invalid_request_error", "Your credit balance is too low to access the Anthropic API."),
    ],
)
def test_billing_errors_are_not_retried(
    provider: AnthropicProvider, anthropic_server: AnthropicServer, status: int, type: str, message: str
) -> None:
    anthropic_server.default = lambda _r: anthropic_error(status, type, message)
    with pytest.raises(RateLimitError, match="spending limit reached"):
        provider.complete("hi")
    assert len(anthropic_server.requests) == 1


def test_an_overloaded_event_before_the_first_text_is_retried(
    provider: AnthropicProvider, anthropic_server: AnthropicServer
) -> None:
    overloaded = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    anthropic_server.enqueue(Reply(events=[("error", overloaded)]), anthropic_stream(["ok"]))
    assert list(provider.stream("hi")) == ["ok"]
    assert len(anthropic_server.requests) == 2


def test_an_error_event_mid_stream_is_a_provider_error(
    provider: AnthropicProvider, anthropic_server: AnthropicServer
) -> None:
    events = anthropic_stream(["Ber"]).events or []
    broken = [*events[:4], ("error", {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})]
    anthropic_server.enqueue(Reply(events=broken))
    stream = provider.stream("hi")
    assert next(stream) == "Ber"
    with pytest.raises(ProviderError, match="anthropic stream broke off: Overloaded"):
        next(stream)
    assert len(anthropic_server.requests) == 1
