"""Run a named prompt: render the configured version, call the provider, check, record.

This is what the rest of NeuroLake calls: ``runner.run("sql_generation", {...})``. JSON prompts
come back with ``parsed`` validated against the template's schema; SQL prompts with ``parsed``
holding the one SQL statement found in the answer (after at most one repair round).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from neurolake.errors import NeuroLakeError
from neurolake.llm.base import DEFAULT_MAX_TOKENS, DEFAULT_TEMPERATURE, LLMProvider, LLMResponse, Message
from neurolake.llm.metrics import PromptCall, PromptMetrics
from neurolake.llm.output import complete_with_repair, extract_sql
from neurolake.llm.prompts import PromptLibrary, RenderedPrompt


class PromptRunner:
    """A provider plus the prompt library, with optional metrics."""

    def __init__(
        self,
        provider: LLMProvider,
        library: PromptLibrary,
        *,
        metrics: PromptMetrics | None = None,
        sql_dialect: str = "duckdb",
    ) -> None:
        self.provider = provider
        self.library = library
        self.metrics = metrics
        self.sql_dialect = sql_dialect

    def run(
        self,
        name: str,
        variables: Mapping[str, Any],
        *,
        version: str | int | None = None,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> LLMResponse:
        """Answer prompt ``name`` (version from settings unless given); every call is recorded."""
        rendered = self.library.get(name, version).render(**variables)
        started = time.perf_counter()
        try:
            response = self.complete(rendered, temperature=temperature, max_tokens=max_tokens)
        except NeuroLakeError as e:
            self._record(rendered, None, time.perf_counter() - started, error=type(e).__name__)
            raise
        self._record(rendered, response, response.latency_s)
        return response

    def complete(
        self,
        rendered: RenderedPrompt,
        *,
        temperature: float = DEFAULT_TEMPERATURE,
        max_tokens: int = DEFAULT_MAX_TOKENS,
    ) -> LLMResponse:
        """Send an already rendered prompt and check its output by the template's format."""
        options: dict[str, Any] = {"temperature": temperature, "max_tokens": max_tokens, "prompt": rendered}
        if rendered.output_format == "json":
            return self.provider.complete(rendered.messages(), response_schema=rendered.output_schema, **options)
        if rendered.output_format == "text":
            return self.provider.complete(rendered.messages(), **options)

        def send(messages: list[Message]) -> LLMResponse:
            return self.provider.complete(messages, **options)

        def with_sql(response: LLMResponse) -> LLMResponse:
            sql = extract_sql(response.text, truncated=response.truncated, dialect=self.sql_dialect)
            return response.model_copy(update={"parsed": sql})

        result, replies = complete_with_repair(
            rendered.messages(),
            send,
            with_sql,
            echo=lambda r: r.text,
            expected="one SQL statement",
            who=f"{self.provider.name} model {self.provider.model}",
        )
        if len(replies) == 1:
            return result
        return result.model_copy(
            update={
                "usage": replies[0].usage + replies[1].usage,
                "attempts": replies[0].attempts + replies[1].attempts,
                "latency_s": replies[0].latency_s + replies[1].latency_s,
            }
        )

    def _record(
        self,
        rendered: RenderedPrompt,
        response: LLMResponse | None,
        latency_s: float,
        *,
        error: str | None = None,
    ) -> None:
        if self.metrics is None:
            return
        self.metrics.record(
            PromptCall(
                prompt_name=rendered.name,
                prompt_version=rendered.version,
                provider=response.provider if response else self.provider.name,
                model=response.model if response else self.provider.model,
                ok=response is not None,
                latency_s=latency_s,
                input_tokens=response.usage.input_tokens if response else 0,
                output_tokens=response.usage.output_tokens if response else 0,
                attempts=response.attempts if response else 0,
                error=error,
            )
        )
