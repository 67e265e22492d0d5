"""The chat process's composition root: settings, the platform and the conversation service, built once.

Start-up is in two parts (docs/decisions/0012-chat-start-up-and-page-speed.md): ``warm_up``
builds the conversation service without the embedding model and sets ``ready`` (the chat
answers from then on, linking words only); ``models`` then loads the embedding model and
the schema index in a background thread, after which answers use them as well.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from agents.warming import WarmingService
from app.persistence import CatalogDataLayer
from neurolake.config import Settings, get_settings
from neurolake.platform import NeuroLake

if TYPE_CHECKING:
    from agents import ConversationService
    from neurolake.intent.parser import IntentParser
    from neurolake.llm import LLMProvider
    from neurolake.semantic.warming import ModelWarmUp, WarmingLinker


class ChatRuntime:
    """Everything the chat shares between sessions; each piece is built on first use."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or get_settings()
        self._lock = threading.Lock()
        self._services: dict[tuple[str, str | None], ConversationService] = {}
        #: Set once ``warm_up`` has built the conversation service: questions are answered from then on.
        self.ready = threading.Event()

    @cached_property
    def platform(self) -> NeuroLake:
        return NeuroLake.from_settings(self.settings)

    @cached_property
    def warming(self) -> WarmingService:
        """The conversation service built without the embedding model, and the model's loading."""
        return WarmingService(self.platform)

    @property
    def models(self) -> ModelWarmUp:
        """The embedding model and schema index, loading in the background after ``warm_up``."""
        return self.warming.models

    @property
    def linker(self) -> WarmingLinker:
        return self.warming.linker

    @cached_property
    def data_layer(self) -> CatalogDataLayer:
        with self.platform.catalog.session():
            pass  # migrations first: the chat tables sit next to the catalog's own
        return CatalogDataLayer(self.platform.catalog.engine)

    @property
    def conversations(self) -> ConversationService:
        """The service for the configured model, built without loading the embedding model."""
        return self.warming.service

    def _parser(self, provider: LLMProvider | None = None) -> IntentParser:
        return self.warming.parser(provider)

    @property
    def service(self) -> ConversationService:
        """The conversation service for the configured model."""
        return self.service_for(self.settings.llm.provider, self.settings.llm.model)

    def service_for(self, provider: str, model: str | None) -> ConversationService:
        """The service answering with ``provider``/``model``; the configured one by default.

        Raises ConfigurationError (a message a person can act on) when the provider cannot be
        used, for example a hosted model without an API key.
        """
        llm = self.settings.llm
        if provider == llm.provider and (model or None) == llm.model:
            return self.conversations
        key = (provider, model or None)
        with self._lock:
            found = self._services.get(key)
            if found is None:
                found = self._services[key] = self._service_with_model(provider, model or None)
            return found

    def _service_with_model(self, provider: str, model: str | None) -> ConversationService:
        """A service over the same platform, memory and threads, asking another model."""
        from agents import ConversationService
        from neurolake.llm import LLMFactory

        llm = self.settings.llm
        # The configured key belongs to the configured provider; another one reads its own variable.
        api_key = llm.api_key if provider == llm.provider else None
        chosen = llm.model_copy(update={"provider": provider, "model": model, "api_key": api_key})
        llm_provider = LLMFactory.from_settings(self.settings.model_copy(update={"llm": chosen}))
        chat_model = None
        if provider != "offline":
            from neurolake.llm.chat_model import ProviderChatModel

            chat_model = ProviderChatModel(provider=llm_provider)
        default = self.conversations
        return ConversationService(
            self.platform,
            parser=self._parser(llm_provider),
            memory=default.memory,
            store=default.store,
            chat_model=chat_model,
        )

    def warm_up(self) -> None:
        """Build the conversation service and its parser (blocking, no embedding model), set
        ``ready``, then start loading the models in the background.

        ``ready`` is set even after a failure: the first question then reports it.
        """
        try:
            self.warming.warm_up()
        finally:
            self.ready.set()

    def close(self) -> None:
        for service in self._services.values():
            service.close()
        self._services.clear()
        if "warming" in self.__dict__:
            self.warming.close()
        if "platform" in self.__dict__:
            self.platform.close()
