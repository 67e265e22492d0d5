"""Chat threads kept in the catalog database: Chainlit's data layer over five ``chat_*`` tables.

The tables (``neurolake.catalog.chat_tables``) sit next to the catalog's, in the same
database (SQLite by default, PostgreSQL in production), and are created by its migrations.
Every call runs the blocking SQLAlchemy work in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from chainlit.data.base import BaseDataLayer
from chainlit.data.utils import queue_until_user_message
from chainlit.types import Feedback, PageInfo, PaginatedResponse, Pagination, ThreadDict, ThreadFilter
from chainlit.user import PersistedUser, User
from sqlalchemy import (
    Connection,
    Engine,
    RowMapping,
    Table,
    delete,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from neurolake.catalog.chat_tables import (
    CHAT_TABLES,
    chat_elements,
    chat_feedbacks,
    chat_steps,
    chat_threads,
    chat_users,
)
from neurolake.errors import ConfigurationError

if TYPE_CHECKING:
    from chainlit.element import Element, ElementDict
    from chainlit.step import StepDict

T = TypeVar("T")

#: Where the browser fetches a persisted element's content (see ``app.routes``).
ELEMENT_ROUTE = "/neurolake/elements"
#: Larger element contents are not kept (a resumed thread shows their name without content).
MAX_ELEMENT_BYTES = 32 * 1024 * 1024

#: The content type of elements Chainlit sends without one. The page parses a dataframe's JSON
#: itself (it must arrive as text); a plotly figure arrives parsed (application/json).
_TYPE_MIME = {"dataframe": "text/plain", "plotly": "application/json", "text": "text/plain"}
# StepDict key -> column; the rest of a StepDict is not kept.
_STEP_COLUMNS = {
    "id": "id",
    "threadId": "thread_id",
    "parentId": "parent_id",
    "name": "name",
    "type": "type",
    "command": "command",
    "streaming": "streaming",
    "waitForAnswer": "wait_for_answer",
    "isError": "is_error",
    "metadata": "meta",
    "tags": "tags",
    "input": "input",
    "output": "output",
    "createdAt": "created_at",
    "start": "start",
    "end": "end",
    "generation": "generation",
    "showInput": "show_input",
    "language": "language",
    "defaultOpen": "default_open",
}


def _upsert(conn: Connection, table: Table, values: dict[str, Any], *, update: bool = True) -> None:
    """Insert a row, or update (or keep) the one with the same id: one statement, no race."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    changes = {k: v for k, v in values.items() if k != "id"}
    if update and changes:
        conn.execute(statement.on_conflict_do_update(index_elements=["id"], set_=changes))
    else:
        conn.execute(statement.on_conflict_do_nothing(index_elements=["id"]))


def now() -> str:
    """The time as Chainlit writes it (ISO 8601, UTC, ``Z``)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def element_url(thread_id: str, element_id: str) -> str:
    return f"{ELEMENT_ROUTE}/{thread_id}/{element_id}"


class CatalogDataLayer(BaseDataLayer):
    """Users, threads, steps, elements and feedback in the catalog's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        missing = [t.name for t in CHAT_TABLES if not inspect(engine).has_table(t.name)]
        if missing:
            raise ConfigurationError(
                f"The catalog database has no chat tables ({', '.join(missing)}).",
                hint="Run `neurolake db upgrade` to migrate it to the current release.",
            )
        # Chainlit fires a step's create and its updates as separate tasks; one writer thread
        # applies them in the order they were made, so a late create cannot undo an update.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-data")

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(work, *args)

    async def _write(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._writer, partial(work, *args))

    # -- users ---------------------------------------------------------------------------
    def _get_user(self, identifier: str) -> PersistedUser | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(chat_users).where(chat_users.c.identifier == identifier)).first()
        if row is None:
            return None
        return PersistedUser(id=row.id, identifier=row.identifier, createdAt=row.created_at, metadata=row.meta or {})

    async def get_user(self, identifier: str) -> PersistedUser | None:
        return await self._run(self._get_user, identifier)

    def _create_user(self, user: User) -> PersistedUser | None:
        # IntegrityError: another request created the same user at the same moment.
        with contextlib.suppress(IntegrityError):
            self._save_user(user)
        return self._get_user(user.identifier)

    def _save_user(self, user: User) -> None:
        with self.engine.begin() as conn:
            found = conn.execute(select(chat_users.c.id).where(chat_users.c.identifier == user.identifier)).first()
            if found is None:
                conn.execute(
                    insert(chat_users).values(
                        id=str(uuid.uuid4()), identifier=user.identifier, created_at=now(), meta=user.metadata or {}
                    )
                )
            else:
                conn.execute(update(chat_users).where(chat_users.c.id == found.id).values(meta=user.metadata or {}))

    async def create_user(self, user: User) -> PersistedUser | None:
        return await self._write(self._create_user, user)

    # -- feedback ------------------------------------------------------------------------
    def _upsert_feedback(self, feedback: Feedback) -> str:
        feedback_id = feedback.id or str(uuid.uuid4())
        values = {
            "id": feedback_id,
            "for_id": feedback.forId,
            "thread_id": feedback.threadId,
            "value": int(feedback.value),
            "comment": feedback.comment,
        }
        with self.engine.begin() as conn:
            _upsert(conn, chat_feedbacks, values)
        return feedback_id

    async def upsert_feedback(self, feedback: Feedback) -> str:
        feedback.id = await self._write(self._upsert_feedback, feedback)
        return feedback.id

    def _delete_feedback(self, feedback_id: str) -> bool:
        with self.engine.begin() as conn:
            conn.execute(delete(chat_feedbacks).where(chat_feedbacks.c.id == feedback_id))
        return True

    async def delete_feedback(self, feedback_id: str) -> bool:
        return await self._write(self._delete_feedback, feedback_id)

    # -- elements ------------------------------------------------------------------------
    def _create_element(self, element: Element) -> None:
        content = element.content
        if content is None and element.path:
            path = Path(element.path)
            if path.is_file() and path.stat().st_size <= MAX_ELEMENT_BYTES:
                content = path.read_bytes()
        data = content.encode("utf-8") if isinstance(content, str) else content
        if data is not None and len(data) > MAX_ELEMENT_BYTES:
            data = None
        url = element.url or (element_url(element.thread_id, element.id) if data is not None else None)
        values = {
            "id": element.id,
            "thread_id": element.thread_id,
            "for_id": element.for_id,
            "type": element.type,
            "name": element.name,
            "display": element.display,
            "size": getattr(element, "size", None),
            "language": element.language,
            "page": getattr(element, "page", None),
            "mime": element.mime or _TYPE_MIME.get(element.type),
            "url": url,
            "chainlit_key": element.chainlit_key,
            "props": getattr(element, "props", None),
            "content": data,
        }
        with self.engine.begin() as conn:
            self._thread_exists(conn, element.thread_id)
            _upsert(conn, chat_elements, values)

    @queue_until_user_message()
    async def create_element(self, element: Element) -> None:
        if not element.for_id:
            return  # not attached to a message: nothing to show when the thread is resumed
        await self._write(self._create_element, element)

    def _get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(chat_elements).where(chat_elements.c.id == element_id, chat_elements.c.thread_id == thread_id)
            ).first()
        return None if row is None else _element_dict(row._mapping)

    async def get_element(self, thread_id: str, element_id: str) -> ElementDict | None:
        return await self._run(self._get_element, thread_id, element_id)

    def element_content(self, thread_id: str, element_id: str) -> tuple[bytes, str] | None:
        """The stored content of an element and its MIME type (blocking)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(chat_elements.c.content, chat_elements.c.mime).where(
                    chat_elements.c.id == element_id, chat_elements.c.thread_id == thread_id
                )
            ).first()
        if row is None or row.content is None:
            return None
        return bytes(row.content), row.mime or "application/octet-stream"

    def _delete_element(self, element_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(chat_elements).where(chat_elements.c.id == element_id))

    @queue_until_user_message()
    async def delete_element(self, element_id: str, thread_id: str | None = None) -> None:
        await self._write(self._delete_element, element_id)

    # -- steps ---------------------------------------------------------------------------
    def _upsert_step(self, step: StepDict) -> None:
        values = {column: step[key] for key, column in _STEP_COLUMNS.items() if step.get(key) is not None}  # type: ignore[literal-required]
        if "show_input" in values:
            values["show_input"] = str(values["show_input"]).lower()
        with self.engine.begin() as conn:
            self._thread_exists(conn, step["threadId"])
            _upsert(conn, chat_steps, values)
            conn.execute(update(chat_threads).where(chat_threads.c.id == step["threadId"]).values(updated_at=now()))

    @queue_until_user_message()
    async def create_step(self, step_dict: StepDict) -> None:
        await self._write(self._upsert_step, step_dict)

    @queue_until_user_message()
    async def update_step(self, step_dict: StepDict) -> None:
        await self._write(self._upsert_step, step_dict)

    def _delete_step(self, step_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(chat_feedbacks).where(chat_feedbacks.c.for_id == step_id))
            conn.execute(delete(chat_elements).where(chat_elements.c.for_id == step_id))
            conn.execute(delete(chat_steps).where(chat_steps.c.id == step_id))

    @queue_until_user_message()
    async def delete_step(self, step_id: str) -> None:
        await self._write(self._delete_step, step_id)

    def step_metadata(self, step_id: str) -> dict[str, Any]:
        """The metadata a message was saved with (blocking); empty when unknown."""
        with self.engine.connect() as conn:
            row = conn.execute(select(chat_steps.c.meta).where(chat_steps.c.id == step_id)).first()
        return dict(row.meta or {}) if row is not None else {}

    def answer_metadata(self, step_id: str, key: str) -> dict[str, Any]:
        """The metadata holding ``key`` of a step or, for a run, of its last message that has it.

        Chainlit puts thumbs on the run of a message; the answer inside it carries the ids.
        """
        own = self.step_metadata(step_id)
        if key in own:
            return own
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(chat_steps.c.meta)
                .where(chat_steps.c.parent_id == step_id)
                .order_by(chat_steps.c.created_at.desc())
            ).all()
        return next((dict(r.meta) for r in rows if r.meta and key in r.meta), {})

    # -- threads -------------------------------------------------------------------------
    @staticmethod
    def _thread_exists(conn: Connection, thread_id: str) -> None:
        stamp = now()
        values = {"id": thread_id, "created_at": stamp, "updated_at": stamp, "meta": {}}
        _upsert(conn, chat_threads, values, update=False)

    def _get_thread_author(self, thread_id: str) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(select(chat_threads.c.user_identifier).where(chat_threads.c.id == thread_id)).first()
        return (row.user_identifier or "") if row is not None else ""

    async def get_thread_author(self, thread_id: str) -> str:
        return await self._run(self._get_thread_author, thread_id)

    def _update_thread(
        self,
        thread_id: str,
        name: str | None,
        user_id: str | None,
        meta: dict[str, Any] | None,
        tags: list[str] | None,
    ) -> None:
        with self.engine.begin() as conn:
            self._thread_exists(conn, thread_id)
            row = conn.execute(select(chat_threads.c.meta).where(chat_threads.c.id == thread_id)).one()
            values: dict[str, Any] = {}
            if meta is not None:
                merged = {k: v for k, v in dict(row.meta or {}).items() if meta.get(k, "") is not None}
                merged.update({k: v for k, v in meta.items() if v is not None})
                values["meta"] = merged
                if name is None and isinstance(meta.get("name"), str):
                    name = meta["name"]
            if name:  # an empty name (a message with only a file) keeps the one given
                values["name"] = name
            if tags is not None:
                values["tags"] = tags
            if user_id is not None:
                owner = conn.execute(select(chat_users.c.identifier).where(chat_users.c.id == user_id)).first()
                values["user_id"] = user_id
                values["user_identifier"] = owner.identifier if owner is not None else None
            if values:
                conn.execute(update(chat_threads).where(chat_threads.c.id == thread_id).values(**values))

    async def update_thread(
        self,
        thread_id: str,
        name: str | None = None,
        user_id: str | None = None,
        metadata: dict | None = None,
        tags: list[str] | None = None,
    ) -> None:
        await self._write(self._update_thread, thread_id, name, user_id, metadata, tags)

    def _delete_thread(self, thread_id: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(delete(chat_feedbacks).where(chat_feedbacks.c.thread_id == thread_id))
            step_ids = select(chat_steps.c.id).where(chat_steps.c.thread_id == thread_id)
            conn.execute(delete(chat_feedbacks).where(chat_feedbacks.c.for_id.in_(step_ids)))
            conn.execute(delete(chat_elements).where(chat_elements.c.thread_id == thread_id))
            conn.execute(delete(chat_steps).where(chat_steps.c.thread_id == thread_id))
            conn.execute(delete(chat_threads).where(chat_threads.c.id == thread_id))

    async def delete_thread(self, thread_id: str) -> None:
        await self._write(self._delete_thread, thread_id)

    def _threads(self, where: Any, limit: int | None = None) -> list[ThreadDict]:
        query = select(chat_threads).where(where).order_by(chat_threads.c.updated_at.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            ids = [r.id for r in rows]
            if not ids:
                return []
            steps = conn.execute(
                select(
                    chat_steps,
                    chat_feedbacks.c.id.label("fb_id"),
                    chat_feedbacks.c.value.label("fb_value"),
                    chat_feedbacks.c.comment.label("fb_comment"),
                )
                .outerjoin(chat_feedbacks, chat_feedbacks.c.for_id == chat_steps.c.id)
                .where(chat_steps.c.thread_id.in_(ids))
                .order_by(chat_steps.c.created_at)
            ).all()
            elements = conn.execute(
                select(*[c for c in chat_elements.c if c.name != "content"]).where(chat_elements.c.thread_id.in_(ids))
            ).all()
        threads: dict[str, ThreadDict] = {
            r.id: ThreadDict(
                id=r.id,
                createdAt=r.created_at,
                name=r.name,
                userId=r.user_id,
                userIdentifier=r.user_identifier,
                tags=r.tags,
                metadata=r.meta or {},
                steps=[],
                elements=[],
            )
            for r in rows
        }
        for step in steps:
            threads[step.thread_id]["steps"].append(_step_dict(step._mapping))
        for element in elements:
            found = threads[element.thread_id]["elements"]
            if found is not None:
                found.append(_element_dict(element._mapping))
        return list(threads.values())

    async def get_thread(self, thread_id: str) -> ThreadDict | None:
        found = await self._run(self._threads, chat_threads.c.id == thread_id)
        return found[0] if found else None

    async def list_threads(self, pagination: Pagination, filters: ThreadFilter) -> PaginatedResponse[ThreadDict]:
        if not filters.userId:
            raise ValueError("userId is required")
        threads = await self._run(self._threads, chat_threads.c.user_id == filters.userId)
        threads = [t for t in threads if _matches(t, filters)]
        start = 0
        if pagination.cursor:
            ids = [t["id"] for t in threads]
            start = ids.index(pagination.cursor) + 1 if pagination.cursor in ids else 0
        page = threads[start : start + pagination.first]
        for thread in page:
            thread["steps"] = []  # the list shows names only; a resume loads the whole thread
            thread["elements"] = []
        return PaginatedResponse(
            pageInfo=PageInfo(
                hasNextPage=len(threads) > start + pagination.first,
                startCursor=page[0]["id"] if page else None,
                endCursor=page[-1]["id"] if page else None,
            ),
            data=page,
        )

    def _favorite_steps(self, user_id: str) -> list[StepDict]:
        thread_ids = select(chat_threads.c.id).where(chat_threads.c.user_id == user_id)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(chat_steps)
                .where(chat_steps.c.thread_id.in_(thread_ids))
                .order_by(chat_steps.c.created_at.desc())
            ).all()
        return [_step_dict(r._mapping) for r in rows if (r.meta or {}).get("favorite")]

    async def get_favorite_steps(self, user_id: str) -> list[StepDict]:
        return await self._run(self._favorite_steps, user_id)

    async def build_debug_url(self) -> str:
        return ""

    async def close(self) -> None:
        # The engine belongs to the catalog, which closes it; pending writes finish first.
        self._writer.shutdown(wait=True)


def _matches(thread: ThreadDict, filters: ThreadFilter) -> bool:
    if filters.search:
        needle = filters.search.lower()
        texts = [thread.get("name") or ""] + [s.get("output") or "" for s in thread["steps"]]
        if not any(needle in text.lower() for text in texts):
            return False
    if filters.feedback is not None:
        values = [feedback.get("value") for s in thread["steps"] if (feedback := s.get("feedback"))]
        if int(filters.feedback) not in values:
            return False
    return True


def _step_dict(row: RowMapping) -> StepDict:
    step: dict[str, Any] = {key: row[column] for key, column in _STEP_COLUMNS.items()}
    step["metadata"] = step.get("metadata") or {}
    if step.get("showInput") in (None, "false"):
        step["input"] = ""
    if row.get("fb_value") is not None:
        step["feedback"] = {
            "forId": row["id"],
            "id": row["fb_id"],
            "value": row["fb_value"],
            "comment": row["fb_comment"],
        }
    return step  # type: ignore[return-value]


def _element_dict(row: RowMapping) -> ElementDict:
    return {
        "id": row["id"],
        "threadId": row["thread_id"],
        "forId": row["for_id"],
        "type": row["type"],
        "name": row["name"] or "",
        "display": row["display"] or "inline",
        "size": row["size"],
        "language": row["language"],
        "page": row["page"],
        "mime": row["mime"],
        "url": row["url"],
        "chainlitKey": None,  # session files are gone once the session ends; the url serves it
        "props": row["props"] or {},
    }
