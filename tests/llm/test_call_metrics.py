"""LLM calls land in the process metrics: by provider, prompt version, tokens, latency and errors."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from neurolake.errors import ProviderError
from neurolake.llm.prompts import RenderedPrompt
from neurolake.llm.providers.offline import OfflineProvider
from neurolake.llm.providers.openai import OpenAIProvider
from neurolake.llm.retry import RetryPolicy
from neurolake.observability import METRICS
from tests.llm.servers import OpenAIServer, Reply, openai_completion, openai_error, openai_stream


def calls(provider: str, prompt: str, version: str, outcome: str) -> float:
    return METRICS.total("neurolake_llm_calls", provider=provider, prompt=prompt, version=version, outcome=outcome)


def tokens(provider: str, prompt: str, direction: str) -> float:
    return METRICS.total("neurolake_llm_tokens", provider=provider, prompt=prompt, direction=direction)


def latency_count(provider: str, prompt: str) -> float:
    value = METRICS.registry.get_sample_value(
        "neurolake_llm_latency_seconds_count", {"provider": provider, "prompt": prompt, "version": "3"}
    )
    return value or 0.0


@pytest.fixture
def provider(openai_server: OpenAIServer, secret: SecretStr, fast_retry: RetryPolicy) -> OpenAIProvider:
    return OpenAIProvider(api_key=secret, model="gpt-test", base_url=openai_server.base_url, retry=fast_retry)


def test_a_remote_call_counts_its_tokens_and_latency_under_its_prompt_version(
    provider: OpenAIProvider, openai_server: OpenAIServer
) -> None:
    prompt = RenderedPrompt(name="metrics_probe", version=3, user="capital of Germany?")
    before = (calls("openai", "metrics_probe", "3", "ok"), tokens("openai", "metrics_probe", "input"))
    before_latency = latency_count("openai", "metrics_probe")
    openai_server.enqueue(Reply(body=openai_completion("Berlin.", prompt_tokens=21, completion_tokens=3)))

    provider.complete(prompt.messages(), prompt=prompt)

    assert calls("openai", "metrics_probe", "3", "ok") == before[0] + 1
    assert tokens("openai", "metrics_probe", "input") == before[1] + 21
    assert latency_count("openai", "metrics_probe") == before_latency + 1


def test_a_failed_call_counts_as_an_error_with_its_kind(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    prompt = RenderedPrompt(name="metrics_fail", version=3, user="q")
    openai_server.default = lambda _r: openai_error(500, "down")
    errors = METRICS.total("neurolake_llm_errors", provider="openai", prompt="metrics_fail")
    failed, answered = calls("openai", "metrics_fail", "3", "error"), calls("openai", "metrics_fail", "3", "ok")

    with pytest.raises(ProviderError):
        provider.complete(prompt.messages(), prompt=prompt)

    assert calls("openai", "metrics_fail", "3", "error") == failed + 1
    assert METRICS.total("neurolake_llm_errors", provider="openai", prompt="metrics_fail") == errors + 1
    assert calls("openai", "metrics_fail", "3", "ok") == answered


def test_a_stream_is_counted_once_it_has_finished(provider: OpenAIProvider, openai_server: OpenAIServer) -> None:
    prompt = RenderedPrompt(name="metrics_stream", version=3, user="q")
    openai_server.enqueue(openai_stream(["Ber", "lin."], usage=(5, 2)))
    before = calls("openai", "metrics_stream", "3", "ok")
    output = tokens("openai", "metrics_stream", "output")

    stream = provider.stream(prompt.messages(), prompt=prompt)
    assert calls("openai", "metrics_stream", "3", "ok") == before
    assert stream.text() == "Berlin."

    assert calls("openai", "metrics_stream", "3", "ok") == before + 1
    assert tokens("openai", "metrics_stream", "output") == output + 2


def test_offline_calls_are_counted_too() -> None:
    offline = OfflineProvider({"metrics_offline": lambda _request: "fine"})
    prompt = RenderedPrompt(name="metrics_offline", version=3, user="q")
    before = calls("offline", "metrics_offline", "3", "ok")

    offline.complete(prompt.messages(), prompt=prompt)
    with pytest.raises(ProviderError):
        offline.complete(prompt.messages(), prompt=RenderedPrompt(name="metrics_unknown", version=3, user="q"))

    assert calls("offline", "metrics_offline", "3", "ok") == before + 1
    assert (
        METRICS.total("neurolake_llm_errors", provider="offline", prompt="metrics_unknown", error="ProviderError") >= 1
    )
