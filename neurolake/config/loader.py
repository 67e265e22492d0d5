"""Loading settings with errors that name the environment variable to fix."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from neurolake.config.settings import ENV_PREFIX, NESTED_DELIMITER, Settings
from neurolake.errors import ConfigurationError


def env_name(*path: str | int) -> str:
    """The environment variable that sets the field at ``path`` (``("engine", "timeout_s")``)."""
    return ENV_PREFIX + NESTED_DELIMITER.join(str(p).upper() for p in path if not isinstance(p, int))


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; raise ``ConfigurationError`` naming each bad variable."""
    try:
        return Settings(**overrides)
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = [p for p in err["loc"] if isinstance(p, str)]
            name = env_name(*loc) if loc else "settings"
            allowed = err.get("ctx", {}).get("expected")
            detail = err["msg"].removeprefix("Value error, ")
            problems.append(f"{name}: {detail}" + (f" (allowed: {allowed})" if allowed else ""))
        raise ConfigurationError(
            "Invalid settings: " + "; ".join(problems),
            hint="Fix the environment variable or the .env file and start again.",
        ) from e


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()


def setting_rows(settings: Settings, *, mask_secrets: bool = True) -> Iterator[tuple[str, str]]:
    """(environment variable, value) for every leaf setting; secrets masked by default."""
    yield from _rows(settings, (), mask_secrets)


def _rows(model: BaseModel, path: tuple[str, ...], mask: bool) -> Iterator[tuple[str, str]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _rows(value, (*path, name), mask)
            continue
        if isinstance(value, SecretStr):
            shown = "********" if mask else value.get_secret_value()
        elif value is None:
            shown = ""
        elif isinstance(value, list):
            import json

            shown = json.dumps(value)
        elif isinstance(value, bool):
            shown = str(value).lower()
        else:
            shown = str(value)
        yield env_name(*path, name), shown


def field_docs(model_type: type[BaseModel] = Settings, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str, str]]:
    """(environment variable, default, description) for every leaf field, for docs."""
    for name, field in model_type.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from field_docs(annotation, (*path, name))
            continue
        default = field.get_default(call_default_factory=True)
        shown = "" if default is None else (str(default).lower() if isinstance(default, bool) else str(default))
        if isinstance(default, list):
            shown = "[]"
        yield env_name(*path, name), shown, field.description or ""
