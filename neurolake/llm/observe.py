"""LLM calls into the process metrics: provider, prompt version, latency, tokens, errors."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from neurolake.llm.base import LLMResponse
from neurolake.llm.prompts import RenderedPrompt
from neurolake.observability.metrics import METRICS

Complete = TypeVar("Complete", bound=Callable[..., LLMResponse])


def metered(method: Complete) -> Complete:
    """Record each call of a provider's ``complete``: its response's figures, or its error."""

    @functools.wraps(method)
    def complete(self: Any, messages: Any, **options: Any) -> LLMResponse:
        started = time.perf_counter()
        try:
            response = method(self, messages, **options)
        except Exception as e:
            record_failure(self.name, self.model, options.get("prompt"), time.perf_counter() - started, e)
            raise
        record_response(response)
        return response

    return cast(Complete, complete)


def record_response(response: LLMResponse) -> LLMResponse:
    """Record one answered call (a finished stream, or a completion)."""
    METRICS.llm_call(
        provider=response.provider,
        model=response.model,
        prompt=response.prompt_name,
        version=response.prompt_version,
        seconds=response.latency_s,
        input_tokens=response.usage.input_tokens,
        output_tokens=response.usage.output_tokens,
    )
    return response


def record_failure(provider: str, model: str, prompt: RenderedPrompt | None, seconds: float, error: Exception) -> None:
    """Record one failed call, by the error's class name."""
    METRICS.llm_call(
        provider=provider,
        model=model,
        prompt=prompt.name if prompt is not None else None,
        version=prompt.version if prompt is not None else None,
        seconds=seconds,
        error=type(error).__name__,
    )
