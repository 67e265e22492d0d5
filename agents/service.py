"""``ConversationService``: the one entry point the REST API, the chat and the CLI use.

``ask`` runs a turn of a thread through the graph; ``answer`` resumes a turn waiting on a
clarification; ``astream`` does either while yielding each step as it starts and ends,
then the finished ``Turn``. Whatever fails, the caller gets a ``Turn`` with a message a
person can act on (stack traces go to the log) and the thread stays usable.

Threads are checkpointed by id (SQLite under ``home`` embedded, PostgreSQL in production):
a new service over the same deployment resumes them, pending clarifications included.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from langgraph.types import Command

from agents.analyst import AnalystAgent, SqlPlan
from agents.graph import build_graph
from agents.services import AgentServices, RunContext
from agents.turn_plan import TurnPlan
from neurolake.conversation import (
    DEFAULT_ROW_LIMIT,
    ConversationManager,
    NotAnAnswerError,
    ThreadInfo,
    Turn,
    TurnEvent,
    TurnRecord,
)
from neurolake.conversation.checkpoints import ConversationStore, open_store
from neurolake.conversation.threads import ThreadIndex
from neurolake.conversation.timetravel import TablePin
from neurolake.errors import NeuroLakeError, NotFoundError
from neurolake.observability.metrics import METRICS

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from neurolake.catalog import User
    from neurolake.engine import QueryPlan
    from neurolake.intent.parser import IntentParser
    from neurolake.platform import NeuroLake
    from neurolake.semantic import ConversationMemory

log = logging.getLogger(__name__)

_INTERNAL = (
    "Something went wrong on our side while answering. The details are in the server log; "
    "please try again, or rephrase the question."
)


class TurnNotFoundError(NotFoundError):
    """No turn with this id in this thread."""


class FeedbackError(NeuroLakeError, ValueError):
    """Feedback is "up" or "down"."""

    status_code = 400


class ConversationService:
    """Conversations over one NeuroLake deployment."""

    def __init__(
        self,
        platform: NeuroLake,
        *,
        parser: IntentParser | None = None,
        memory: ConversationMemory | bool | None = True,
        chat_model: BaseChatModel | None = None,
        store: ConversationStore | None = None,
        row_limit: int = DEFAULT_ROW_LIMIT,
        semantic: bool = True,
    ) -> None:
        from neurolake.intent.parser import IntentParser

        self.platform = platform
        settings = platform.settings
        self._owns_parser = parser is None
        self.parser = parser or IntentParser.from_platform(platform, semantic=semantic)
        self._owns_memory = memory is True
        self.memory = _open_memory(platform) if memory is True else (memory or None)
        self._owns_store = store is None
        self.store = store or open_store(settings)
        self.thread_index = ThreadIndex(self.store.url)
        self.manager = ConversationManager(
            self.parser, memory=self.memory, store=self.store, threads=self.thread_index, row_limit=row_limit
        )
        self.services = AgentServices(
            manager=self.manager,
            engine=platform.engine,
            catalog=platform.catalog,
            storage=platform.storage,
            model=chat_model,
            schema_index_factory=_schema_index_factory(platform) if semantic else None,
        )
        self.graph = build_graph(self.store.saver)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @classmethod
    def from_platform(cls, platform: NeuroLake, **options: Any) -> ConversationService:
        """The service for a deployment; with an LLM provider configured, its chat model too."""
        if "chat_model" not in options and platform.settings.llm.provider != "offline":
            from neurolake.llm.chat_model import ProviderChatModel

            options["chat_model"] = ProviderChatModel(provider=platform.llm)
        return cls(platform, **options)

    # ------------------------------------------------------------------------ turns

    def ask(self, thread_id: str, text: str, *, user: User | None = None, typed_sql: bool = False) -> Turn:
        """Answer ``text`` in thread ``thread_id`` (an answer, if a clarification is pending).

        ``typed_sql``: ``text`` is SQL to run as typed (``/sql``), never read as a question.
        """
        return _last_turn(self.stream(thread_id, text, user=user, typed_sql=typed_sql))

    def answer(self, thread_id: str, choice: str, *, user: User | None = None) -> Turn:
        """Resume the pending clarification with an option id, its label, or free text."""
        return _last_turn(self.stream(thread_id, resume=choice, user=user))

    async def aask(self, thread_id: str, text: str, *, user: User | None = None) -> Turn:
        return await asyncio.to_thread(self.ask, thread_id, text, user=user)

    async def aanswer(self, thread_id: str, choice: str, *, user: User | None = None) -> Turn:
        return await asyncio.to_thread(self.answer, thread_id, choice, user=user)

    def stream(
        self,
        thread_id: str,
        text: str | None = None,
        *,
        resume: str | None = None,
        user: User | None = None,
        typed_sql: bool = False,
        as_of: dict[str, Any] | None = None,
    ) -> Iterator[TurnEvent]:
        """Step events of one turn (a new question, or ``resume`` of a clarification), then the turn.

        ``as_of`` (``{"table", "version", "timestamp"}``) reads that table (every table when
        ``table`` is None) at that point in the turn's SQL.
        """
        for event in self._stream(thread_id, text, resume=resume, user=user, typed_sql=typed_sql, as_of=as_of):
            if event.turn is not None:
                turn = event.turn
                METRICS.question(outcome_of(turn), text=turn.question, error=turn.error, message=turn.message)
            yield event

    def _stream(
        self,
        thread_id: str,
        text: str | None,
        *,
        resume: str | None,
        user: User | None,
        typed_sql: bool = False,
        as_of: dict[str, Any] | None = None,
    ) -> Iterator[TurnEvent]:
        with self._lock(thread_id):
            try:
                pending = self.pending(thread_id)
                if resume is not None:
                    if pending is None:
                        yield TurnEvent("turn", turn=self._no_pending(thread_id, resume))
                        return
                    yield from self._run(thread_id, Command(resume=resume), user, pending["question"])
                    return
                question = (text or "").strip()
                if pending is not None:
                    reply = None if typed_sql else self._reply_to(thread_id, question)
                    if reply is not None:
                        yield from self._run(thread_id, Command(resume=reply), user, question)
                        return
                    # A new question instead of an answer: set the old one aside first.
                    for _ in self._run(thread_id, Command(resume={"cancel": True}), user, question):
                        pass
                turn_id = uuid.uuid4().hex[:12]
                asked_at = datetime.now(UTC).isoformat()
                pins = (TablePin.from_dict(as_of),) if as_of else ()
                plan = TurnPlan(thread_id, turn_id, question, asked_at, typed_sql=typed_sql, pins=pins)
                yield from self._run(thread_id, {"turn": plan.to_dict()}, user, question)
            except Exception:  # the caller always gets a turn
                log.exception("conversation %s failed outside the graph", thread_id)
                yield TurnEvent("turn", turn=self._failed(thread_id, text or resume or ""))

    async def astream(
        self,
        thread_id: str,
        text: str | None = None,
        *,
        resume: str | None = None,
        user: User | None = None,
        typed_sql: bool = False,
        as_of: dict[str, Any] | None = None,
    ) -> AsyncIterator[TurnEvent]:
        """``stream`` for asyncio: the turn runs in a worker thread, events arrive as they happen."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[TurnEvent | None] = asyncio.Queue()

        def produce() -> None:
            try:
                for event in self.stream(thread_id, text, resume=resume, user=user, typed_sql=typed_sql, as_of=as_of):
                    loop.call_soon_threadsafe(queue.put_nowait, event)
            finally:
                loop.call_soon_threadsafe(queue.put_nowait, None)

        worker = loop.run_in_executor(None, produce)
        while (event := await queue.get()) is not None:
            yield event
        await worker

    def explain(self, sql: str, *, user: User | None = None) -> QueryPlan:
        """The plan of SQL typed with ``/explain``, nothing run, after the checks ``/sql`` makes for ``user``.

        Raises what a ``/sql`` turn of the same text would stop on: a write by a user who may
        not write, a table or column the catalog does not have, a statement that is not a query.
        """
        agent = AnalystAgent(self.services, user=user)
        seen = self.manager.typed_sql(sql, can_write=agent.can_write)
        checked = agent.validate(SqlPlan(seen.question, seen.sql or "", "typed", seen.row_limit, writes=seen.writes))
        return self.platform.engine.explain(checked.sql)

    # ------------------------------------------------------------------------ threads

    def history(self, thread_id: str) -> list[TurnRecord]:
        """The thread's finished turns, oldest first."""
        return self.manager.history(thread_id)

    def threads(self, user: User | str | None = None) -> list[ThreadInfo]:
        """Conversations, most recent first; only ``user``'s when given."""
        name = user if isinstance(user, str) or user is None else user.username
        return self.manager.threads(name)

    def pending(self, thread_id: str) -> dict[str, Any] | None:
        """The clarification waiting for an answer in the thread (``{"question", "options"}``), or None."""
        snapshot = self.graph.get_state(_config(thread_id))
        if "clarify" not in snapshot.next:
            return None
        pending = _plan_of(snapshot.values).pending
        return pending.public() if pending is not None else None

    def forget_context(self, thread_id: str) -> None:
        """The thread's next question starts afresh: no earlier answer's filters or period to build on.

        A thread waiting on a clarification is left as it is (its next message settles that first).
        """
        with self._lock(thread_id):
            snapshot = self.graph.get_state(_config(thread_id))
            if snapshot.values.get("context") and "clarify" not in snapshot.next:
                self.graph.update_state(_config(thread_id), {"context": None})

    def feedback(self, thread_id: str, turn_id: str, value: str) -> TurnRecord:
        """Record "up" or "down" on a turn; approved answers become examples and are reused."""
        if value not in ("up", "down"):
            raise FeedbackError(f"Feedback must be 'up' or 'down', not {value!r}.")
        with self._lock(thread_id):
            record = next((r for r in self.history(thread_id) if r.turn_id == turn_id), None)
            if record is None:
                raise TurnNotFoundError(f"Thread {thread_id!r} has no turn {turn_id!r}.")
            record.feedback = value  # type: ignore[assignment]
            self._feed_memory(record, value)
            self.graph.update_state(_config(thread_id), {"turns": [record.to_dict()]})
            return record

    def close(self) -> None:
        """Release the checkpointer, the thread index, memory and the parser's index."""
        self.services.close()
        if self._owns_parser:
            self.parser.close()
        if self._owns_memory and self.memory is not None:
            self.memory.close()
        self.thread_index.close()
        if self._owns_store:
            self.store.close()

    # ------------------------------------------------------------------------ internals

    def _run(self, thread_id: str, graph_input: Any, user: User | None, question: str) -> Iterator[TurnEvent]:
        context = RunContext(agent=AnalystAgent(self.services, user=user), user=user)
        before = graph_input.get("turn") if isinstance(graph_input, dict) else self._plan_dict(thread_id)
        try:
            for mode, chunk in self.graph.stream(
                graph_input, _config(thread_id), context=context, stream_mode=["updates", "custom"]
            ):
                if mode == "custom" and isinstance(chunk, dict) and "step" in chunk:
                    yield TurnEvent("step", name=chunk["step"], status="start")
                elif mode == "updates" and isinstance(chunk, dict):
                    for name, update in chunk.items():
                        if name == "__interrupt__":
                            yield TurnEvent("step", name="clarify", status="done", detail={"waiting": True})
                        else:
                            after = (update or {}).get("turn") or {}
                            yield TurnEvent("step", name=name, status="done", detail=_detail(name, before, after))
                            before = after
            turn = self._turn(thread_id, context)
        except Exception:  # the caller always gets a turn
            log.exception("conversation %s: the graph failed", thread_id)
            turn = self._failed(thread_id, question)
        self._touch(thread_id, user)
        yield TurnEvent("turn", turn=turn)

    def _turn(self, thread_id: str, context: RunContext) -> Turn:
        snapshot = self.graph.get_state(_config(thread_id))
        plan = _plan_of(snapshot.values)
        waiting = "clarify" in snapshot.next and plan.pending is not None
        steps = list(plan.steps)
        if waiting and "clarify" not in steps[-1:]:
            steps.append("clarify")
        clarification = plan.pending.public() if waiting and plan.pending is not None else None
        return Turn(
            thread_id=thread_id,
            turn_id=plan.turn_id,
            question=plan.question,
            intent=plan.intent.summary() if plan.intent is not None else {},
            sql=plan.sql,
            result=None if waiting else context.result,
            plan=None if waiting else plan.query_plan,
            table_versions={} if waiting else dict(plan.table_versions),
            chart=None if waiting else plan.chart,
            clarification=clarification,
            message=_message(plan, clarification),
            error=None if waiting else plan.error,
            steps=steps,
            source=plan.source,
            notes=[] if waiting or plan.error else list(plan.notes),
        )

    def turn_plan(self, thread_id: str) -> TurnPlan | None:
        """The typed plan of the thread's last (or waiting) turn, None for a new thread."""
        data = self._plan_dict(thread_id)
        return TurnPlan.from_dict(data) if data else None

    def _plan_dict(self, thread_id: str) -> dict[str, Any] | None:
        return self.graph.get_state(_config(thread_id)).values.get("turn")

    def _reply_to(self, thread_id: str, text: str) -> dict[str, Any] | None:
        """The resume value when ``text`` answers the thread's pending clarification, else None.

        It carries the reading the answer picked, so the clarify step does not read it again.
        """
        pending = _plan_of(self.graph.get_state(_config(thread_id)).values).pending
        if pending is None:
            return None
        try:
            picked = self.manager.answer(pending, text)
        except NotAnAnswerError:
            return None
        return {"picked": picked.model_dump(mode="json") if picked is not None else None}

    def _feed_memory(self, record: TurnRecord, value: str) -> None:
        if self.memory is None:
            return
        try:
            if record.memory_id is not None:
                self.memory.set_feedback(record.memory_id, value)  # type: ignore[arg-type]
            elif value == "up" and record.sql and record.error is None:
                tables = sorted(record.table_versions)
                record.memory_id = self.memory.remember(
                    record.question, record.sql, tables, thread_id=record.thread_id, feedback="up"
                )
        except (NeuroLakeError, OSError, RuntimeError) as e:
            log.warning("feedback not stored in memory: %s", e)

    def _touch(self, thread_id: str, user: User | None) -> None:
        try:
            snapshot = self.graph.get_state(_config(thread_id))
            turns = snapshot.values.get("turns") or []
            plan = _plan_of(snapshot.values)
            title = turns[0]["question"] if turns else plan.question
            pending = "clarify" in snapshot.next and plan.pending is not None
            username = user.username if user is not None else None
            self.thread_index.touch(thread_id, user=username, title=title, turns=len(turns), pending=pending)
        except Exception:  # the index is a convenience; the turn itself is saved
            log.exception("could not update the thread index for %s", thread_id)

    def _no_pending(self, thread_id: str, choice: str) -> Turn:
        return Turn(
            thread_id=thread_id,
            turn_id="",
            question=choice,
            message="There is no open question in this conversation to answer. Ask a new question instead.",
            error="no_pending_question",
        )

    def _failed(self, thread_id: str, question: str) -> Turn:
        return Turn(thread_id=thread_id, turn_id="", question=question, message=_INTERNAL, error="internal_error")

    def _lock(self, thread_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(thread_id, threading.Lock())


def outcome_of(turn: Turn) -> str:
    """How a turn ended, for the question counter: answered, clarified or failed."""
    if turn.clarification is not None:
        return "clarified"
    return "failed" if turn.error is not None else "answered"


def _config(thread_id: str) -> Any:
    return {"configurable": {"thread_id": thread_id}}


def _plan_of(values: dict[str, Any]) -> TurnPlan:
    return TurnPlan.from_dict(values.get("turn") or {})


def _message(plan: TurnPlan, clarification: dict[str, Any] | None) -> str:
    """The turn's message; while waiting, the clarification question (and why it was asked again)."""
    message = plan.message or ""
    if clarification is None:
        return message
    return str(message or clarification["question"])


def _last_turn(events: Iterator[TurnEvent]) -> Turn:
    turn: Turn | None = None
    for event in events:
        if event.kind == "turn":
            turn = event.turn
    assert turn is not None, "a turn stream always ends with the turn"
    return turn


#: What each finished step reports of the plan (the SQL, its source, the row count, ...).
_STEP_DETAIL: dict[str, tuple[str, ...]] = {
    "generate_sql": ("sql", "source", "tools_called"),
    "validate": ("sql", "source", "repairs"),
    "optimize": ("table_versions",),
    "execute": ("sql", "source", "repairs", "table_versions", "row_count"),
    "present": ("chart",),
}


def _detail(name: str, before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any] | None:
    """What a finished step reports: what it produced, and its error if it stopped the turn."""
    flat = {
        **after,
        "sql": (after.get("statement") or {}).get("sql"),
        "row_count": (after.get("result") or {}).get("row_count"),
    }
    detail = {k: flat[k] for k in _STEP_DETAIL.get(name, ()) if flat.get(k) not in (None, [], {}, "")}
    if after.get("error") and after.get("error") != (before or {}).get("error"):
        detail["error"] = after["error"]
    if name in ("understand", "clarify") and after.get("pending"):
        detail["clarification"] = after.get("clarification")
    return detail or None


def _open_memory(platform: NeuroLake) -> ConversationMemory | None:
    try:
        from neurolake.semantic import ConversationMemory

        return ConversationMemory.from_settings(platform.settings)
    except (NeuroLakeError, OSError, RuntimeError, ImportError) as e:
        log.warning("conversation memory unavailable: %s", e)
        return None


def _schema_index_factory(platform: NeuroLake) -> Any:
    def open_index() -> Any:
        from neurolake.semantic import SchemaIndex

        return SchemaIndex.from_settings(platform.settings, catalog=platform.catalog, storage=platform.storage)

    return open_index
