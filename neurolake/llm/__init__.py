"""Language models: one provider protocol, four providers, and the prompt library.

``LLMFactory.from_settings(settings)`` builds the configured provider; ``PromptRunner`` runs a
named, versioned prompt on it; ``ProviderChatModel`` hands it to LangGraph.
"""

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
from neurolake.llm.providers import (
    AnthropicProvider,
    OfflineProvider,
    OfflineRequest,
    OllamaProvider,
    OpenAIProvider,
)
from neurolake.llm.runner import PromptRunner

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
