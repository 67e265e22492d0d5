"""Settings: defaults, environment overrides, validation that names the variable, docs in step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from neurolake.config import load_settings, setting_rows
from neurolake.config.loader import field_docs
from neurolake.errors import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_fully_embedded(tmp_path: Path) -> None:
    s = load_settings(home=tmp_path)
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("catalog.db")
    assert s.lakehouse_root == str((tmp_path / "lakehouse").resolve())
    assert (s.engine.backend, s.cache.backend, s.llm.provider) == ("duckdb", "memory", "offline")
    assert (s.spark.executor_memory, s.spark.driver_memory) == ("8g", "4g")
    assert s.engine.row_limit == 10_000 and s.engine.timeout_s == 300


def test_environment_overrides_nested_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROLAKE_ENGINE__TIMEOUT_S", "12.5")
    monkeypatch.setenv("NEUROLAKE_CACHE__BACKEND", "redis")
    monkeypatch.setenv("NEUROLAKE_API__CORS_ORIGINS", '["http://localhost:3000"]')
    s = load_settings()
    assert s.engine.timeout_s == 12.5
    assert s.cache.backend == "redis"
    assert s.api.cors_origins == ["http://localhost:3000"]


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("NEUROLAKE_ENGINE__ROW_LIMIT=42\n")
    assert load_settings().engine.row_limit == 42  # the autouse fixture runs us in tmp_path


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NEUROLAKE_SPARK__EXECUTOR_MEMORY", "-8g", "NEUROLAKE_SPARK__EXECUTOR_MEMORY"),
        ("NEUROLAKE_LLM__PROVIDER", "gpt-magic", "'offline', 'openai', 'anthropic' or 'ollama'"),
        ("NEUROLAKE_DATABASE__URL", "not a url", "NEUROLAKE_DATABASE__URL"),
        ("NEUROLAKE_LLM__BASE_URL", "localhost:11434", "NEUROLAKE_LLM__BASE_URL"),
        ("NEUROLAKE_CACHE__URL", "http://127.0.0.1:6379", "NEUROLAKE_CACHE__URL"),
        ("NEUROLAKE_ENGINE__TIMEOUT_S", "-1", "NEUROLAKE_ENGINE__TIMEOUT_S"),
        ("NEUROLAKE_API__PORT", "99999", "NEUROLAKE_API__PORT"),
        ("NEUROLAKE_SPARK__MASTER", "mesos://x", "NEUROLAKE_SPARK__MASTER"),
    ],
)
def test_bad_settings_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as info:
        load_settings()
    assert variable in str(info.value)
    assert expected in str(info.value)


def test_production_refuses_placeholder_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROLAKE_ENVIRONMENT", "production")
    monkeypatch.setenv("NEUROLAKE_LLM__API_KEY", "changeme")
    with pytest.raises(ConfigurationError, match="NEUROLAKE_LLM__API_KEY"):
        load_settings()


def test_secrets_are_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROLAKE_LLM__API_KEY", "sk-very-secret")
    s = load_settings()
    shown = dict(setting_rows(s))
    assert shown["NEUROLAKE_LLM__API_KEY"] == "********"
    assert "sk-very-secret" not in repr(s) and "sk-very-secret" not in str(shown)
    assert dict(setting_rows(s, mask_secrets=False))["NEUROLAKE_LLM__API_KEY"] == "sk-very-secret"


@pytest.mark.parametrize("doc", [".env.example", "docs/configuration.md"])
def test_every_setting_is_documented(doc: str) -> None:
    text = (ROOT / doc).read_text()
    missing = [name for name, _, _ in field_docs() if name not in text]
    assert not missing, f"{doc} does not document: {', '.join(missing)}"


def test_env_example_loads_as_a_dotenv(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".env.example", tmp_path / ".env")
    s = load_settings()
    assert s.engine.row_limit == 10_000  # every line parsed; defaults unchanged
