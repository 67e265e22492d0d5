"""Provider implementations: offline (no network), OpenAI, Anthropic, Ollama."""

from neurolake.llm.providers.anthropic import AnthropicProvider
from neurolake.llm.providers.offline import OfflineProvider, OfflineRequest
from neurolake.llm.providers.ollama import OllamaProvider
from neurolake.llm.providers.openai import OpenAIProvider

__all__ = ["AnthropicProvider", "OfflineProvider", "OfflineRequest", "OllamaProvider", "OpenAIProvider"]
