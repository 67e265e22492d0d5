"""Build the configured provider from settings: keys, base URL, rate limits, retries, fallback."""

from __future__ import annotations

from typing import TYPE_CHECKING

from neurolake.llm.base import LLMProvider
from neurolake.llm.fallback import FallbackProvider
from neurolake.llm.providers.offline import OfflineProvider
from neurolake.llm.ratelimit import RateLimiter
from neurolake.llm.retry import RetryPolicy
from neurolake.llm.secrets import resolve_api_key

if TYPE_CHECKING:
    from neurolake.config import Settings
    from neurolake.config.settings import LLMSettings
    from neurolake.llm.providers.anthropic import AnthropicProvider
    from neurolake.llm.providers.ollama import OllamaProvider
    from neurolake.llm.providers.openai import OpenAIProvider


class LLMFactory:
    """Picks and builds one provider; the composition root calls it once."""

    @staticmethod
    def from_settings(
        settings: Settings,
        *,
        offline: OfflineProvider | None = None,
        fallback: bool | None = None,
    ) -> LLMProvider:
        """The provider ``NEUROLAKE_LLM__PROVIDER`` names, wrapped for offline fallback if enabled.

        ``fallback`` overrides ``NEUROLAKE_LLM__FALLBACK_TO_OFFLINE`` (prompt tests turn it off).
        """
        llm = settings.llm
        offline = offline or OfflineProvider()
        if llm.provider == "offline":
            return offline
        primary = LLMFactory.remote(llm)
        use_fallback = llm.fallback_to_offline if fallback is None else fallback
        return FallbackProvider(primary, offline) if use_fallback else primary

    @staticmethod
    def remote(llm: LLMSettings) -> OpenAIProvider | AnthropicProvider | OllamaProvider:
        """The networked provider for ``llm.provider`` with its own rate limiter."""
        retry = RetryPolicy(llm.max_retries)
        limiter = RateLimiter(llm.requests_per_minute, llm.tokens_per_minute, max_wait_s=llm.timeout_s)
        if llm.provider == "openai":
            from neurolake.llm.providers.openai import OpenAIProvider

            return OpenAIProvider(
                api_key=resolve_api_key("openai", llm.api_key),
                base_url=llm.base_url,
                model=llm.model,
                timeout_s=llm.timeout_s,
                retry=retry,
                limiter=limiter,
            )
        if llm.provider == "anthropic":
            from neurolake.llm.providers.anthropic import AnthropicProvider

            return AnthropicProvider(
                api_key=resolve_api_key("anthropic", llm.api_key),
                base_url=llm.base_url,
                model=llm.model,
                timeout_s=llm.timeout_s,
                retry=retry,
                limiter=limiter,
            )
        if llm.provider == "ollama":
            from neurolake.llm.providers.ollama import OllamaProvider

            return OllamaProvider(
                host=llm.base_url,
                api_key=llm.api_key,
                model=llm.model,
                timeout_s=llm.timeout_s,
                retry=retry,
                limiter=limiter,
            )
        raise AssertionError(f"unknown provider {llm.provider!r}")  # settings validate the name
