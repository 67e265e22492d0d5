"""Which language model answers: the choices, and why one cannot be used yet."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from neurolake.config import Settings
from neurolake.errors import ConfigurationError
from neurolake.llm.secrets import resolve_api_key

#: Providers the chat settings offer; offline needs no key and no server.
PROVIDERS = ("offline", "openai", "anthropic", "ollama")
OLLAMA_DEFAULT_URL = "http://127.0.0.1:11434"


def provider_problem(settings: Settings, provider: str) -> str | None:
    """Why ``provider`` cannot answer with these settings (a key, a server), or None when it can.

    Blocking for Ollama (it tries to connect): call it off the event loop.
    """
    if provider not in PROVIDERS:
        return f"Unknown provider {provider!r}; choose one of {', '.join(PROVIDERS)}."
    if provider == "offline":
        return None
    llm = settings.llm
    if provider in ("openai", "anthropic"):
        # The configured key belongs to the configured provider only.
        configured = llm.api_key if llm.provider == provider else None
        try:
            resolve_api_key(provider, configured)
        except ConfigurationError as e:
            return f"{e.message} {e.hint or ''}".strip() + " Then restart `neurolake chat`."
        return None
    url = (llm.base_url if llm.provider == "ollama" and llm.base_url else None) or OLLAMA_DEFAULT_URL
    parsed = urlparse(url)
    try:
        socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 11434), timeout=1.5).close()
    except OSError:
        return (
            f"No Ollama server answers at {url}. Start one (`ollama serve`) or set NEUROLAKE_LLM__BASE_URL, "
            "then restart `neurolake chat`."
        )
    return None
