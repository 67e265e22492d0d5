"""Choosing a model in the chat: what is missing is explained, offline always works."""

from __future__ import annotations

import socket

import pytest

from app.model_settings import provider_problem
from neurolake.config import load_settings


@pytest.fixture(autouse=True)
def _no_vendor_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_offline_needs_nothing(settings) -> None:
    assert provider_problem(settings, "offline") is None


@pytest.mark.parametrize(("provider", "variable"), [("openai", "OPENAI_API_KEY"), ("anthropic", "ANTHROPIC_API_KEY")])
def test_a_hosted_model_without_a_key_says_what_to_set(settings, provider: str, variable: str) -> None:
    problem = provider_problem(settings, provider)

    assert problem is not None and variable in problem and "NEUROLAKE_LLM__API_KEY" in problem


def test_a_key_in_the_environment_is_enough(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")

    assert provider_problem(settings, "anthropic") is None


def test_the_configured_key_serves_only_its_own_provider(tmp_path) -> None:
    configured = load_settings(home=tmp_path, llm={"provider": "openai", "api_key": "sk-test"})

    assert provider_problem(configured, "openai") is None
    assert provider_problem(configured, "anthropic") is not None


def test_ollama_needs_a_server(tmp_path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        up = load_settings(home=tmp_path, llm={"provider": "ollama", "base_url": f"http://127.0.0.1:{port}"})
        assert provider_problem(up, "ollama") is None
    down = load_settings(home=tmp_path, llm={"provider": "ollama", "base_url": f"http://127.0.0.1:{port}"})
    assert "No Ollama server answers" in (provider_problem(down, "ollama") or "")


def test_an_unknown_provider_is_named(settings) -> None:
    assert "Unknown provider 'gpt5'" in (provider_problem(settings, "gpt5") or "")
