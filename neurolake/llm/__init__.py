"""Language models: one provider protocol, four providers, and the prompt library.

``LLMFactory.from_settings(settings)`` builds the configured provider; ``PromptRunner`` runs a
named, versioned prompt on it; ``ProviderChatModel`` hands it to LangGraph.
"""

from typing import TYPE_CHECKING, Any

from neurolake.llm.base import (
    LLMProvider,
    LLMResponse,
    Message,
    TextStream,
    TokenUsage,
    ToolCall,
    ToolSpec,
)
from neurolake.llm.factory import LLMFactory
from neurolake.llm.fallback import FallbackProvider
from neurolake.llm.prompts import PromptLibrary, PromptTemplate, RenderedPrompt
from neurolake.llm.providers import OfflineProvider, OfflineRequest
from neurolake.llm.runner import PromptRunner

if TYPE_CHECKING:
    from neurolake.llm.providers.anthropic import AnthropicProvider
    from neurolake.llm.providers.ollama import OllamaProvider
    from neurolake.llm.providers.openai import OpenAIProvider


def __getattr__(name: str) -> Any:
    # Hosted providers load their clients on first use; see neurolake.llm.providers.
    if name in {"AnthropicProvider", "OllamaProvider", "OpenAIProvider"}:
        from neurolake.llm import providers

        return getattr(providers, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AnthropicProvider",
    "FallbackProvider",
    "LLMFactory",
    "LLMProvider",
    "LLMResponse",
    "Message",
    "OfflineProvider",
    "OfflineRequest",
    "OllamaProvider",
    "OpenAIProvider",
    "PromptLibrary",
    "PromptRunner",
    "PromptTemplate",
    "RenderedPrompt",
    "TextStream",
    "TokenUsage",
    "ToolCall",
    "ToolSpec",
]
