"""docker-compose.yml and the Dockerfile, checked by reading them (no Docker engine here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from neurolake.config import Settings
from neurolake.config.settings import ENV_PREFIX, NESTED_DELIMITER

ROOT = Path(__file__).resolve().parents[2]
NEUROLAKE_SERVICES = ("migrate", "api", "chat")
LONG_RUNNING = ("postgres", "redis", "minio", "qdrant", "api", "chat")
#: What an operator puts in .env; any value that is not a placeholder will do.
OPERATOR_ENV = {
    "POSTGRES_PASSWORD": "pg-Secret-1",
    "MINIO_ROOT_PASSWORD": "minio-Secret-1",
    "NEUROLAKE_CHAT_PASSWORD": "chat-Secret-1",
    "NEUROLAKE_CHAT_AUTH_SECRET": "a-long-random-session-key",
}
_VARIABLE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?:(?P<op>:-|:\?)(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} (``$$`` is a literal ``$``)."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        if env.get(name):
            return env[name]
        if op == ":?":
            raise KeyError(f"{name} must be set: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(replace, value).replace("$$", "$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _environment(compose: dict[str, Any], service: str, env: dict[str, str] = OPERATOR_ENV) -> dict[str, str]:
    raw = compose["services"][service].get("environment") or {}
    return {name: interpolate(str(value), env) for name, value in raw.items()}


def _field_exists(name: str) -> bool:
    """Does NEUROLAKE_GROUP__FIELD name a Settings field?"""
    path = name.removeprefix(ENV_PREFIX).lower().split(NESTED_DELIMITER)
    model: type[BaseModel] = Settings
    for i, part in enumerate(path):
        field = model.model_fields.get(part)
        if field is None:
            return False
        annotation = field.annotation
        if i < len(path) - 1:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                return False
            model = annotation
    return True


def test_every_service_is_there(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "minio", "minio-init", "qdrant", *NEUROLAKE_SERVICES}


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_have_health_checks(compose: dict[str, Any], service: str) -> None:
    check = compose["services"][service]["healthcheck"]
    assert check["test"][0] in ("CMD", "CMD-SHELL") and len(check["test"]) > 1
    assert check["retries"] >= 3


@pytest.mark.parametrize("service", NEUROLAKE_SERVICES)
def test_neurolake_variables_all_exist_in_settings(compose: dict[str, Any], service: str) -> None:
    names = [n for n in compose["services"][service]["environment"] if n.startswith(ENV_PREFIX)]
    assert names and [n for n in names if not _field_exists(n)] == []


@pytest.mark.parametrize("service", NEUROLAKE_SERVICES)
def test_the_wired_settings_are_valid_production_settings(
    compose: dict[str, Any], service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in _environment(compose, service).items():
        monkeypatch.setenv(name, value)
    settings = Settings()

    assert settings.environment == "production"
    assert settings.database_url.startswith("postgresql+psycopg://neurolake:pg-Secret-1@postgres:5432/")
    assert (settings.cache.backend, settings.cache.url) == ("redis", "redis://redis:6379/0")
    assert settings.lakehouse_root == "s3://neurolake/lakehouse"
    assert settings.storage.s3_endpoint == "http://minio:9000" and settings.storage.s3_commit_mode == "conditional_put"
    assert settings.storage.s3_secret_access_key is not None
    assert settings.storage.s3_secret_access_key.get_secret_value() == OPERATOR_ENV["MINIO_ROOT_PASSWORD"]
    assert settings.vector.url == "http://qdrant:6333"
    assert settings.api.host == "0.0.0.0" and settings.chat.host == "0.0.0.0"


def test_secrets_have_no_defaults(compose: dict[str, Any]) -> None:
    for missing in OPERATOR_ENV:
        env = {k: v for k, v in OPERATOR_ENV.items() if k != missing}
        with pytest.raises(KeyError, match=missing):
            for service in compose["services"]:
                _environment(compose, service, env)


def test_the_bucket_minio_init_creates_is_the_lakehouse_bucket(compose: dict[str, Any]) -> None:
    command = " ".join(compose["services"]["minio-init"]["command"])
    bucket = _environment(compose, "api")["NEUROLAKE_STORAGE__ROOT"].removeprefix("s3://").split("/")[0]
    assert f"mc mb --ignore-existing local/{bucket}" in command
    assert compose["services"]["minio-init"]["depends_on"]["minio"]["condition"] == "service_healthy"


def test_servers_wait_for_healthy_services_bucket_and_migrations(compose: dict[str, Any]) -> None:
    for service in ("api", "chat"):
        depends = compose["services"][service]["depends_on"]
        for name in ("postgres", "redis", "minio", "qdrant"):
            assert depends[name]["condition"] == "service_healthy"
        assert depends["minio-init"]["condition"] == "service_completed_successfully"
        assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert compose["services"]["migrate"]["command"] == ["neurolake", "db", "upgrade"]
    assert _environment(compose, "api")["NEUROLAKE_DATABASE__AUTO_UPGRADE"] == "false"


def test_servers_run_the_right_commands_on_their_ports(compose: dict[str, Any]) -> None:
    api, chat = compose["services"]["api"], compose["services"]["chat"]
    env = _environment(compose, "api")
    assert api["command"] == ["neurolake", "serve"] and chat["command"][:2] == ["neurolake", "chat"]
    assert f"{env['NEUROLAKE_API__PORT']}:{env['NEUROLAKE_API__PORT']}" in api["ports"]
    assert f":{env['NEUROLAKE_API__PORT']}/ready" in " ".join(api["healthcheck"]["test"])
    assert f":{env['NEUROLAKE_CHAT__PORT']}/" in " ".join(chat["healthcheck"]["test"])


def test_the_dockerfile_installs_cpu_torch_first_and_serves() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    torch = dockerfile.index("download.pytorch.org/whl/cpu torch")
    assert torch < dockerfile.index("pip install -e .")
    assert 'CMD ["neurolake", "serve"]' in dockerfile and "EXPOSE 8080 8000" in dockerfile
    makefile_pin = re.search(r"torch==[\d.]+", (ROOT / "Makefile").read_text())
    assert makefile_pin is not None and makefile_pin.group(0) in dockerfile
    for folder in ("alembic", "prompts", "neurolake", "agents", "app"):
        assert f"COPY {folder} ./{folder}" in dockerfile and (ROOT / folder).is_dir()
