"""OllamaProvider against a local server speaking Ollama's /api/chat."""

from __future__ import annotations

import socket

import pytest
from pydantic import BaseModel

from neurolake.errors import ProviderError
from neurolake.llm.base import ToolCall
from neurolake.llm.providers.ollama import OllamaProvider
from neurolake.llm.retry import RetryPolicy
from tests.llm.conftest import RecordingSleep
from tests.llm.servers import OllamaServer, Reply, ollama_chat, ollama_error, ollama_stream


class Clarification(BaseModel):
    question: str
    options: list[str]


@pytest.fixture
def provider(ollama_server: OllamaServer, fast_retry: RetryPolicy) -> OllamaProvider:
    return OllamaProvider(host=ollama_server.url, model="llama-test", retry=fast_retry)


def test_plain_chat_sends_options_and_reads_usage(provider: OllamaProvider, ollama_server: OllamaServer) -> None:
    ollama_server.enqueue(Reply(body=ollama_chat("Berlin.", prompt_eval_count=17, eval_count=3)))
    response = provider.complete("Which city?", temperature=0.3, max_tokens=40)
    assert response.text == "Berlin."
    assert (response.usage.input_tokens, response.usage.output_tokens) == (17, 3)
    assert (response.provider, response.model) == ("ollama", "llama-test")
    body = ollama_server.requests[0].body
    assert body["model"] == "llama-test" and body["stream"] is False
    assert body["messages"] == [{"role": "user", "content": "Which city?"}]
    assert body["options"] == {"temperature": 0.3, "num_predict": 40}
    assert "authorization" not in ollama_server.requests[0].headers  # no key, no header


def test_format_carries_the_json_schema(provider: OllamaProvider, ollama_server: OllamaServer) -> None:
    ollama_server.enqueue(Reply(body=ollama_chat('{"question": "Start or end?", "options": ["start", "end"]}')))
    response = provider.complete("which station?", response_schema=Clarification)
    assert response.parsed == Clarification(question="Start or end?", options=["start", "end"])
    assert ollama_server.requests[0].body["format"]["required"] == ["question", "options"]


def test_tool_calls_get_ids_and_arguments(provider: OllamaProvider, ollama_server: OllamaServer) -> None:
    ollama_server.enqueue(Reply(body=ollama_chat("", tool_calls=[("run_sql", {"sql": "SELECT 1"})])))
    tool = {
        "name": "run_sql",
        "description": "Run SQL",
        "parameters": {
            "type": "object",
            "properties": {"sql": {"type": "string", "description": "the query"}},
            "required": ["sql"],
        },
    }
    response = provider.complete("one?", tools=[tool])
    assert response.tool_calls == [ToolCall(id="call_0", name="run_sql", arguments={"sql": "SELECT 1"})]
    sent_tool = ollama_server.requests[0].body["tools"][0]
    assert sent_tool["function"]["name"] == "run_sql"
    assert sent_tool["function"]["parameters"]["properties"]["sql"]["type"] == "string"
    assert sent_tool["function"]["parameters"]["required"] == ["sql"]


def test_streaming_reads_ndjson(provider: OllamaProvider, ollama_server: OllamaServer) -> None:
    ollama_server.enqueue(ollama_stream(["Ber", "lin"], usage=(8, 2)))
    stream = provider.stream("Which city?")
    assert list(stream) == ["Ber", "lin"]
    assert stream.response is not None
    assert (stream.response.usage.input_tokens, stream.response.usage.output_tokens) == (8, 2)
    assert ollama_server.requests[0].body["stream"] is True


def test_server_errors_are_retried(
    provider: OllamaProvider, ollama_server: OllamaServer, sleeps: RecordingSleep
) -> None:
    ollama_server.enqueue(
        ollama_error(500, "model runner crashed"), ollama_error(503, "busy"), Reply(body=ollama_chat("ok"))
    )
    assert provider.complete("hi").text == "ok"
    assert len(ollama_server.requests) == 3 and len(sleeps.waits) == 2


def test_unknown_model_fails_at_once_with_a_pull_hint(provider: OllamaProvider, ollama_server: OllamaServer) -> None:
    ollama_server.default = lambda _r: ollama_error(404, "model 'llama-test' not found")
    with pytest.raises(ProviderError, match=r"not found.*ollama pull llama-test"):
        provider.complete("hi")
    assert len(ollama_server.requests) == 1


def test_truncated_json_is_repaired_once(provider: OllamaProvider, ollama_server: OllamaServer) -> None:
    ollama_server.enqueue(
        Reply(body=ollama_chat('{"question": "Start or', done_reason="length")),
        Reply(body=ollama_chat('{"question": "Start or end?", "options": ["start", "end"]}')),
    )
    response = provider.complete("which station?", response_schema=Clarification)
    assert response.parsed.options == ["start", "end"]
    assert "cut off" in ollama_server.requests[1].body["messages"][-1]["content"]


def test_nobody_listening_is_a_provider_error_after_retries() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    sleeps: list[float] = []
    provider = OllamaProvider(
        host=f"http://127.0.0.1:{port}", retry=RetryPolicy(2, base_delay_s=0.01, sleep=sleeps.append)
    )
    with pytest.raises(ProviderError, match=f"after 3 attempts: cannot connect to Ollama at http://127.0.0.1:{port}"):
        provider.complete("hi")
    assert len(sleeps) == 2
