"""Provider implementations: offline (no network), OpenAI, Anthropic, Ollama.

The hosted providers import their official clients lazily (anthropic alone takes seconds to
import), so the offline default and every CLI command start fast.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from neurolake.llm.providers.offline import OfflineProvider, OfflineRequest

if TYPE_CHECKING:
    from neurolake.llm.providers.anthropic import AnthropicProvider
    from neurolake.llm.providers.ollama import OllamaProvider
    from neurolake.llm.providers.openai import OpenAIProvider

_LAZY = {
    "AnthropicProvider": "neurolake.llm.providers.anthropic",
    "OllamaProvider": "neurolake.llm.providers.ollama",
    "OpenAIProvider": "neurolake.llm.providers.openai",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["AnthropicProvider", "OfflineProvider", "OfflineRequest", "OllamaProvider", "OpenAIProvider"]
