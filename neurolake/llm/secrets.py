"""API keys: read from settings or the provider's usual variable, kept as ``SecretStr``."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from pydantic import SecretStr

from neurolake.errors import ConfigurationError

#: The variable each vendor's own tools read the key from.
PROVIDER_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
SETTING_KEY_ENV = "NEUROLAKE_LLM__API_KEY"


def resolve_api_key(
    provider: str,
    configured: SecretStr | None,
    environ: Mapping[str, str] | None = None,
) -> SecretStr:
    """The key from settings, else from the provider's variable; a missing key says what to set."""
    if configured is not None and configured.get_secret_value().strip():
        return configured
    env_name = PROVIDER_KEY_ENV[provider]
    value = (os.environ if environ is None else environ).get(env_name, "").strip()
    if value:
        return SecretStr(value)
    raise ConfigurationError(
        f"NEUROLAKE_LLM__PROVIDER={provider} needs an API key.",
        hint=f"Set {SETTING_KEY_ENV} or {env_name}, or use NEUROLAKE_LLM__PROVIDER=offline.",
    )


def redactor(secret: SecretStr | None) -> Callable[[str], str]:
    """A function that blanks the secret out of any text (provider messages may echo it)."""
    value = secret.get_secret_value() if secret is not None else ""
    if len(value) < 4:
        return lambda text: text
    return lambda text: text.replace(value, "**********")
