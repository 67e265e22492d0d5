"""The prompts commands through the real CLI: list, test against a provider, stats."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neurolake.cli import app
from neurolake.errors import ConfigurationError
from neurolake.llm import PromptLibrary
from neurolake.llm.golden import load_golden_cases
from tests.llm.servers import OpenAIServer, Reply, golden_replayer, openai_completion

runner = CliRunner()


@pytest.fixture
def home(cli_home: Path) -> Path:
    return cli_home


@pytest.fixture
def replaying_openai(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIServer]:
    library = PromptLibrary()
    replay = golden_replayer(library, load_golden_cases(library), lambda t: Reply(body=openai_completion(t)))
    with OpenAIServer(replay) as server:
        monkeypatch.setenv("NEUROLAKE_LLM__API_KEY", "sk-cli-test-key")
        monkeypatch.setenv("NEUROLAKE_LLM__BASE_URL", server.base_url)
        monkeypatch.setenv("NEUROLAKE_LLM__MAX_RETRIES", "0")
        yield server


def test_list_shows_every_prompt_and_the_version_in_use(home: Path) -> None:
    result = runner.invoke(app, ["prompts", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("intent_parsing", "sql_generation", "sql_repair", "answer_summary"):
        assert name in result.output
    row = next(line for line in result.output.splitlines() if "sql_generation" in line)
    assert "v1, v2" in row and "v2" in row.split("v1, v2")[1]


def test_offline_without_handlers_skips_everything(home: Path) -> None:
    result = runner.invoke(app, ["prompts", "test"])
    assert result.exit_code == 0, result.output
    assert "0 passed, 0 failed, 0 error, 9 skipped (provider offline)" in result.output


def test_golden_cases_pass_against_a_local_openai_server_and_metrics_are_stored(
    replaying_openai: OpenAIServer,
) -> None:
    result = runner.invoke(app, ["prompts", "test", "--provider", "openai"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "9 passed, 0 failed, 0 error, 0 skipped (provider openai)" in result.output
    assert len(replaying_openai.requests) == 9
    stats = runner.invoke(app, ["prompts", "stats"], env={"COLUMNS": "200"})
    assert stats.exit_code == 0
    row = next(line for line in stats.output.splitlines() if "sql_generation" in line)
    assert "v2" in row and "openai" in row and "gpt-test" in row


def test_one_prompt_at_an_older_version(replaying_openai: OpenAIServer) -> None:
    result = runner.invoke(app, ["prompts", "test", "-p", "openai", "--prompt", "sql_generation", "--version", "1"])
    assert result.exit_code == 0, result.output
    assert "2 passed" in result.output
    assert "```sql code block" in replaying_openai.requests[0].body["messages"][-1]["content"]


def test_failing_cases_exit_1(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with OpenAIServer(lambda _r: Reply(body=openai_completion("no idea"))) as server:
        monkeypatch.setenv("NEUROLAKE_LLM__API_KEY", "sk-cli-test-key")
        monkeypatch.setenv("NEUROLAKE_LLM__BASE_URL", server.base_url)
        result = runner.invoke(app, ["prompts", "test", "--provider", "openai", "--prompt", "answer_summary"])
    assert result.exit_code == 1
    assert "0 passed, 1 failed" in result.output


def test_an_unknown_provider_is_a_configuration_error(home: Path) -> None:
    result = runner.invoke(app, ["prompts", "test", "--provider", "gpt"])
    assert isinstance(result.exception, ConfigurationError)
    assert "offline, openai, anthropic, ollama" in str(result.exception)


@pytest.fixture(autouse=True)
def _no_offline_handlers() -> Iterator[None]:
    """These tests expect no shared offline handlers; the intent tests may have registered some."""
    from neurolake.llm.providers.offline import OfflineProvider

    saved = dict(OfflineProvider._shared)
    OfflineProvider._shared.clear()
    yield
    OfflineProvider._shared.clear()
    OfflineProvider._shared.update(saved)
