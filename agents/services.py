"""What the agent works with, built once per ``ConversationService``, and who it works for.

``AgentServices`` holds the long-lived components (the conversation manager and its
parser, the engine, storage, catalog, memory, an optional chat model); ``RunContext`` is
LangGraph's runtime context for one run: the services, the user and their permission,
and a slot for the rows of the answer (rows never go into the checkpointed state).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from agents.analyst import AnalystAgent
    from neurolake.catalog import Catalog, User
    from neurolake.conversation import ConversationManager
    from neurolake.engine import NeuroLakeEngine, QueryResult
    from neurolake.intent.parser import IntentParser
    from neurolake.semantic import ConversationMemory, SchemaIndex
    from neurolake.storage import DeltaStorageManager

log = logging.getLogger(__name__)

#: Roles whose typed SQL may write (everyone else reads only).
WRITE_ROLES = frozenset({"admin"})


def can_write(user: User | None) -> bool:
    """True when ``user`` holds write permission; nobody anonymous does."""
    return user is not None and user.role in WRITE_ROLES and user.revoked_at is None


@dataclass
class AgentServices:
    """The components one deployment's agent uses."""

    manager: ConversationManager
    engine: NeuroLakeEngine
    catalog: Catalog
    storage: DeltaStorageManager | None = None
    model: BaseChatModel | None = None
    #: Opens the embedding index of the schema on first use (None: lexical search only).
    schema_index_factory: Callable[[], SchemaIndex] | None = None
    _schema_index: Any = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def parser(self) -> IntentParser:
        return self.manager.parser

    @property
    def memory(self) -> ConversationMemory | None:
        return self.manager.memory

    def schema_index(self) -> SchemaIndex | None:
        """The embedding index, opened once; None when it is off or cannot open."""
        if self.schema_index_factory is None:
            return None
        with self._lock:
            if self._schema_index is None:
                try:
                    self._schema_index = self.schema_index_factory()
                except Exception as e:  # semantic search is an optional extra
                    log.warning("schema index unavailable, searching by name only: %s", e)
                    self.schema_index_factory = None
                    return None
            return self._schema_index

    def close(self) -> None:
        index = self._schema_index
        self._schema_index = None
        if index is not None and hasattr(index, "close"):
            index.close()


@dataclass
class RunContext:
    """LangGraph runtime context of one run: fixed for the run, never checkpointed."""

    agent: AnalystAgent
    user: User | None = None
    #: The answer's rows, set by the execute step for the caller.
    result: QueryResult | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def username(self) -> str | None:
        return self.user.username if self.user is not None else None
