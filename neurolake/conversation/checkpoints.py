"""Where conversations persist: the LangGraph checkpointer for a deployment.

Embedded (the catalog is a SQLite file): a SQLite checkpointer in ``home/conversations.db``.
Production (the catalog is PostgreSQL): the Postgres checkpointer in the catalog's database.
Either way a conversation is keyed by its thread id and survives a restart.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from neurolake.errors import ConfigurationError

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from neurolake.config import Settings

CONVERSATIONS_FILE = "conversations.db"


@dataclass
class ConversationStore:
    """A checkpointer, the SQLAlchemy URL of the database it lives in, and how to close it."""

    saver: BaseCheckpointSaver[str]
    url: str
    kind: str
    close: Callable[[], None]


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def open_store(settings: Settings) -> ConversationStore:
    """The checkpointer the settings call for (created on first use)."""
    url = settings.database_url
    if is_postgres(url):
        return open_postgres(url)
    return open_sqlite(settings.home / CONVERSATIONS_FILE)


def open_sqlite(path: Path) -> ConversationStore:
    """A SQLite checkpointer in ``path`` (the folder is created)."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    # SqliteSaver serializes access with its own lock, so one connection serves all threads.
    conn = sqlite3.connect(str(path), check_same_thread=False)
    saver = SqliteSaver(conn)
    saver.setup()
    return ConversationStore(saver, f"sqlite:///{path.resolve()}", "sqlite", conn.close)


def open_postgres(url: str) -> ConversationStore:
    """A Postgres checkpointer on a small connection pool to the database of ``url``."""
    try:
        from langgraph.checkpoint.postgres import PostgresSaver
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool
    except ImportError as e:  # pragma: no cover - a declared dependency
        raise ConfigurationError(
            "PostgreSQL conversations need the langgraph-checkpoint-postgres package.",
            hint="pip install langgraph-checkpoint-postgres",
        ) from e
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool: ConnectionPool = ConnectionPool(
        conninfo,
        min_size=1,
        max_size=4,
        kwargs={"autocommit": True, "prepare_threshold": 0, "row_factory": dict_row},
        open=True,
    )
    saver = PostgresSaver(pool)  # type: ignore[arg-type]
    saver.setup()
    return ConversationStore(saver, url, "postgres", pool.close)


def open_memory() -> ConversationStore:
    """A checkpointer in this process's memory: a throwaway thread (``neurolake ask``) keeps no history."""
    from langgraph.checkpoint.memory import InMemorySaver

    # The thread index needs a database too: an in-memory SQLite one, gone with the process.
    return ConversationStore(InMemorySaver(), "sqlite://", "memory", lambda: None)
