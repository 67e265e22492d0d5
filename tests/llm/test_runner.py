"""PromptRunner: the configured prompt version, output checks by format, metrics per call."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from neurolake.catalog import Catalog
from neurolake.errors import ModelOutputError, ProviderError
from neurolake.llm import OfflineProvider, OpenAIProvider, PromptLibrary, PromptRunner
from neurolake.llm.metrics import CatalogPromptMetrics, InMemoryPromptMetrics, PromptCall, summarize
from neurolake.llm.retry import RetryPolicy
from tests.llm.servers import OpenAIServer, Reply, openai_completion

SQL_VARS = {"question": "stations per city", "schema": "stations(id INTEGER, city VARCHAR)", "dialect": "DuckDB"}
CLARIFY_VARS = {"question": "busiest station?", "schema": "trips(...)", "candidates": ["start", "end"]}


@pytest.fixture
def openai(openai_server: OpenAIServer, secret: SecretStr, fast_retry: RetryPolicy) -> OpenAIProvider:
    return OpenAIProvider(api_key=secret, model="gpt-test", base_url=openai_server.base_url, retry=fast_retry)


def test_json_prompt_sends_the_template_schema_and_records_the_version(
    openai: OpenAIProvider, openai_server: OpenAIServer
) -> None:
    openai_server.enqueue(Reply(body=openai_completion('{"question": "Start or end?", "options": ["start", "end"]}')))
    metrics = InMemoryPromptMetrics()
    library = PromptLibrary()
    response = PromptRunner(openai, library, metrics=metrics).run("clarification", CLARIFY_VARS)
    assert response.parsed == {"question": "Start or end?", "options": ["start", "end"]}
    assert (response.prompt_name, response.prompt_version) == ("clarification", 1)
    sent = openai_server.requests[0].body
    assert sent["response_format"]["json_schema"]["schema"] == library.get("clarification").output_schema
    assert "busiest station?" in sent["messages"][-1]["content"]
    [call] = metrics.calls()
    assert (call.prompt_name, call.prompt_version, call.provider, call.ok) == ("clarification", 1, "openai", True)
    assert (call.input_tokens, call.output_tokens) == (11, 7)


def test_sql_prompt_extracts_the_statement_from_prose(openai: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(
        Reply(body=openai_completion("Sure!\n```sql\nSELECT city, COUNT(*) FROM stations GROUP BY city;\n```\nDone."))
    )
    response = PromptRunner(openai, PromptLibrary()).run("sql_generation", SQL_VARS)
    assert response.parsed == "SELECT city, COUNT(*) FROM stations GROUP BY city"
    assert response.prompt_version == 2  # latest by default


def test_sql_without_a_statement_gets_one_repair_round(openai: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(
        Reply(body=openai_completion("Which city column do you mean?", prompt_tokens=50, completion_tokens=8)),
        Reply(
            body=openai_completion(
                "SELECT city, COUNT(*) FROM stations GROUP BY city", prompt_tokens=70, completion_tokens=12
            )
        ),
    )
    response = PromptRunner(openai, PromptLibrary()).run("sql_generation", SQL_VARS)
    assert response.parsed.startswith("SELECT city")
    assert (response.usage.input_tokens, response.usage.output_tokens, response.attempts) == (120, 20, 2)
    repair = openai_server.requests[1].body["messages"]
    assert repair[-2] == {"role": "assistant", "content": "Which city column do you mean?"}
    assert "no valid SQL statement" in repair[-1]["content"] and "one SQL statement" in repair[-1]["content"]


def test_unusable_sql_twice_is_an_error_and_a_failed_metric(
    openai: OpenAIProvider, openai_server: OpenAIServer
) -> None:
    openai_server.default = lambda _r: Reply(body=openai_completion("I cannot write that query."))
    metrics = InMemoryPromptMetrics()
    with pytest.raises(ModelOutputError, match="even after one repair round"):
        PromptRunner(openai, PromptLibrary(), metrics=metrics).run(
            "sql_repair", {**SQL_VARS, "sql": "SELEC 1", "error": "syntax"}
        )
    [call] = metrics.calls()
    assert (call.ok, call.error, call.prompt_name) == (False, "ModelOutputError", "sql_repair")


def test_the_setting_picks_an_older_version(openai: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(Reply(body=openai_completion("SELECT 1")))
    response = PromptRunner(openai, PromptLibrary(version="sql_generation=1")).run("sql_generation", SQL_VARS)
    assert response.prompt_version == 1
    assert "```sql code block" in openai_server.requests[0].body["messages"][-1]["content"]


def test_an_explicit_version_overrides_the_setting(openai: OpenAIProvider, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(Reply(body=openai_completion("SELECT 1")))
    assert (
        PromptRunner(openai, PromptLibrary(version="1")).run("sql_generation", SQL_VARS, version=2).prompt_version == 2
    )


def test_text_prompt_returns_the_text() -> None:
    offline = OfflineProvider({"answer_summary": lambda r: f"{r.prompt.variables['rows'][0][0]} leads."})
    response = PromptRunner(offline, PromptLibrary()).run(
        "answer_summary", {"question": "q", "sql": "SELECT 1", "columns": ["c"], "rows": [["Berlin"]], "row_count": 1}
    )
    assert response.text == "Berlin leads." and response.parsed is None


def test_offline_failure_is_recorded_too() -> None:
    metrics = InMemoryPromptMetrics()
    with pytest.raises(ProviderError):
        PromptRunner(OfflineProvider(), PromptLibrary(), metrics=metrics).run("sql_generation", SQL_VARS)
    assert [(c.ok, c.error, c.provider) for c in metrics.calls()] == [(False, "ProviderError", "offline")]


def test_catalog_metrics_round_trip_and_summary(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        metrics = CatalogPromptMetrics(catalog)
        for latency, ok in ((0.2, True), (0.4, True), (0.9, False)):
            metrics.record(
                PromptCall(
                    "sql_generation", 2, "openai", "gpt-test", ok, latency, 10, 5, error=None if ok else "ProviderError"
                )
            )
        metrics.record(PromptCall("sql_generation", 1, "openai", "gpt-test", True, 0.1, 3, 1))
        calls = metrics.calls()
        assert len(calls) == 4 and calls[0].latency_s == 0.2
        v1, v2 = summarize(calls)
        assert (v1.prompt_version, v1.calls) == (1, 1)
        assert (v2.prompt_version, v2.calls, v2.failures, v2.input_tokens, v2.output_tokens) == (2, 3, 1, 30, 15)
        assert v2.mean_latency_s == pytest.approx(0.5) and v2.max_latency_s == 0.9
    finally:
        catalog.dispose()


def test_runner_writes_metrics_to_the_catalog(tmp_path: Path) -> None:
    catalog = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    try:
        offline = OfflineProvider({"sql_generation": lambda r: "SELECT 1"})
        PromptRunner(offline, PromptLibrary(), metrics=CatalogPromptMetrics(catalog)).run("sql_generation", SQL_VARS)
        [call] = CatalogPromptMetrics(catalog).calls()
        assert (call.prompt_name, call.prompt_version, call.provider, call.ok) == ("sql_generation", 2, "offline", True)
    finally:
        catalog.dispose()
