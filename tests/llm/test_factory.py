"""LLMFactory: the configured provider, keys from settings or env, and offline fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurolake.config import Settings, load_settings
from neurolake.errors import ConfigurationError, ProviderError
from neurolake.llm import (
    AnthropicProvider,
    FallbackProvider,
    LLMFactory,
    OfflineProvider,
    OllamaProvider,
    OpenAIProvider,
)
from neurolake.llm.prompts import RenderedPrompt
from tests.llm.conftest import SECRET
from tests.llm.servers import OpenAIServer, openai_error


def settings_for(tmp_path: Path, **llm: object) -> Settings:
    return load_settings(home=tmp_path / "home", llm=llm)


def test_offline_by_default(settings: Settings) -> None:
    assert isinstance(LLMFactory.from_settings(settings), OfflineProvider)


@pytest.mark.parametrize(
    ("provider", "cls"), [("openai", OpenAIProvider), ("anthropic", AnthropicProvider), ("ollama", OllamaProvider)]
)
def test_each_provider_from_settings(tmp_path: Path, provider: str, cls: type) -> None:
    settings = settings_for(
        tmp_path, provider=provider, api_key=SECRET, model="m-1", base_url="http://127.0.0.1:9", max_retries=5,
        requests_per_minute=7, tokens_per_minute=700, fallback_to_offline=False,
    )  # fmt: skip
    llm = LLMFactory.from_settings(settings)
    assert isinstance(llm, cls)
    assert (llm.model, llm.base_url, llm.retry.max_retries) == ("m-1", "http://127.0.0.1:9", 5)
    assert llm.limiter is not None and llm.limiter.requests.capacity == 7 and llm.limiter.tokens.capacity == 700


def test_default_models(tmp_path: Path) -> None:
    llm = LLMFactory.remote(settings_for(tmp_path, provider="ollama").llm)
    assert llm.model == "llama3.1" and llm.base_url == "http://127.0.0.1:11434"


@pytest.mark.parametrize(("provider", "env"), [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")])
def test_the_key_comes_from_the_vendor_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAIServer, provider: str, env: str
) -> None:
    monkeypatch.setenv(env, SECRET)
    llm = LLMFactory.remote(settings_for(tmp_path, provider=provider).llm)
    assert llm.name == provider


def test_the_key_from_env_is_sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_server: OpenAIServer) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    llm = LLMFactory.from_settings(settings_for(tmp_path, provider="openai", base_url=openai_server.base_url))
    llm.complete("hi")
    assert openai_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"


@pytest.mark.parametrize(("provider", "env"), [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")])
def test_a_missing_key_names_both_variables(tmp_path: Path, provider: str, env: str) -> None:
    with pytest.raises(ConfigurationError, match=f"NEUROLAKE_LLM__API_KEY or {env}"):
        LLMFactory.from_settings(settings_for(tmp_path, provider=provider))


def test_ollama_needs_no_key(tmp_path: Path) -> None:
    assert isinstance(LLMFactory.from_settings(settings_for(tmp_path, provider="ollama")), FallbackProvider)


def summary_prompt() -> RenderedPrompt:
    return RenderedPrompt(name="answer_summary", version=1, user="q")


def test_fallback_answers_offline_after_a_provider_error(tmp_path: Path, openai_server: OpenAIServer) -> None:
    openai_server.default = lambda _r: openai_error(500, "down")
    settings = settings_for(tmp_path, provider="openai", api_key=SECRET, base_url=openai_server.base_url, max_retries=0)
    offline = OfflineProvider({"answer_summary": lambda r: "offline answer"})
    llm = LLMFactory.from_settings(settings, offline=offline)
    assert isinstance(llm, FallbackProvider)
    response = llm.complete("q", prompt=summary_prompt())
    assert response.text == "offline answer" and response.provider == "offline"
    assert len(openai_server.requests) == 1
    stream = llm.stream("q", prompt=summary_prompt())
    assert list(stream) == ["offline answer"]


def test_fallback_keeps_the_provider_error_when_offline_cannot_answer(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    openai_server.default = lambda _r: openai_error(500, "down")
    settings = settings_for(tmp_path, provider="openai", api_key=SECRET, base_url=openai_server.base_url, max_retries=0)
    with pytest.raises(ProviderError, match=r"HTTP 500\): down"):
        LLMFactory.from_settings(settings).complete("q", prompt=summary_prompt())


def test_fallback_can_be_turned_off(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, provider="ollama")
    assert isinstance(LLMFactory.from_settings(settings, fallback=False), OllamaProvider)
    off = settings_for(tmp_path, provider="ollama", fallback_to_offline=False)
    assert isinstance(LLMFactory.from_settings(off), OllamaProvider)


def test_the_primary_answers_when_it_can(tmp_path: Path, openai_server: OpenAIServer) -> None:
    settings = settings_for(tmp_path, provider="openai", api_key=SECRET, base_url=openai_server.base_url)
    llm = LLMFactory.from_settings(settings, offline=OfflineProvider({"answer_summary": lambda r: "offline"}))
    assert llm.complete("q", prompt=summary_prompt()).text == "ok"
