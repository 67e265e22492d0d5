"""Fixtures for the LLM tests: protocol servers, fast retries, a fake clock, a clean registry."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from neurolake.llm.providers.offline import OfflineProvider
from neurolake.llm.retry import RetryPolicy
from tests.llm.servers import AnthropicServer, OllamaServer, OpenAIServer

#: A key that must never appear in a repr, a log line or an error message.
SECRET = "sk-test-0123456789-do-not-leak"


class RecordingSleep:
    """Really sleeps (the delays are tiny) and remembers each wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        time.sleep(seconds)


class FakeClock:
    """A clock that only moves when something sleeps on it; safe across threads."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def fast_retry(sleeps: RecordingSleep) -> RetryPolicy:
    """Three retries with millisecond backoff, every wait recorded."""
    return RetryPolicy(3, base_delay_s=0.01, max_delay_s=0.05, sleep=sleeps)


@pytest.fixture
def secret() -> SecretStr:
    return SecretStr(SECRET)


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    with AnthropicServer() as server:
        yield server


@pytest.fixture
def ollama_server() -> Iterator[OllamaServer]:
    with OllamaServer() as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_offline_registry() -> Iterator[None]:
    """Each test starts with no shared handlers (other packages register theirs) and leaks none."""
    saved = dict(OfflineProvider._shared)
    OfflineProvider._shared.clear()
    yield
    OfflineProvider._shared.clear()
    OfflineProvider._shared.update(saved)


@pytest.fixture(autouse=True)
def _no_vendor_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's vendor variables never reach a test."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_CUSTOM_HEADERS",
        "OLLAMA_HOST",
        "OLLAMA_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
