"""``ConversationManager``: a question read in the light of the conversation so far.

It decides what a turn is: a command about the last answer ("show the SQL", "more rows",
"sort by revenue instead", "as a share of the total"), a follow-up that edits the last
intent ("only Germany", "now by month", "what about last year?"), or a new question; and
whether to ask back first. It also finds approved answers to similar questions in
conversation memory, and reads each thread's history from the checkpointer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from neurolake.conversation.clarify import PendingClarification, apply_answer, from_intent
from neurolake.conversation.columns import listing_clarification
from neurolake.conversation.commands import ConversationCommand, read_command
from neurolake.conversation.missing import meaning_clarification, missing_message
from neurolake.conversation.refine import can_share, refine_tree
from neurolake.conversation.sorting import resort_intent, sort_intent
from neurolake.conversation.turns import ThreadInfo, TurnRecord
from neurolake.errors import NeuroLakeError
from neurolake.intent.model import Intent, IntentKind

if TYPE_CHECKING:
    from neurolake.conversation.checkpoints import ConversationStore
    from neurolake.conversation.threads import ThreadIndex
    from neurolake.intent.parser import IntentParser
    from neurolake.semantic import ConversationMemory, MemoryHit

log = logging.getLogger(__name__)

#: Rows an answer shows unless the user asks for more.
DEFAULT_ROW_LIMIT = 100
#: A remembered, approved question at least this similar is answered with its SQL directly.
REUSE_SCORE = 0.95
#: How many approved similar questions are offered to a model as examples.
EXAMPLES = 3


@dataclass
class ConversationContext:
    """What a follow-up builds on: the last answered question of the thread."""

    question: str
    intent: dict[str, Any]
    sql: str | None
    refine: dict[str, Any] = field(default_factory=dict)
    row_limit: int = DEFAULT_ROW_LIMIT
    truncated: bool = False

    @property
    def parsed(self) -> Intent:
        return Intent.model_validate(self.intent)

    def to_state(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "intent": self.intent,
            "sql": self.sql,
            "refine": dict(self.refine),
            "row_limit": self.row_limit,
            "truncated": self.truncated,
        }

    @classmethod
    def from_state(cls, data: dict[str, Any] | None) -> ConversationContext | None:
        if not data:
            return None
        return cls(
            question=data["question"],
            intent=data["intent"],
            sql=data.get("sql"),
            refine=dict(data.get("refine") or {}),
            row_limit=int(data.get("row_limit") or DEFAULT_ROW_LIMIT),
            truncated=bool(data.get("truncated")),
        )


@dataclass
class Understanding:
    """What a turn will do: run an intent (or fixed SQL), ask back, or just answer."""

    question: str
    intent: Intent | None = None
    command: str | None = None
    pending: PendingClarification | None = None
    refine: dict[str, Any] = field(default_factory=dict)
    row_limit: int = DEFAULT_ROW_LIMIT
    follow_up: bool = False
    #: SQL to validate and run as is (typed SQL, an approved answer from memory).
    sql: str | None = None
    source: str | None = None
    #: The answer when nothing is run ("show the SQL"), or why nothing can be.
    message: str | None = None
    error: str | None = None
    #: Approved (question, SQL) pairs similar to this question, best first.
    examples: list[tuple[str, str]] = field(default_factory=list)
    #: The memory entry whose SQL is reused.
    memory_id: str | None = None
    #: True for typed SQL that writes (only run for users with write permission).
    writes: bool = False
    #: What the answer should say beside its rows ("'last year' read as 2023").
    notes: list[str] = field(default_factory=list)

    @property
    def runs(self) -> bool:
        return self.error is None and self.pending is None and self.message is None


class ConversationManager:
    """Understands turns in context; keeps per-thread history (checkpointer) and threads."""

    def __init__(
        self,
        parser: IntentParser,
        *,
        memory: ConversationMemory | None = None,
        store: ConversationStore | None = None,
        threads: ThreadIndex | None = None,
        row_limit: int = DEFAULT_ROW_LIMIT,
        reuse_score: float = REUSE_SCORE,
    ) -> None:
        self.parser = parser
        self.memory = memory
        self.store = store
        self.thread_index = threads
        self.row_limit = row_limit
        self.reuse_score = reuse_score

    # ------------------------------------------------------------------------ understanding

    def understand(self, text: str, context: ConversationContext | None, *, can_write: bool = False) -> Understanding:
        """Read ``text`` as a command, a follow-up of ``context`` or a new question."""
        question = text.strip()
        command = read_command(question)
        if command is not None:
            handled = self._command(command, question, context)
            if handled is not None:
                return handled
        previous = context.parsed if context is not None else None
        # One reading; the parser decides there whether it edits the last answer (a complete
        # question of its own starts afresh: no filter or period of the last answer leaks in).
        intent, follow_up = self.parser.read_turn(question, previous)
        out = Understanding(question, intent, row_limit=self.row_limit, follow_up=follow_up)
        if follow_up and context is not None:
            out.refine, out.row_limit = dict(context.refine), context.row_limit
        if intent.kind is IntentKind.UNKNOWN:
            written = _written_sql(question) if can_write else None
            if written is None:
                missing = missing_message(intent.unlinked, self.parser.schema())
                out.message = missing or intent.refusal or "I could not understand the question."
                out.error = "not_understood"
                return out
            out.intent = Intent(kind=IntentKind.SQL, question=question, sql=written, confidence=1.0)
            out.sql, out.source, out.writes = written, "typed", True
            return out
        if intent.kind is IntentKind.SQL:
            out.sql, out.source = intent.sql, "typed"
            return out
        if not follow_up:
            self._recall(out)
        if out.sql is None and intent.by_meaning and not follow_up:
            out.pending = meaning_clarification(intent)
        elif out.sql is None:
            out.pending = from_intent(intent) or (
                None if follow_up else listing_clarification(intent, self.parser.schema())
            )
        return out

    def typed_sql(self, text: str, *, can_write: bool = False) -> Understanding:
        """SQL typed with ``/sql``: run exactly as typed, never read by the question parser."""
        sql = text.strip().rstrip(";").strip()
        intent = Intent(kind=IntentKind.SQL, question=sql, sql=sql, confidence=1.0)
        out = Understanding(sql, intent, row_limit=self.row_limit, sql=sql, source="typed")
        out.writes = can_write and _written_sql(sql) is not None
        return out

    def answer(self, pending: PendingClarification, text: str) -> Intent | None:
        """The intent a clarification answer completes (None: the user will rephrase)."""
        return apply_answer(pending, text, self.parser)

    def sql_for(self, intent: Intent, refine: dict[str, Any] | None = None) -> str:
        """The SQL of ``intent`` with the conversation's refinements (share of the total)."""
        if intent.kind is IntentKind.SQL and intent.sql:
            return intent.sql
        if refine and (refine.get("share_of_total") or refine.get("resort")):
            generator = self.parser.generator()
            return generator.to_sql(refine_tree(generator.tree(intent), intent, refine))
        return self.parser.sql_for(intent)

    # ------------------------------------------------------------------------ commands

    def _command(
        self, command: ConversationCommand, question: str, context: ConversationContext | None
    ) -> Understanding | None:
        out = Understanding(question, command=command.kind, row_limit=self.row_limit, follow_up=True)
        if command.kind == "share_of_total" and _has_own_question(question):
            return self._share_of_new_question(question, context)
        if context is None:
            out.message = "There is no earlier answer in this conversation to apply that to. Ask a question first."
            out.error = "no_context"
            return out
        intent = context.parsed
        out.intent, out.refine, out.row_limit = intent, dict(context.refine), context.row_limit
        if command.kind in ("show_sql", "show_plan"):
            out.sql, out.source = context.sql, "previous"
            if not context.sql:
                out.message = "The last answer did not run any SQL."
            elif command.kind == "show_sql":
                out.message = f"This is the SQL of the last answer ({context.question!r}):\n{context.sql}"
            else:
                out.message = (
                    f"This is the query plan of the last answer ({context.question!r}); nothing was run again."
                )
        elif command.kind == "more_rows":
            if intent.limit is not None:
                out.intent = intent.model_copy(update={"limit": max(intent.limit * 2, intent.limit + 5)})
            elif context.truncated:
                out.row_limit = context.row_limit * 2
            else:
                out.message = "The last answer already showed every row."
        elif command.kind == "share_of_total":
            reason = can_share(intent)
            if reason is not None:
                out.message, out.error = reason, "cannot_apply"
            out.refine["share_of_total"] = True
        elif command.kind == "sort_by" and command.target:
            try:
                out.intent = sort_intent(intent, command.target, command.direction, self.parser)
                out.refine.pop("resort", None)
            except NeuroLakeError as e:
                out.message, out.error = str(e), "cannot_apply"
        elif command.kind == "sort_by":
            out.intent, resort = resort_intent(intent, command.direction)
            if resort is not None:
                out.refine["resort"] = resort
            else:
                out.refine.pop("resort", None)
        return out

    def _share_of_new_question(self, question: str, context: ConversationContext | None) -> Understanding:
        """ "revenue by country as a share of the total": the question, then the share."""
        rest = _SHARE_WORDS.sub(" ", question).strip()
        inner = self.understand(rest, context)
        inner.question = question
        if inner.intent is not None and inner.runs:
            reason = can_share(inner.intent)
            if reason is not None:
                inner.message, inner.error = reason, "cannot_apply"
            inner.refine["share_of_total"] = True
        return inner

    # ------------------------------------------------------------------------ memory

    def _recall(self, out: Understanding) -> None:
        hits = self.similar(out.question)
        out.examples = [(hit.question, hit.sql) for hit in hits]
        if hits and hits[0].score >= self.reuse_score:
            out.sql, out.source, out.memory_id = hits[0].sql, "memory", hits[0].id

    def similar(self, question: str, k: int = EXAMPLES) -> list[MemoryHit]:
        """Approved answers to questions like ``question`` (none when memory is off or down)."""
        if self.memory is None:
            return []
        try:
            return self.memory.similar(question, k=k, approved_only=True)
        except (NeuroLakeError, OSError, RuntimeError) as e:
            log.warning("conversation memory unavailable: %s", e)
            return []

    # ------------------------------------------------------------------------ history

    def history(self, thread_id: str) -> list[TurnRecord]:
        """The thread's turns, oldest first (empty for an unknown thread)."""
        values = self.state_values(thread_id)
        return [TurnRecord.from_dict(t) for t in values.get("turns") or []]

    def state_values(self, thread_id: str) -> dict[str, Any]:
        """The thread's latest checkpointed state (empty when there is none)."""
        if self.store is None:
            return {}
        config: Any = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
        saved = self.store.saver.get_tuple(config)
        return dict(saved.checkpoint["channel_values"]) if saved is not None else {}

    def threads(self, user: str | None = None) -> list[ThreadInfo]:
        """Conversations, most recent first; only ``user``'s when given."""
        return self.thread_index.list(user) if self.thread_index is not None else []


_SHARE_WORDS = re.compile(
    r"\b(?:as\s+(?:a\s+)?|in\s+)?(?:share|percentage|percent|proportion|fraction|%)\s+of\s+(?:the\s+)?"
    r"(?:total|all|whole|overall|everything)\b|\bas\s+(?:a\s+)?(?:percentages?|shares?)\b",
    re.IGNORECASE,
)
_FILLER = {"as", "a", "an", "the", "and", "now", "show", "it", "that", "this", "them", "what", "about", "please", "in"}


def _has_own_question(text: str) -> bool:
    """True when removing the share words leaves a question of its own ("revenue by country")."""
    rest = _SHARE_WORDS.sub(" ", text)
    words = [w for w in re.findall(r"[a-z0-9]+", rest.lower()) if w not in _FILLER]
    return bool(words)


def _written_sql(text: str) -> str | None:
    """``text`` when it is a single SQL statement that writes (for users who may write)."""
    from neurolake.engine.parsing import parse_statement
    from neurolake.engine.safety import classify

    try:
        kind = classify(parse_statement(text))
    except (NeuroLakeError, ValueError):
        return None
    return text if kind.writes else None
