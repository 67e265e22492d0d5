"""API keys are secrets: never in a repr, a log line, or an error message."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pydantic import SecretStr

from neurolake.config import load_settings
from neurolake.errors import ConfigurationError, ProviderError
from neurolake.llm import LLMFactory
from neurolake.llm.retry import RetryPolicy
from neurolake.llm.secrets import redactor, resolve_api_key
from tests.llm.conftest import SECRET
from tests.llm.servers import AnthropicServer, OpenAIServer, anthropic_error, openai_error


def test_settings_key_wins_over_the_environment() -> None:
    key = resolve_api_key("openai", SecretStr("from-settings"), environ={"OPENAI_API_KEY": "from-env"})
    assert key.get_secret_value() == "from-settings"
    assert resolve_api_key("openai", None, environ={"OPENAI_API_KEY": "from-env"}).get_secret_value() == "from-env"
    assert resolve_api_key("anthropic", SecretStr("  "), environ={"ANTHROPIC_API_KEY": "a"}).get_secret_value() == "a"


def test_missing_key_error_names_what_to_set() -> None:
    with pytest.raises(ConfigurationError) as info:
        resolve_api_key("anthropic", None, environ={})
    message = str(info.value)
    assert "NEUROLAKE_LLM__PROVIDER=anthropic" in message
    assert "NEUROLAKE_LLM__API_KEY" in message and "ANTHROPIC_API_KEY" in message


def test_redactor_blanks_the_key() -> None:
    assert redactor(SecretStr(SECRET))(f"bad key {SECRET}!") == "bad key **********!"
    assert redactor(None)("text") == "text"


@pytest.mark.parametrize("provider", ["openai", "anthropic", "ollama"])
def test_key_is_not_in_the_repr(tmp_path: Path, provider: str) -> None:
    settings = load_settings(home=tmp_path / "home", llm={"provider": provider, "api_key": SECRET})
    llm = LLMFactory.from_settings(settings)
    assert SECRET not in repr(llm) and SECRET not in str(llm)
    assert SECRET not in repr(settings.llm)


def test_key_echoed_by_the_server_is_not_in_errors_or_logs(
    tmp_path: Path, openai_server: OpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    openai_server.default = lambda _r: openai_error(
        401, f"Incorrect API key provided: {SECRET}.", type="invalid_request_error", code="invalid_api_key"
    )
    settings = load_settings(
        home=tmp_path / "home",
        llm={"provider": "openai", "api_key": SECRET, "base_url": openai_server.base_url, "fallback_to_offline": False},
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as info:
        LLMFactory.from_settings(settings).complete("hi")
    assert "Incorrect API key provided: **********" in str(info.value)
    assert "NEUROLAKE_LLM__API_KEY" in str(info.value)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert openai_server.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # it was sent
    assert SECRET not in caplog.text


def test_key_not_in_retry_warnings(anthropic_server: AnthropicServer, caplog: pytest.LogCaptureFixture) -> None:
    from neurolake.llm.providers.anthropic import AnthropicProvider

    anthropic_server.default = lambda _r: anthropic_error(529, "overloaded_error", f"Overloaded for key {SECRET}")
    provider = AnthropicProvider(
        api_key=SecretStr(SECRET), base_url=anthropic_server.url, retry=RetryPolicy(1, base_delay_s=0.001)
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as info:
        provider.complete("hi")
    assert "retry 1 of 1" in caplog.text
    assert SECRET not in caplog.text and SECRET not in str(info.value)
