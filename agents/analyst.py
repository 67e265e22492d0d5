"""``AnalystAgent``: answers questions about the lakehouse, one turn at a time.

perceive ─► the turn read in context (``ConversationManager.understand``)
reason   ─► the SQL: the parser's, an approved answer's from memory, or a model's
            (which may call tools); then validated, repaired if it names things wrongly,
            and planned by the optimizer
act      ─► run read-only (unless the user may write) through the cache and the engine
learn    ─► remember the answered question with its SQL and tables in memory

The graph (``agents.graph``) calls these as separate nodes; ``Agent.run`` is the same loop
without clarifications or streaming.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agents.base import Agent
from agents.model_sql import write_sql
from agents.services import AgentServices, can_write
from agents.tools import ToolContext, ToolRegistry, default_registry
from neurolake.conversation import ConversationContext, Understanding
from neurolake.conversation.repair import repair_names
from neurolake.errors import NeuroLakeError, QueryExecutionError, QueryValidationError

if TYPE_CHECKING:
    from langchain_core.messages import BaseMessage

    from neurolake.catalog import User
    from neurolake.engine import QueryPlan, QueryResult

log = logging.getLogger(__name__)


@dataclass
class Perception:
    """What a turn starts from: the words, and the thread's last answer."""

    question: str
    context: ConversationContext | None = None


@dataclass
class SqlPlan:
    """The SQL to run and where it came from; ``fallback_sql`` if it fails."""

    question: str
    sql: str
    source: str
    row_limit: int
    fallback_sql: str | None = None
    writes: bool = False
    repairs: list[str] = field(default_factory=list)
    messages: list[BaseMessage] = field(default_factory=list)
    tools_called: list[str] = field(default_factory=list)


@dataclass
class Answer:
    """A plan carried out: its (possibly replaced) SQL and the rows."""

    plan: SqlPlan
    result: QueryResult
    thread_id: str | None = None
    memory_id: str | None = None


class AnalystAgent(Agent[Perception, Understanding, SqlPlan, Answer]):
    """The conversational analyst, for one user."""

    name = "analyst"

    def __init__(self, services: AgentServices, *, user: User | None = None, tools: ToolRegistry | None = None) -> None:
        self.services = services
        self.user = user
        self.can_write = can_write(user)
        self.tools = tools or default_registry()
        self.tool_context = ToolContext(services, user=user, can_write=self.can_write)

    @property
    def uses_model(self) -> bool:
        return self.services.model is not None

    # ------------------------------------------------------------------------ perceive

    def perceive(self, context: Perception) -> Understanding:
        """The turn read against the thread's last answer."""
        return self.services.manager.understand(context.question, context.context, can_write=self.can_write)

    # ------------------------------------------------------------------------ reason

    def reason(self, observation: Understanding, history: Sequence[BaseMessage] = ()) -> SqlPlan:
        """The SQL for an understood turn (with a model: written by the model, tools allowed)."""
        manager = self.services.manager
        intent = observation.intent
        parser_sql: str | None = None
        problem: NeuroLakeError | None = None
        if intent is not None and (observation.sql is None or observation.source == "memory"):
            try:
                parser_sql = manager.sql_for(intent, observation.refine)
            except NeuroLakeError as e:
                problem = e
        if observation.sql is not None:
            return SqlPlan(
                observation.question,
                observation.sql,
                observation.source or "typed",
                observation.row_limit,
                fallback_sql=parser_sql if observation.source == "memory" else None,
                writes=observation.writes,
            )
        if self.uses_model and observation.command is None:
            answer = self.ask_model(observation, parser_sql, history)
            if answer is not None:
                return answer
        if parser_sql is None:
            raise problem or QueryValidationError("I could not turn that question into a query.")
        return SqlPlan(observation.question, parser_sql, "parser", observation.row_limit)

    def ask_model(
        self, observation: Understanding, draft: str | None, history: Sequence[BaseMessage], error: str | None = None
    ) -> SqlPlan | None:
        """The model's SQL (it may call tools), or None to keep the parser's."""
        assert self.services.model is not None
        answer = write_sql(
            self.services.model,
            self.tools.langchain_tools(self.tool_context),
            observation.question,
            schema=self.services.parser.schema().describe(),
            draft_sql=draft,
            examples=observation.examples,
            history=history,
            error=error,
        )
        if answer.sql is None:
            log.info("model gave no SQL (%s); using the parser's", answer.problem)
            return None
        return SqlPlan(
            observation.question,
            answer.sql,
            "model",
            observation.row_limit,
            fallback_sql=draft,
            messages=answer.messages,
            tools_called=answer.tools_called,
        )

    def validate(self, plan: SqlPlan, observation: Understanding | None = None) -> SqlPlan:
        """``plan`` checked against the catalog; repaired (model, fallback, close names) or raises."""
        if plan.writes:
            return plan  # the engine checks writes itself, and only for users who may write
        generator = self.services.parser.generator()
        try:
            generator.check_sql(plan.sql)
            return plan
        except QueryValidationError as e:
            error = e
        if plan.source == "model" and self.uses_model and observation is not None:
            again = self.ask_model(observation, plan.fallback_sql, [], error=str(error))
            if again is not None and _valid(generator, again.sql):
                again.repairs = [f"The model corrected its SQL after: {error}"]
                return again
        if plan.fallback_sql and _valid(generator, plan.fallback_sql):
            note = f"The {plan.source} SQL failed ({error}); used the parser's SQL instead."
            return SqlPlan(plan.question, plan.fallback_sql, "parser", plan.row_limit, repairs=[note])
        repaired = repair_names(plan.sql, self.services.parser.schema())
        if repaired is not None:
            return SqlPlan(
                plan.question,
                repaired.sql,
                plan.source,
                plan.row_limit,
                repairs=[f"Repaired: {change}." for change in repaired.changes],
            )
        raise error

    def optimize(self, plan: SqlPlan) -> QueryPlan | None:
        """The optimizer's plan of the query (None for statements that are not queries)."""
        from agents.turn_plan import Statement

        # The kind is read from the sqlglot tree: EXPLAIN, DESCRIBE and writes have no plan.
        if plan.writes or not Statement.of(plan.sql).is_query:
            return None
        return self.services.engine.explain(plan.sql)

    # ------------------------------------------------------------------------ act

    def act(self, plan: SqlPlan) -> Answer:
        """Run the plan through the cache and the engine; on failure, its fallback SQL."""
        try:
            return Answer(plan, self._execute(plan.sql, plan))
        except QueryExecutionError:
            if not plan.fallback_sql or plan.fallback_sql == plan.sql:
                raise
            note = f"The {plan.source} SQL failed when run; used the parser's SQL instead."
            fallback = SqlPlan(
                plan.question, plan.fallback_sql, "parser", plan.row_limit, repairs=[*plan.repairs, note]
            )
            return Answer(fallback, self._execute(fallback.sql, fallback))

    def _execute(self, sql: str, plan: SqlPlan) -> QueryResult:
        return self.services.engine.execute_sql(
            sql,
            limit=plan.row_limit,
            user=self.user,
            allow_write=plan.writes and self.can_write,
            question=plan.question,
        )

    # ------------------------------------------------------------------------ learn

    def learn(self, result: Answer) -> None:
        """Remember the answered question (its SQL and tables) in conversation memory."""
        memory = self.services.memory
        if memory is None or result.plan.writes or result.memory_id is not None:
            return
        tables = sorted(result.result.metrics.tables_read) or []
        try:
            plan = result.plan
            result.memory_id = memory.remember(plan.question, plan.sql, tables, thread_id=result.thread_id)
        except (NeuroLakeError, OSError, RuntimeError) as e:
            log.warning("could not remember the answer: %s", e)

    def run(self, context: Perception) -> Answer:
        """One question, start to finish, without asking back (clarifications raise)."""
        observation = self.perceive(context)
        if observation.pending is not None:
            raise QueryValidationError(observation.pending.question)
        if not observation.runs:
            raise QueryValidationError(observation.message or "Nothing to run.")
        plan = self.validate(self.reason(observation), observation)
        answer = self.act(plan)
        self.learn(answer)
        return answer


def _valid(generator: Any, sql: str | None) -> bool:
    if not sql:
        return False
    try:
        generator.check_sql(sql)
    except NeuroLakeError:
        return False
    return True
