"""The embedding model and the schema index, loaded in the background of a server.

Loading sentence-transformers (torch) and embedding the tables' names and values takes
tens of seconds on a busy machine; a server must answer before that. ``ModelWarmUp`` loads
them in a thread; until it is done, ``WarmingLinker`` links with words only (its searches
return nothing) and ``WarmingMemory`` neither recalls nor remembers (it raises
``ModelsLoadingError``, which the conversation layer already treats as memory being
unavailable). Nothing waits: a question asked meanwhile is answered with words alone.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from neurolake.errors import NeuroLakeError
from neurolake.intent.semantic_link import LazySemanticLinker
from neurolake.semantic.memory import ConversationMemory

if TYPE_CHECKING:
    from neurolake.config import Settings
    from neurolake.semantic.schema_index import SchemaIndex

log = logging.getLogger(__name__)


class ModelsLoadingError(NeuroLakeError):
    """The embedding model is still loading; memory is skipped for this question."""


class ModelWarmUp:
    """Runs ``load`` once in a daemon thread; ``done`` is set when it ends, even after a failure."""

    def __init__(self, load: Callable[[], None]) -> None:
        self._load = load
        self.done = threading.Event()
        self.failed: str | None = None
        self.seconds: float | None = None
        self._started = False
        self._lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self.done.is_set()

    @property
    def status(self) -> str:
        """ "loading", "loaded" or "failed" (then questions stay on words alone)."""
        if not self.done.is_set():
            return "loading"
        return "failed" if self.failed else "loaded"

    def start(self) -> None:
        with self._lock:
            if self._started:
                return
            self._started = True
        threading.Thread(target=self._run, name="neurolake-models", daemon=True).start()

    def run(self) -> None:
        """Load now, in the calling thread (for callers that want to wait)."""
        with self._lock:
            self._started = True
        self._run()

    def _run(self) -> None:
        started = time.monotonic()
        try:
            self._load()
        except Exception as e:  # the server keeps answering with words alone
            self.failed = str(e) or type(e).__name__
            log.exception("loading the embedding model and index failed; answering with words only")
        finally:
            self.seconds = time.monotonic() - started
            log.info("embedding model and schema index %s in %.1fs", self.status, self.seconds)
            self.done.set()


class WarmingLinker(LazySemanticLinker):
    """The parser's semantic linker: the schema index once ``open`` has built it, nothing before
    (where ``LazySemanticLinker`` would build it in the middle of a question)."""

    def __init__(self, factory: Callable[[], SchemaIndex]) -> None:
        super().__init__(factory)

    def open(self) -> None:
        """Open the index and bring it up to date (embeds the tables once); blocking."""
        index = self._factory()
        index.ensure_fresh()
        with self._lock:
            self._index = index

    def _get(self) -> Any:
        return self._index


class WarmingMemory(ConversationMemory):
    """Conversation memory that refuses to embed (``ModelsLoadingError``) until ``warm`` is set."""

    warm: threading.Event

    @classmethod
    def waiting_for(cls, settings: Settings, warm: threading.Event) -> WarmingMemory:
        """The configured memory, embedding only once ``warm`` is set."""
        memory = cls.from_settings(settings)
        assert isinstance(memory, WarmingMemory)
        memory.warm = warm
        return memory

    def remember(self, *args: Any, **kwargs: Any) -> str:
        if kwargs.get("feedback") is not None:
            self.warm.wait()  # an answer someone approved is worth the wait; the others are skipped
        else:
            self._check_warm()
        return super().remember(*args, **kwargs)

    def similar(self, *args: Any, **kwargs: Any) -> Any:
        self._check_warm()
        return super().similar(*args, **kwargs)

    def _check_warm(self) -> None:
        if not self.warm.is_set():
            raise ModelsLoadingError("The embedding model is still loading.")
