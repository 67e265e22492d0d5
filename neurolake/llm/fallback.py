"""A provider that falls back to the offline provider when the configured one fails."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from neurolake.errors import ProviderError
from neurolake.llm.base import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    LLMProvider,
    LLMResponse,
    MessagesInput,
    ResponseSchema,
    ToolSpec,
)
from neurolake.llm.prompts import RenderedPrompt
from neurolake.llm.providers.offline import OfflineProvider

log = logging.getLogger(__name__)


class FallbackProvider:
    """``primary`` first; after a ``ProviderError``, ``offline`` if it can answer that prompt.

    When the offline provider has no handler for the prompt, the primary's error is raised.
    """

    def __init__(self, primary: LLMProvider, offline: OfflineProvider) -> None:
        self.primary = primary
        self.offline = offline
        self.name = primary.name
        self.model = primary.model

    def __repr__(self) -> str:
        return f"FallbackProvider(primary={self.primary!r}, offline={self.offline!r})"

    def handles(self, prompt_name: str | None) -> bool:
        return self.primary.handles(prompt_name) or self.offline.handles(prompt_name)

    def complete(
        self,
        messages: MessagesInput,
        *,
        response_schema: ResponseSchema | None = None,
        tools: Sequence[ToolSpec | Mapping[str, Any] | type[BaseModel]] | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> LLMResponse:
        options: dict[str, Any] = {
            "response_schema": response_schema,
            "tools": tools,
            "temperature": temperature,
            "max_tokens": max_tokens,
            "prompt": prompt,
        }
        try:
            return self.primary.complete(messages, **options)
        except ProviderError as e:
            if not self.offline.handles(prompt.name if prompt else None):
                raise
            self._log(e, prompt)
            return self.offline.complete(messages, **options)

    def stream(
        self,
        messages: MessagesInput,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        prompt: RenderedPrompt | None = None,
    ) -> Iterator[str]:
        """Falls back only when the primary fails before its first piece."""
        options: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens, "prompt": prompt}
        try:
            return self.primary.stream(messages, **options)
        except ProviderError as e:
            if not self.offline.handles(prompt.name if prompt else None):
                raise
            self._log(e, prompt)
            return self.offline.stream(messages, **options)

    def _log(self, error: ProviderError, prompt: RenderedPrompt | None) -> None:
        log.warning(
            "%s failed (%s); answering %s with the offline provider",
            self.primary.name, error, prompt.name if prompt else "the request",
        )  # fmt: skip
