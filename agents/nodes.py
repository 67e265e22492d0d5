"""The graph's nodes, one per step of a turn; each reads the turn's ``TurnPlan`` and returns the next.

Every node announces itself on the custom stream ("start") and never raises: an error
becomes the plan's ``error`` (a short code) and ``message`` (what a person can do about it),
and the graph goes straight to ``present``. Only LangGraph's own interrupt passes through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.analyst import Answer, Perception
from agents.services import RunContext
from agents.state import ConversationState
from agents.turn_plan import ResultShape, TurnPlan
from neurolake.conversation import ConversationContext, PendingClarification, TurnRecord, Understanding
from neurolake.conversation.charts import choose_chart
from neurolake.conversation.clarify import NotAnAnswerError, from_intent, with_previews
from neurolake.conversation.messages import friendly_error, summarize
from neurolake.conversation.periods import anchor_period
from neurolake.conversation.refine import SHARE_ALIAS
from neurolake.conversation.timetravel import pin_tables
from neurolake.intent.model import Intent, IntentKind, describe
from neurolake.intent.readings import COMPARE_ROWS

Update = dict[str, Any]
NodeBody = Callable[[TurnPlan, ConversationState, RunContext], "TurnPlan | tuple[TurnPlan, Update]"]


def step(name: str, body: NodeBody) -> Callable[..., Update]:
    """``body`` as a graph node named ``name``: announced, logged in the plan's steps, never raising.

    ``body`` takes the turn's plan and returns the next one (and, for ``remember``, the
    thread's keys it changes).
    """

    def node(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
        runtime.stream_writer({"step": name, "status": "start"})
        plan = TurnPlan.from_dict(state.get("turn") or {})
        thread: Update = {}
        try:
            out = body(plan, state, runtime.context)
            plan, thread = out if isinstance(out, tuple) else (out, {})
        except GraphBubbleUp:
            raise  # interrupt() for a clarification: LangGraph pauses the thread here
        except Exception as e:  # every failure ends as a message, never a dead turn
            plan = plan.failed(*friendly_error(e, step=name))
        return {**thread, "turn": plan.with_step(name).to_dict()}

    node.__name__ = name
    return node


# ---------------------------------------------------------------------------- nodes


def _understand(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    context = ConversationContext.from_state(state.get("context"))
    if plan.typed_sql:
        seen = ctx.agent.services.manager.typed_sql(plan.question, can_write=ctx.agent.can_write)
    else:
        seen = ctx.agent.perceive(Perception(plan.question, context))
        _anchor(seen, context, ctx)
    if seen.pending is not None:
        seen.pending = _previewed(seen.pending, ctx)
    plan = plan.understood(seen)
    if seen.command == "show_plan" and seen.sql:
        # "show the query plan": the last answer's plan, nothing run.
        query_plan = ctx.agent.optimize(plan.sql_plan())
        if query_plan is None:
            return replace(plan, query_plan=None, table_versions={})
        versions = {t.name: t.version for t in query_plan.tables}
        return replace(plan, query_plan=query_plan.render(), table_versions=versions)
    return plan


def _anchor(seen: Understanding, context: ConversationContext | None, ctx: RunContext) -> None:
    """A relative period ("what about last year?") read against the last answer and the data."""
    if seen.intent is None or seen.intent.time_range is None or seen.sql is not None:
        return
    agent = ctx.agent

    def data_range(column: str) -> tuple[Any, Any]:
        table, _, name = column.rpartition(".")
        sql = f'SELECT min("{name}"), max("{name}") FROM "{table}"'
        first, last = agent.services.engine.execute_sql(sql, user=agent.user).rows[0]
        return _day(first), _day(last)

    previous = context.parsed if context is not None and seen.follow_up else None
    seen.intent, note = anchor_period(seen.intent, previous, data_range)
    if note:
        seen.notes.append(note)


def _day(value: Any) -> Any:
    return value.date() if isinstance(value, datetime) else value


def _previewed(pending: PendingClarification, ctx: RunContext) -> PendingClarification:
    """Every option of a question back with its first rows (readings the parser ran have them)."""
    agent = ctx.agent

    def run(sql: str) -> Any:
        return agent.services.engine.execute_sql(sql, limit=COMPARE_ROWS, user=agent.user, question=pending.question)

    return with_previews(pending, agent.services.manager.sql_for, run)


def _clarify(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    pending = plan.pending
    assert pending is not None, "the graph routes here only while a clarification waits"
    reply = interrupt(pending.public())
    if isinstance(reply, dict) and reply.get("cancel"):
        return replace(plan, pending=None, message="That question was set aside for a new one.", error="superseded")
    try:
        chosen = _picked(reply, pending, ctx)
    except NotAnAnswerError as e:
        return replace(plan, message=str(e))  # still pending: the graph asks again
    if chosen is None:
        return replace(plan, pending=None, message="All right, please rephrase the question.", error=None)
    again = from_intent(chosen)
    if again is not None:
        again = _previewed(again, ctx)
    clarification = again.public() if again is not None else plan.clarification
    return replace(plan, intent=chosen, pending=again, clarification=clarification, message=None)


def _picked(reply: Any, pending: PendingClarification, ctx: RunContext) -> Intent | None:
    """The reading a reply picks; one typed in the message box was already read by the service."""
    if isinstance(reply, dict) and "picked" in reply:
        return Intent.model_validate(reply["picked"]) if reply["picked"] is not None else None
    return ctx.agent.services.manager.answer(pending, str(reply))


def _generate_sql(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    history = list(state.get("messages") or [])[-6:]
    sql_plan = ctx.agent.reason(plan.understanding(), history)
    if plan.pins and sql_plan.source != "typed":  # typed SQL says its own time travel
        generator = ctx.agent.services.parser.generator()
        sql_plan.sql = pin_tables(sql_plan.sql, plan.pins, generator)
        if sql_plan.fallback_sql:
            sql_plan.fallback_sql = pin_tables(sql_plan.fallback_sql, plan.pins, generator)
    return plan.with_sql(sql_plan)


def _validate(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    return plan.with_sql(ctx.agent.validate(plan.sql_plan(), plan.understanding()))


def _optimize(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    query_plan = ctx.agent.optimize(plan.sql_plan())
    if query_plan is None:
        return replace(plan, query_plan=None)
    versions = {t.name: t.version for t in query_plan.tables}
    return replace(plan, query_plan=query_plan.render(), table_versions=versions)


def _execute(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    answer = ctx.agent.act(plan.sql_plan())
    ctx.result = answer.result
    ctx.extras["answer"] = answer
    read = {name: max(v) for name, v in answer.result.metrics.tables_read.items() if v}
    plan = replace(
        plan.with_sql(answer.plan),
        result=ResultShape.of(answer.result),
        table_versions=read or plan.table_versions,
    )
    intent = plan.intent
    if intent is not None and intent.kind is IntentKind.PIPELINE and intent.schedule:
        plan = replace(plan, message=_save_pipeline(intent, answer.plan.sql, ctx))
    return plan


def _present(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> TurnPlan:
    if plan.error or ctx.result is None:
        return replace(plan, message=plan.message or "There is nothing to show for this question.")
    if plan.writes:
        rows = [dict(zip(ctx.result.columns, row, strict=True)) for row in ctx.result.rows]
        return replace(plan, message=_write_summary(rows), chart=None)
    intent = plan.intent
    measures = [m.alias for m in intent.measures] if intent is not None else []
    text = summarize(intent, ctx.result, row_limit=plan.row_limit)
    notes = [*plan.notes, *plan.repairs]
    if plan.refine.get("share_of_total") and SHARE_ALIAS in ctx.result.columns:
        notes.append(f"Each row's share of the total (in %) is in {SHARE_ALIAS}.")
    if plan.source == "memory":
        notes.append("Answered with the approved SQL of a very similar earlier question.")
    if plan.message:
        notes.append(plan.message)
    chart = choose_chart(ctx.result, measures=measures)
    return replace(plan, chart=chart, message=" ".join([text, *notes]), notes=tuple(notes))


def _remember(plan: TurnPlan, state: ConversationState, ctx: RunContext) -> tuple[TurnPlan, Update]:
    answer: Answer | None = ctx.extras.get("answer")
    memory_id = plan.memory_id
    if answer is not None and not plan.error:
        answer.thread_id = plan.thread_id
        answer.memory_id = memory_id if plan.source == "memory" else None
        ctx.agent.learn(answer)
        memory_id = answer.memory_id
    plan = replace(plan, memory_id=memory_id, pending=None)
    result = plan.result
    record = TurnRecord(
        thread_id=plan.thread_id,
        turn_id=plan.turn_id,
        question=plan.question,
        asked_at=plan.asked_at,
        intent=plan.intent.summary() if plan.intent is not None else {},
        sql=plan.sql,
        message=plan.message or "",
        error=plan.error,
        clarification=plan.clarification,
        columns=list(result.columns) if result is not None else [],
        row_count=result.row_count if result is not None else None,
        chart=plan.chart,
        table_versions=dict(plan.table_versions),
        steps=[*plan.steps, "remember"],
        source=plan.source,
        memory_id=memory_id,
        user=ctx.username,
    )
    thread: Update = {
        "turns": [record.to_dict()],
        "messages": [HumanMessage(plan.question), AIMessage(_reply_text(plan))],
    }
    if answer is not None and not plan.error and plan.intent is not None:
        thread["context"] = ConversationContext(
            question=plan.question,
            intent=plan.intent.model_dump(mode="json"),
            sql=plan.sql,
            refine=dict(plan.refine),
            row_limit=plan.row_limit,
            truncated=result is not None and result.truncated,
        ).to_state()
    return plan, thread


understand = step("understand", _understand)
clarify = step("clarify", _clarify)
generate_sql = step("generate_sql", _generate_sql)
validate = step("validate", _validate)
optimize = step("optimize", _optimize)
execute = step("execute", _execute)
present = step("present", _present)
remember = step("remember", _remember)


# ---------------------------------------------------------------------------- details


def _write_summary(rows: list[dict[str, Any]]) -> str:
    """A line like "DELETE on notes: 1 row(s) affected (now version 1)." per write the engine reports."""
    parts = []
    for row in rows:
        if {"operation", "table", "rows_affected"} <= set(row):
            parts.append(
                f"{row['operation']} on {row['table']}: {row['rows_affected']} row(s) affected"
                + (f" (now version {row['version']})" if row.get("version") is not None else "")
            )
    return ("; ".join(parts) or "The statement ran.") + "."


def _reply_text(plan: TurnPlan) -> str:
    text = plan.message or ""
    if plan.sql and not plan.error:
        text += f"\n```sql\n{plan.sql}\n```"
    return text


def _save_pipeline(intent: Intent, sql: str, ctx: RunContext) -> str:
    """Save a scheduled question as a paused pipeline (users who may write), or say why not."""
    assert intent.schedule is not None
    slug = re.sub(r"[^a-z0-9]+", "_", f"{describe(intent)} {intent.schedule.label}".lower()).strip("_")[:60]
    name = slug if slug[:1].isalpha() else f"chat_{slug}"
    agent = ctx.agent
    if not agent.can_write:
        return (
            f"This is what the pipeline would compute ({intent.schedule.label}). "
            "Creating pipelines needs write permission; ask an admin."
        )
    reply = agent.tools.get("create_pipeline").call(
        agent.tool_context, name=name, sql=sql, schedule=intent.schedule.cron, target_table=None
    )
    if reply.startswith("Error:"):
        return f"The pipeline was not saved: {reply[7:]}"
    return (
        f"Saved the pipeline {name!r} ({intent.schedule.label}, cron {intent.schedule.cron}, writing table "
        f"{name}) paused: activate it when the preview below is what you want."
    )
