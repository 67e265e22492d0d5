"""The graph's nodes, one per step of a turn; each returns only the state keys it changes.

Every node announces itself on the custom stream ("start") and never raises: an error
becomes ``error`` (a short code) and ``message`` (what a person can do about it), and the
graph goes straight to ``present``. Only LangGraph's own interrupt passes through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.errors import GraphBubbleUp
from langgraph.runtime import Runtime
from langgraph.types import interrupt

from agents.analyst import Answer, Perception, SqlPlan
from agents.services import RunContext
from agents.state import ConversationState
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
NodeBody = Callable[[ConversationState, RunContext], Update]


def step(name: str, body: NodeBody) -> Callable[..., Update]:
    """``body`` as a graph node named ``name``: announced, logged in ``steps``, never raising."""

    def node(state: ConversationState, runtime: Runtime[RunContext]) -> Update:
        runtime.stream_writer({"step": name, "status": "start"})
        try:
            update = body(state, runtime.context)
        except GraphBubbleUp:
            raise  # interrupt() for a clarification: LangGraph pauses the thread here
        except Exception as e:  # every failure ends as a message, never a dead turn
            code, message = friendly_error(e, step=name)
            update = {"error": code, "message": message}
        update["steps"] = [name]
        return update

    node.__name__ = name
    return node


# ---------------------------------------------------------------------------- helpers


def understanding(state: ConversationState) -> Understanding:
    """The turn's ``Understanding`` rebuilt from the state (it crosses interrupts and restarts)."""
    intent = Intent.model_validate(state["intent"]) if state.get("intent") else None
    pending = state.get("pending")
    return Understanding(
        question=state["question"],
        intent=intent,
        command=state.get("command"),
        pending=PendingClarification.from_state(pending) if pending else None,
        refine=dict(state.get("refine") or {}),
        row_limit=state.get("row_limit") or 100,
        follow_up=bool(state.get("follow_up")),
        sql=state.get("sql"),
        source=state.get("source"),
        examples=[(q, s) for q, s in state.get("examples") or []],
        memory_id=state.get("memory_id"),
        writes=bool(state.get("writes")),
    )


def plan_of(state: ConversationState) -> SqlPlan:
    return SqlPlan(
        question=state["question"],
        sql=state.get("sql") or "",
        source=state.get("source") or "parser",
        row_limit=state.get("row_limit") or 100,
        fallback_sql=state.get("fallback_sql"),
        writes=bool(state.get("writes")),
        repairs=list(state.get("repairs") or []),
    )


# ---------------------------------------------------------------------------- nodes


def _understand(state: ConversationState, ctx: RunContext) -> Update:
    context = ConversationContext.from_state(state.get("context"))
    if state.get("typed_sql"):
        seen = ctx.agent.services.manager.typed_sql(state["question"], can_write=ctx.agent.can_write)
    else:
        seen = ctx.agent.perceive(Perception(state["question"], context))
        _anchor(seen, context, ctx)
    if seen.pending is not None:
        seen.pending = _previewed(seen.pending, ctx)
    update = _understood(seen)
    if seen.command == "show_plan" and seen.sql:
        # "show the query plan": the last answer's plan, nothing run.
        plan = ctx.agent.optimize(SqlPlan(seen.question, seen.sql, "previous", seen.row_limit))
        update["plan"] = plan.render() if plan is not None else None
        update["table_versions"] = {t.name: t.version for t in plan.tables} if plan is not None else {}
    return update


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


def _understood(seen: Understanding) -> Update:
    return {
        "intent": seen.intent.model_dump(mode="json") if seen.intent is not None else None,
        "command": seen.command,
        "follow_up": seen.follow_up,
        "pending": seen.pending.to_state() if seen.pending is not None else None,
        "clarification": seen.pending.public() if seen.pending is not None else None,
        "refine": seen.refine,
        "row_limit": seen.row_limit,
        "sql": seen.sql,
        "source": seen.source,
        "examples": [[q, s] for q, s in seen.examples],
        "memory_id": seen.memory_id,
        "writes": seen.writes,
        "notes": list(seen.notes),
        "message": seen.message,
        "error": seen.error,
    }


def _clarify(state: ConversationState, ctx: RunContext) -> Update:
    pending = PendingClarification.from_state(state["pending"] or {})
    reply = interrupt(pending.public())
    if isinstance(reply, dict) and reply.get("cancel"):
        return {"pending": None, "message": "That question was set aside for a new one.", "error": "superseded"}
    try:
        chosen = ctx.agent.services.manager.answer(pending, str(reply))
    except NotAnAnswerError as e:
        return {"message": str(e)}  # still pending: the graph asks again
    if chosen is None:
        return {"pending": None, "message": "All right, please rephrase the question.", "error": None}
    again = from_intent(chosen)
    if again is not None:
        again = _previewed(again, ctx)
    return {
        "intent": chosen.model_dump(mode="json"),
        "pending": again.to_state() if again is not None else None,
        "clarification": again.public() if again is not None else state.get("clarification"),
        "message": None,
    }


def _generate_sql(state: ConversationState, ctx: RunContext) -> Update:
    history = list(state.get("messages") or [])[-6:]
    plan = ctx.agent.reason(understanding(state), history)
    as_of = state.get("as_of")
    if as_of and plan.source != "typed":  # typed SQL says its own time travel
        generator = ctx.agent.services.parser.generator()
        plan.sql = pin_tables(plan.sql, as_of, generator)
        plan.fallback_sql = pin_tables(plan.fallback_sql, as_of, generator) if plan.fallback_sql else None
    return {
        "sql": plan.sql,
        "source": plan.source,
        "fallback_sql": plan.fallback_sql,
        "tools_called": plan.tools_called,
    }


def _validate(state: ConversationState, ctx: RunContext) -> Update:
    checked = ctx.agent.validate(plan_of(state), understanding(state))
    return {
        "sql": checked.sql,
        "source": checked.source,
        "fallback_sql": checked.fallback_sql,
        "repairs": checked.repairs,
    }


def _optimize(state: ConversationState, ctx: RunContext) -> Update:
    plan = ctx.agent.optimize(plan_of(state))
    if plan is None:
        return {"plan": None}
    return {"plan": plan.render(), "table_versions": {t.name: t.version for t in plan.tables}}


def _execute(state: ConversationState, ctx: RunContext) -> Update:
    answer = ctx.agent.act(plan_of(state))
    ctx.result = answer.result
    ctx.extras["answer"] = answer
    result = answer.result
    update: Update = {
        "sql": answer.plan.sql,
        "source": answer.plan.source,
        "repairs": answer.plan.repairs,
        "result_info": {"columns": result.columns, "row_count": result.row_count, "truncated": result.truncated},
        "table_versions": {name: max(v) for name, v in result.metrics.tables_read.items() if v}
        or state.get("table_versions")
        or {},
    }
    intent = state.get("intent")
    if intent and intent.get("kind") == IntentKind.PIPELINE.value and intent.get("schedule"):
        update["message"] = _save_pipeline(Intent.model_validate(intent), answer.plan.sql, ctx)
    return update


def _present(state: ConversationState, ctx: RunContext) -> Update:
    if state.get("error") or ctx.result is None:
        return {"message": state.get("message") or "There is nothing to show for this question."}
    if state.get("writes"):
        rows = [dict(zip(ctx.result.columns, row, strict=True)) for row in ctx.result.rows]
        return {"message": _write_summary(rows), "chart": None}
    intent = Intent.model_validate(state["intent"]) if state.get("intent") else None
    measures = [m.alias for m in intent.measures] if intent is not None else []
    text = summarize(intent, ctx.result, row_limit=state.get("row_limit") or 100)
    notes = [*(state.get("notes") or []), *(state.get("repairs") or [])]
    if (state.get("refine") or {}).get("share_of_total") and SHARE_ALIAS in ctx.result.columns:
        notes.append(f"Each row's share of the total (in %) is in {SHARE_ALIAS}.")
    if state.get("source") == "memory":
        notes.append("Answered with the approved SQL of a very similar earlier question.")
    if state.get("message"):
        notes.append(str(state["message"]))
    return {
        "chart": choose_chart(ctx.result, measures=measures),
        "message": " ".join([text, *notes]),
        "notes": notes,
    }


def _remember(state: ConversationState, ctx: RunContext) -> Update:
    answer: Answer | None = ctx.extras.get("answer")
    memory_id = state.get("memory_id")
    if answer is not None and not state.get("error"):
        answer.thread_id = state.get("thread_id")
        answer.memory_id = memory_id if state.get("source") == "memory" else None
        ctx.agent.learn(answer)
        memory_id = answer.memory_id
    info = state.get("result_info") or {}
    record = TurnRecord(
        thread_id=state.get("thread_id") or "",
        turn_id=state["turn_id"],
        question=state["question"],
        asked_at=state.get("asked_at") or "",
        intent=_summary(state.get("intent")),
        sql=state.get("sql"),
        message=state.get("message") or "",
        error=state.get("error"),
        clarification=state.get("clarification"),
        columns=list(info.get("columns") or []),
        row_count=info.get("row_count"),
        chart=state.get("chart"),
        table_versions=dict(state.get("table_versions") or {}),
        steps=[*(state.get("steps") or []), "remember"],
        source=state.get("source"),
        memory_id=memory_id,
        user=ctx.username,
    )
    update: Update = {
        "turns": [record.to_dict()],
        "memory_id": memory_id,
        "pending": None,
        "messages": [HumanMessage(state["question"]), AIMessage(_reply_text(state))],
    }
    if answer is not None and not state.get("error") and state.get("intent"):
        update["context"] = ConversationContext(
            question=state["question"],
            intent=state["intent"] or {},
            sql=state.get("sql"),
            refine=dict(state.get("refine") or {}),
            row_limit=state.get("row_limit") or 100,
            truncated=bool(info.get("truncated")),
        ).to_state()
    return update


understand = step("understand", _understand)
clarify = step("clarify", _clarify)
generate_sql = step("generate_sql", _generate_sql)
validate = step("validate", _validate)
optimize = step("optimize", _optimize)
execute = step("execute", _execute)
present = step("present", _present)
remember = step("remember", _remember)


# ---------------------------------------------------------------------------- details


def _summary(intent: dict[str, Any] | None) -> dict[str, Any]:
    if not intent:
        return {}
    try:
        return Intent.model_validate(intent).summary()
    except ValueError:
        return dict(intent)


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


def _reply_text(state: ConversationState) -> str:
    text = state.get("message") or ""
    if state.get("sql") and not state.get("error"):
        text += f"\n```sql\n{state['sql']}\n```"
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
