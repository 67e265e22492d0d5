"""The conversation service of a server: built without the embedding model, which loads behind it.

A server (the chat, ``neurolake serve``) answers as soon as the service and its parser are built
(decision 0012); ``models`` then loads the embedding model and brings the schema index up to date
in a thread. Until then the parser links words only (``WarmingLinker``) and memory neither
recalls nor remembers (``WarmingMemory``), and ``MODELS_LOADING_NOTE`` says so to whoever asks.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING

from neurolake.semantic.warming import ModelWarmUp, WarmingLinker, WarmingMemory

if TYPE_CHECKING:
    from agents.service import ConversationService
    from neurolake.config import Settings
    from neurolake.intent.parser import IntentParser
    from neurolake.llm import LLMProvider
    from neurolake.platform import NeuroLake

log = logging.getLogger(__name__)

#: What an answer given before the models loaded tells the person.
MODELS_LOADING_NOTE = (
    "The embedding model and the tables' index are still loading (the server has just started): "
    "this answer links your words to the tables by name only, and does not reuse earlier approved answers yet."
)


class WarmingService:
    """One platform's conversation service and the background loading of its embedding model."""

    def __init__(self, platform: NeuroLake) -> None:
        self.platform = platform
        #: The embedding model and schema index; ``start`` (or ``warm_up``) loads them in a thread.
        self.models = ModelWarmUp(self._load_models)
        self.memory: WarmingMemory | None = None

    @cached_property
    def linker(self) -> WarmingLinker:
        """The parser's embedding index: searched once ``models`` has opened it, skipped before."""
        from neurolake.semantic import SchemaIndex

        platform = self.platform
        return WarmingLinker(
            lambda: SchemaIndex.from_settings(platform.settings, catalog=platform.catalog, storage=platform.storage)
        )

    @cached_property
    def service(self) -> ConversationService:
        """The service for the configured model, built without loading the embedding model."""
        from agents.service import ConversationService

        self.memory = _open_memory(self.platform.settings, self.models)
        return ConversationService.from_platform(self.platform, parser=self.parser(), memory=self.memory)

    def parser(self, provider: LLMProvider | None = None) -> IntentParser:
        """A parser linking through ``linker`` (which waits for nothing) instead of its own index."""
        from neurolake.intent.parser import IntentParser

        parser = IntentParser.from_platform(self.platform, semantic=False, provider=provider)
        parser.semantic = self.linker
        return parser

    def warm_up(self) -> None:
        """Build the service and its parser (blocking, no embedding model), then start loading the
        models in the background, even after a failure (the first question reports it)."""
        try:
            self.service.parser.offline()
        finally:
            self.models.start()

    def _load_models(self) -> None:
        """The embedding model, then the schema index brought up to date (embeds new tables once)."""
        from neurolake.semantic import Embedder

        Embedder.from_settings(self.platform.settings).warm_up()  # one model object per process, shared
        self.linker.open()

    def close(self) -> None:
        if "service" in self.__dict__:
            self.service.close()
            self.linker.close()
            if self.memory is not None:
                self.memory.close()


def _open_memory(settings: Settings, models: ModelWarmUp) -> WarmingMemory | None:
    """Conversation memory that waits for nothing: skipped until the models load; None when unavailable."""
    from neurolake.errors import NeuroLakeError

    try:
        return WarmingMemory.waiting_for(settings, models.done)
    except (NeuroLakeError, OSError, RuntimeError, ImportError) as e:
        log.warning("conversation memory unavailable: %s", e)
        return None
