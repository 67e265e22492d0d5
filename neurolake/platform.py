"""The composition root: builds each component once, from settings, and hands it out.

Nothing else in the library constructs shared components; entry points (CLI, API, chat)
call ``NeuroLake.from_settings()`` and pass what they need down.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from neurolake.catalog import Catalog
from neurolake.config import Settings, get_settings

if TYPE_CHECKING:
    from agents import ConversationService
    from neurolake.cache import QueryCache
    from neurolake.engine import NeuroLakeEngine
    from neurolake.llm import LLMProvider, PromptLibrary
    from neurolake.optimizer import QueryOptimizer
    from neurolake.storage import DeltaStorageManager


class NeuroLake:
    """Every component of one NeuroLake deployment, built lazily."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> NeuroLake:
        return cls(settings or get_settings())

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog.from_settings(self.settings)

    @cached_property
    def storage(self) -> DeltaStorageManager:
        from neurolake.storage import DeltaStorageManager

        return DeltaStorageManager.from_settings(self.settings, catalog=self.catalog)

    @cached_property
    def optimizer(self) -> QueryOptimizer:
        """The query optimizer with the rules the engine runs (see ``default_optimizer``)."""
        from neurolake.engine.optimization import default_optimizer

        return default_optimizer(self.settings.engine.optimizer_enabled)

    @cached_property
    def cache(self) -> QueryCache:
        """The result cache (in-process LRU or Redis); disabled, it stores nothing."""
        from neurolake.cache import QueryCache

        return QueryCache.from_settings(self.settings)

    @cached_property
    def engine(self) -> NeuroLakeEngine:
        from neurolake.engine import NeuroLakeEngine

        return NeuroLakeEngine.from_settings(
            self.settings, catalog=self.catalog, storage=self.storage, optimizer=self.optimizer, cache=self.cache
        )

    @cached_property
    def llm(self) -> LLMProvider:
        # Built once: the provider owns the rate limiter, which must see every call.
        from neurolake.llm import LLMFactory

        return LLMFactory.from_settings(self.settings)

    @cached_property
    def prompts(self) -> PromptLibrary:
        from neurolake.llm import PromptLibrary

        return PromptLibrary.from_settings(self.settings)

    @cached_property
    def conversations(self) -> ConversationService:
        # The agent layer sits above the library; only this composition root reaches up to it.
        from agents import ConversationService

        return ConversationService.from_platform(self)

    def close(self) -> None:
        """Release connections; safe to call more than once."""
        for name in ("conversations", "engine", "cache", "storage"):
            component = self.__dict__.pop(name, None)
            if component is not None and hasattr(component, "close"):
                component.close()
        catalog = self.__dict__.pop("catalog", None)
        if catalog is not None:
            catalog.dispose()
