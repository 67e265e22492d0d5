"""The embedding index as a ``SchemaLinker``, opened only when the parser first needs it.

Loading the embedding model takes seconds, and most questions link with words alone, so
the index (``neurolake.semantic.SchemaIndex``) is built on the first word nothing matched
lexically. If it cannot be opened (no model folder, a Qdrant folder held by another
process), the parser carries on without it: it works, less well, on words alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from neurolake.errors import NeuroLakeError

log = logging.getLogger(__name__)


class LazySemanticLinker:
    """Builds the index with ``factory`` on first use; turns itself off if that fails."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._index: Any = None
        self._failed = False
        self._lock = threading.Lock()

    def _get(self) -> Any:
        with self._lock:
            if self._index is None and not self._failed:
                try:
                    self._index = self._factory()
                except (NeuroLakeError, ImportError, OSError) as e:
                    log.warning("semantic index unavailable, linking with words only: %s", e)
                    self._failed = True
            return self._index

    def search(self, text: str, k: int = 10) -> Sequence[Any]:
        index = self._get()
        if index is None:
            return []
        try:
            return list(index.search(text, k=k))
        except NeuroLakeError as e:
            log.warning("semantic search failed: %s", e)
            return []

    def lookup_values(self, text: str, k: int = 10) -> Sequence[Any]:
        index = self._get()
        if index is None:
            return []
        try:
            return list(index.lookup_values(text, k=k))
        except NeuroLakeError as e:
            log.warning("semantic value lookup failed: %s", e)
            return []

    def close(self) -> None:
        with self._lock:
            if self._index is not None and hasattr(self._index, "close"):
                self._index.close()
            self._index = None
