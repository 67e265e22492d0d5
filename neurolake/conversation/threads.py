"""The index of conversations: one row per thread, for listing a user's conversations.

The turns themselves live in the checkpointer (keyed by thread id); this small table lives
next to it (the same SQLite file or PostgreSQL database) and answers "which conversations
does this user have", which checkpoints alone cannot answer cheaply.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    select,
)

from neurolake.conversation.turns import ThreadInfo

_METADATA = MetaData()
THREADS = Table(
    "conversation_threads",
    _METADATA,
    Column("thread_id", String(128), primary_key=True),
    Column("username", String(255), nullable=True, index=True),
    Column("title", String(200), nullable=False, default=""),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("turns", Integer, nullable=False, default=0),
    Column("pending", Boolean, nullable=False, default=False),
)
TITLE_CHARS = 200


class ThreadIndex:
    """Threads with their owner, title, activity and whether a clarification waits."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        _METADATA.create_all(self.engine, checkfirst=True)

    def touch(self, thread_id: str, *, user: str | None, title: str, turns: int, pending: bool) -> None:
        """Create or update a thread's row after a turn."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            row = conn.execute(select(THREADS.c.thread_id).where(THREADS.c.thread_id == thread_id)).first()
            if row is None:
                conn.execute(
                    THREADS.insert().values(
                        thread_id=thread_id,
                        username=user,
                        title=title[:TITLE_CHARS],
                        created_at=now,
                        updated_at=now,
                        turns=turns,
                        pending=pending,
                    )
                )
            else:
                conn.execute(
                    THREADS.update()
                    .where(THREADS.c.thread_id == thread_id)
                    .values(updated_at=now, turns=turns, pending=pending)
                )

    def get(self, thread_id: str) -> ThreadInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(THREADS).where(THREADS.c.thread_id == thread_id)).mappings().first()
        return _info(dict(row)) if row is not None else None

    def list(self, user: str | None = None, *, limit: int = 100) -> list[ThreadInfo]:
        """Threads, most recently active first; only ``user``'s when given."""
        query = select(THREADS).order_by(THREADS.c.updated_at.desc()).limit(limit)
        if user is not None:
            query = query.where(THREADS.c.username == user)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [_info(dict(r)) for r in rows]

    def close(self) -> None:
        self.engine.dispose()


def _info(row: dict[str, object]) -> ThreadInfo:
    return ThreadInfo(
        thread_id=str(row["thread_id"]),
        title=str(row["title"]),
        user=row["username"] if isinstance(row["username"], str) else None,
        created_at=_iso(row["created_at"]),
        updated_at=_iso(row["updated_at"]),
        turns=int(row["turns"] or 0),  # type: ignore[call-overload]
        pending=bool(row["pending"]),
    )


def _iso(value: object) -> str:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    return str(value)
