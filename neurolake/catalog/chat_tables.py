"""The chat's tables: Chainlit threads, steps, elements, feedback and users, prefixed ``chat_``.

Chainlit's bundled SQL data layer names its tables ``users``, ``threads``... and the catalog
already has a ``users`` table, so the chat keeps prefixed tables next to the catalog's, in
the same database. They are created by migration 0003 (``neurolake db upgrade``; the embedded
catalog upgrades itself); ``app.persistence`` reads and writes them. Times are ISO strings,
as Chainlit sends them.
"""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, Integer, LargeBinary, MetaData, String, Table, Text

#: Separate from the ORM models' metadata: Alembic compares both (``alembic/env.py``).
metadata = MetaData()

chat_users = Table(
    "chat_users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("identifier", String(255), unique=True, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("meta", JSON, nullable=False, default=dict),
)
chat_threads = Table(
    "chat_threads",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Column("name", Text),
    Column("user_id", String(36), index=True),
    Column("user_identifier", String(255)),
    Column("tags", JSON),
    Column("meta", JSON, nullable=False, default=dict),
)
chat_steps = Table(
    "chat_steps",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("thread_id", String(64), index=True, nullable=False),
    Column("parent_id", String(64)),
    Column("name", Text),
    Column("type", String(64)),
    Column("command", Text),
    Column("streaming", Boolean, default=False),
    Column("wait_for_answer", Boolean),
    Column("is_error", Boolean),
    Column("meta", JSON),
    Column("tags", JSON),
    Column("input", Text),
    Column("output", Text),
    Column("created_at", String(40)),
    Column("start", String(40)),
    Column("end", String(40)),
    Column("generation", JSON),
    Column("show_input", String(16)),
    Column("language", String(64)),
    Column("default_open", Boolean),
)
chat_elements = Table(
    "chat_elements",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("thread_id", String(64), index=True),
    Column("for_id", String(64), index=True),
    Column("type", String(32)),
    Column("name", Text),
    Column("display", String(16)),
    Column("size", String(16)),
    Column("language", String(64)),
    Column("page", Integer),
    Column("mime", String(255)),
    Column("url", Text),
    Column("chainlit_key", String(64)),
    Column("props", JSON),
    Column("content", LargeBinary),
)
chat_feedbacks = Table(
    "chat_feedbacks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("for_id", String(64), index=True, nullable=False),
    Column("thread_id", String(64), index=True),
    Column("value", Integer, nullable=False),
    Column("comment", Text),
)

#: Every chat table, in the order they are created.
CHAT_TABLES = (chat_users, chat_threads, chat_steps, chat_elements, chat_feedbacks)
