"""What the chat does on each event: welcome, a message, a click, a file, feedback, settings.

Every answer comes from the conversation service (``agents``); this module only turns
Chainlit events into service calls and turns back into messages. Blocking work (the
catalog, ingestion, pandas and plotly) runs in worker threads, never on the event loop.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import chainlit as cl
from chainlit.context import context
from chainlit.input_widget import Select, TextInput
from chainlit.types import Feedback, ThreadDict

from app import auth
from app.answer import AnswerView, answer_view, pretty_sql
from app.catalog_view import TableSummary, describe_markdown, table_summaries, tables_markdown
from app.clarification import clarification_markdown, option_label
from app.commands import AsOf, Command, help_markdown, parse_asof, parse_command
from app.escaping import code_block, escape_lines, escape_markdown, inline_code
from app.examples import example_questions, questions_for_table
from app.model_settings import PROVIDERS, provider_problem
from app.runtime import ChatRuntime
from app.stats import parse_hours, stats_view
from app.steps import finish_step, models_loading_step, start_step
from app.uploads import SUPPORTED_EXTENSIONS, UploadResult, ingest_upload, is_table_file
from app.window import current_turn_ids, keep_page_short, remember_page, thread_turn_ids
from neurolake.conversation import Turn
from neurolake.conversation.messages import friendly_error
from neurolake.errors import NeuroLakeError

if TYPE_CHECKING:
    from agents import ConversationService
    from neurolake.catalog import User

log = logging.getLogger(__name__)
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[None]])

ASK_ACTION = "ask_question"
CLARIFY_ACTION = "clarify"
CLARIFY_OTHER_ACTION = "clarify_other"
SOMETHING_ELSE = "Something else…"
STILL_OPEN = "**Still open:** "
RESET_ACTION = "reset_context"
RESET_LABEL = "Start fresh"
#: The collapsed group holding an answer's steps, SQL, plan, timings and versions.
HOW_GROUP = "How I got this"
CLARIFY_HINT = "Pick one, or type your answer (or a new question) in the message box."
NOT_EXPLAINED = "I could not explain that query."
_FRIENDLY_FAILURE = "Something went wrong on our side. The details are in the server log; please try again."

# Keys of Chainlit's user session; values stay JSON so a resumed thread gets them back.
_AS_OF = "as_of"
_ANSWERS = "answers"
_PENDING = "pending_clarification"
_PROVIDER = "provider"
_MODEL = "model"
_NAMED = "thread_named"
_CLARIFY_ACTIONS = "clarification_actions"
_MEASURES = "measure_words"


def friendly(handler: Handler) -> Handler:
    """Any failure in ``handler`` becomes one friendly sentence; the log gets the stack trace."""

    @functools.wraps(handler)
    async def guarded(*args: Any, **kwargs: Any) -> None:
        try:
            await handler(*args, **kwargs)
        except Exception:
            log.exception("chat handler %s failed", handler.__name__)
            await cl.Message(content=_FRIENDLY_FAILURE).send()

    return guarded  # type: ignore[return-value]


class ChatHandlers:
    """The chat's event handlers over one ``ChatRuntime`` (main.py registers them)."""

    def __init__(self, runtime: ChatRuntime) -> None:
        self.runtime = runtime

    # ------------------------------------------------------------------------ session state

    @staticmethod
    def thread_id() -> str:
        """The Chainlit thread is the conversation graph's thread."""
        return context.session.thread_id

    async def service(self) -> ConversationService:
        """The conversation service for this session's model (built off the loop on first use)."""
        llm = self.runtime.settings.llm
        provider = cl.user_session.get(_PROVIDER) or llm.provider
        model = cl.user_session.get(_MODEL) or llm.model
        try:
            return await asyncio.to_thread(self.runtime.service_for, provider, model)
        except NeuroLakeError as e:
            log.warning("model %s/%s unusable, answering offline: %s", provider, model, e)
            cl.user_session.set(_PROVIDER, "offline")
            return await asyncio.to_thread(self.runtime.service_for, "offline", None)

    async def catalog_user(self) -> User | None:
        """The catalog user matching the signed-in name (their role decides what SQL may do)."""
        signed_in = cl.user_session.get("user")
        name = getattr(signed_in, "identifier", None)
        if not name or name == auth.OPEN_USER:
            return None
        return await asyncio.to_thread(auth.catalog_user, self.runtime.platform.catalog, name)

    # ------------------------------------------------------------------------ start and resume

    @friendly
    async def start(self) -> None:
        """Welcome: the tables with their row counts and example questions to click."""
        await self.send_settings()
        tables = await asyncio.to_thread(table_summaries, self.runtime.platform.catalog)
        questions = example_questions(tables)
        lines = [
            "**Welcome to NeuroLake.** Ask a question about your data in plain English.",
            "",
            tables_markdown(tables),
        ]
        if questions:
            lines += ["", "Try one of these, or type your own. `/help` lists the commands; drop a CSV to add a table."]
        await cl.Message(content="\n".join(lines), actions=_question_actions(questions)).send()

    @friendly
    async def resume(self, thread: ThreadDict) -> None:
        """A saved thread reopens: same graph thread, settings back, a pending question re-asked."""
        await self.send_settings()
        remember_page(thread_turn_ids(thread.get("steps") or []))
        service = await self.service()
        pending = await asyncio.to_thread(service.pending, thread["id"])
        if pending:  # asked again, buttons and all: it can still be answered or set aside
            await self.clarify(Turn(thread_id=thread["id"], turn_id="", question="", clarification=pending), STILL_OPEN)

    async def send_settings(self) -> None:
        llm = self.runtime.settings.llm
        provider = cl.user_session.get(_PROVIDER) or llm.provider
        model = cl.user_session.get(_MODEL) or llm.model or ""
        await cl.ChatSettings(
            [
                Select(
                    id=_PROVIDER,
                    label="Language model provider",
                    values=list(PROVIDERS),
                    initial_value=provider,
                    description="offline needs no key; the others need a key or a server (see docs/chat.md).",
                ),
                TextInput(id=_MODEL, label="Model", initial=model, placeholder="the provider's default model"),
            ]
        ).send()

    @friendly
    async def settings_updated(self, values: dict[str, Any]) -> None:
        """A new provider or model: checked first; a missing key is explained, offline stays."""
        provider = str(values.get(_PROVIDER) or "offline")
        model = str(values.get(_MODEL) or "").strip() or None
        problem = await asyncio.to_thread(provider_problem, self.runtime.settings, provider)
        if problem is None:
            try:
                await asyncio.to_thread(self.runtime.service_for, provider, model)
            except NeuroLakeError as e:
                problem = str(e)
        if problem is not None:
            await cl.Message(
                content=f"**{escape_markdown(provider)} cannot be used yet.** {escape_lines(problem)}\n\n"
                "Answers keep coming from the current model."
            ).send()
            return
        cl.user_session.set(_PROVIDER, provider)
        cl.user_session.set(_MODEL, model)
        shown = f"{provider}" + (f" ({model})" if model else "")
        await cl.Message(content=f"Answers now come from {inline_code(shown)}.").send()

    # ------------------------------------------------------------------------ messages

    @friendly
    async def message(self, message: cl.Message) -> None:
        """A typed message: files first, then a command, a clarification answer or a question."""
        files = [e for e in message.elements or [] if getattr(e, "path", None)]
        text = (message.content or "").strip()
        if files and not text:
            await self.name_thread("Upload of " + ", ".join(str(f.name) for f in files))
        cl.user_session.set(_NAMED, True)  # otherwise the first typed message names the thread
        if files:
            await self.upload(files)
        if not text:
            return
        command = parse_command(text)
        if command is not None:
            await self.command(command)
            return
        # With a clarification open, the service reads the text as its answer when it is one,
        # and otherwise sets it aside and answers the new question.
        await self.close_clarification()
        await self.run_turn(text=text)

    @friendly
    async def question_clicked(self, action: cl.Action) -> None:
        """An example question was clicked: it is asked as if typed."""
        question = str(action.payload.get("question") or "").strip()
        if not question:
            return
        await cl.Message(content=question, type="user_message", author=_user_name()).send()
        await self.name_thread(question)
        await self.run_turn(text=question)

    async def name_thread(self, title: str) -> None:
        """Name a thread started by a click or a file (Chainlit names it after the action or nothing)."""
        if cl.user_session.get(_NAMED):
            return
        cl.user_session.set(_NAMED, True)
        await self.runtime.data_layer.update_thread(self.thread_id(), name=title[:200])

    async def run_turn(self, *, text: str | None = None, resume: str | None = None, typed_sql: bool = False) -> None:
        """Ask (or answer a clarification): the steps as they run, grouped under "How I got this"
        with the SQL, the plan, timings and versions; then the answer (or a question back)."""
        as_of = _as_of()
        answering = resume is not None or bool(cl.user_session.get(_PENDING))
        cl.user_session.set(_PENDING, None)
        travel = as_of.to_dict() if as_of is not None and not answering else None
        async with cl.Step(name=HOW_GROUP, type="tool", show_input=False) as group:
            turn = await self.stream(text, resume=resume, typed_sql=typed_sql, as_of=travel)
            view = None
            if not turn.clarification:
                named = _measure_words(turn)
                view = await asyncio.to_thread(
                    answer_view, turn, as_of=as_of.describe() if as_of else None, named=named
                )
                if view.plan:
                    async with cl.Step(name="Query plan", type="tool", show_input=False) as step:
                        step.output = code_block(view.plan, "text")
            group.output = view.how if view is not None and view.how else "Asked back: see below."
        if view is None:
            await self.clarify(turn)
            return
        await self.send_answer(turn, view)

    async def stream(
        self,
        text: str | None,
        *,
        resume: str | None = None,
        typed_sql: bool = False,
        as_of: dict[str, Any] | None = None,
    ) -> Turn:
        """Run one turn through the service, one Chainlit step per graph step."""
        service = await self.service()
        user = await self.catalog_user()
        await keep_page_short(current_turn_ids())  # each turn draws only the page's last turns again
        if not self.runtime.models.ready:
            await models_loading_step()
        open_steps: dict[str, cl.Step] = {}
        turn: Turn | None = None
        events = service.astream(self.thread_id(), text, resume=resume, user=user, typed_sql=typed_sql, as_of=as_of)
        async for event in events:
            if event.kind == "turn":
                turn = event.turn
            elif event.name and event.status == "start":
                open_steps[event.name] = await start_step(event.name)
            elif event.name:
                step = open_steps.pop(event.name, None) or await start_step(event.name)
                await finish_step(step, event.name, event.detail)
        for name, step in open_steps.items():
            await finish_step(step, name, None)
        if turn is None:  # the service always ends with a turn; be safe if it did not
            raise RuntimeError("the conversation service ended without a turn")
        return turn

    async def send_answer(self, turn: Turn, view: AnswerView) -> None:
        """The answer: its summary (or single value), chart, table and CSV, and the context it ran in."""
        elements = await asyncio.to_thread(_elements, view, turn)
        metadata = {"turn_id": turn.turn_id, "thread_id": turn.thread_id}
        actions = [cl.Action(name=RESET_ACTION, payload={}, label=RESET_LABEL)] if view.context else []
        message = await cl.Message(content=view.markdown, elements=elements, metadata=metadata, actions=actions).send()
        if turn.turn_id:
            # Thumbs are on the message's run (its parent) in Chainlit 2; keep both ids.
            answers = dict(cl.user_session.get(_ANSWERS) or {})
            for key in (message.id, message.parent_id):
                if key:
                    answers[key] = turn.turn_id
            cl.user_session.set(_ANSWERS, answers)

    @friendly
    async def reset_context(self, _action: cl.Action) -> None:
        """ "Start fresh": the next question builds on nothing (no filters, period or time travel)."""
        service = await self.service()
        await asyncio.to_thread(service.forget_context, self.thread_id())
        cl.user_session.set(_AS_OF, None)
        await cl.Message(
            content="Starting fresh: the next question uses no earlier filters, period or time travel."
        ).send()

    async def clarify(self, turn: Turn, prefix: str = "") -> None:
        """Ask back: each reading under its label with its first rows, one button per reading and
        one "Something else…". Nothing waits here: the message box stays usable, and a typed
        message either answers the question or abandons it for a new one (the service decides)."""
        clarification = turn.clarification or {}
        options = [o for o in clarification.get("options") or [] if not o.get("rephrase")]
        actions = [
            cl.Action(
                name=CLARIFY_ACTION, payload={"choice": str(o.get("id"))}, label=option_label(str(o.get("label")))
            )
            for o in options
        ]
        actions.append(cl.Action(name=CLARIFY_OTHER_ACTION, payload={}, label=SOMETHING_ELSE))
        asked = clarification.get("question") or turn.message or "Which did you mean?"
        question = prefix + clarification_markdown(
            {**clarification, "question": asked, "options": options}, turn.question
        )
        question += f"\n\n_{CLARIFY_HINT}_"
        cl.user_session.set(_PENDING, clarification)
        await cl.Message(content=question, actions=actions).send()
        # Plain data in the session (Chainlit saves it with the thread): enough to remove them.
        cl.user_session.set(_CLARIFY_ACTIONS, [a.to_dict() for a in actions])

    @friendly
    async def clarification_picked(self, action: cl.Action) -> None:
        """A reading's button: the open question is answered with it."""
        await self.close_clarification()
        if not cl.user_session.get(_PENDING):
            await cl.Message(content="That question was already answered or set aside; ask again if you like.").send()
            return
        await self.run_turn(resume=str(action.payload.get("choice") or ""))

    @friendly
    async def something_else(self, _action: cl.Action) -> None:
        """ "Something else…": the answer (or a new question) is typed in the message box."""
        await self.close_clarification()
        await cl.Message(
            content="Type your answer in the message box below (which column or table you meant), "
            "or ask a new question."
        ).send()

    async def close_clarification(self) -> None:
        """Take the buttons off the open question (they would answer a question already settled)."""
        saved = cl.user_session.get(_CLARIFY_ACTIONS) or []
        cl.user_session.set(_CLARIFY_ACTIONS, None)
        for data in saved:
            await cl.Action(**data).remove()

    # ------------------------------------------------------------------------ commands

    async def command(self, command: Command) -> None:
        handlers = {
            "tables": self.cmd_tables,
            "describe": self.cmd_describe,
            "history": self.cmd_history,
            "sql": self.cmd_sql,
            "explain": self.cmd_explain,
            "asof": self.cmd_asof,
            "stats": self.cmd_stats,
            "help": self.cmd_help,
        }
        handler = handlers.get(command.name)
        if handler is None:
            await cl.Message(
                content=f"There is no command {inline_code('/' + command.typed)}.\n\n{help_markdown()}"
            ).send()
            return
        await handler(command.argument)

    async def cmd_help(self, _argument: str) -> None:
        await cl.Message(content=help_markdown()).send()

    async def cmd_tables(self, _argument: str) -> None:
        tables = await asyncio.to_thread(table_summaries, self.runtime.platform.catalog)
        await cl.Message(content="**Tables**\n\n" + tables_markdown(tables)).send()

    async def cmd_describe(self, argument: str) -> None:
        name = argument.strip().strip("`").lower()
        tables = await asyncio.to_thread(table_summaries, self.runtime.platform.catalog)
        found = next((t for t in tables if t.name == name), None)
        if found is None:
            known = ", ".join(inline_code(t.name) for t in tables) or "none yet"
            await cl.Message(
                content=f"There is no table {inline_code(name or '?')}. Tables: {known}. Usage: `/describe TABLE`"
            ).send()
            return
        await cl.Message(content=describe_markdown(found), actions=_question_actions(questions_for_table(found))).send()

    async def cmd_history(self, _argument: str) -> None:
        service = await self.service()
        records = await asyncio.to_thread(service.history, self.thread_id())
        if not records:
            await cl.Message(content="No questions in this conversation yet.").send()
            return
        lines = ["**This conversation**", ""]
        for index, record in enumerate(records, 1):
            count = record.row_count
            rows = f" ({count:,} row{'' if count == 1 else 's'})" if count is not None else ""
            lines.append(f"{index}. {escape_markdown(record.question)}{rows}")
            if record.sql:
                lines.append("")
                lines.append(code_block(record.sql, "sql"))
        await cl.Message(content="\n".join(lines)).send()

    async def cmd_stats(self, argument: str) -> None:
        hours = parse_hours(argument)
        if hours is None:
            await cl.Message(content="Usage: `/stats` (the last 24 hours) or `/stats 168` (a number of hours).").send()
            return
        user = await self.catalog_user()
        view = await asyncio.to_thread(stats_view, self.runtime.platform, user, hours)
        elements: list[Any] = [cl.Dataframe(data=view.figures, name="Figures", display="inline", size="medium")]
        if view.chart is not None:
            elements.append(cl.Plotly(figure=view.chart, name="Queries over time", display="inline", size="large"))
        await cl.Message(content=view.markdown, elements=elements).send()

    async def cmd_sql(self, argument: str) -> None:
        if not argument:
            await cl.Message(content="Usage: `/sql SELECT ...` runs the query as typed (read-only).").send()
            return
        await self.close_clarification()
        await self.run_turn(text=argument, typed_sql=True)  # as typed: never read as a question

    async def cmd_explain(self, argument: str) -> None:
        """The engine's plan of the SQL as typed (never read as a question), nothing run, checked as /sql is."""
        sql = argument.strip().rstrip(";").strip()
        if not sql:
            await cl.Message(content="Usage: `/explain SELECT ...` shows the plan without running the query.").send()
            return
        service = await self.service()
        user = await self.catalog_user()
        try:
            # The checks /sql makes for this user (read-only unless they may write, known tables).
            plan = await asyncio.to_thread(service.explain, sql, user=user)
        except NeuroLakeError as e:
            _code, refusal = friendly_error(e, step="validate")  # worded as /sql words it
            await cl.Message(content=f"**{NOT_EXPLAINED}** {escape_lines(refusal)}").send()
            return
        await cl.Message(
            content=f"The plan of the query as typed (nothing was run):\n\n{code_block(pretty_sql(sql), 'sql')}\n\n"
            + code_block(plan.render(), "text")
        ).send()

    async def cmd_asof(self, argument: str) -> None:
        try:
            as_of = parse_asof(argument)
        except ValueError as e:
            await cl.Message(content=escape_markdown(str(e))).send()
            return
        if as_of is None:
            cl.user_session.set(_AS_OF, None)
            await cl.Message(
                content="Back to the latest data: questions read the current version of every table."
            ).send()
            return
        problem = await asyncio.to_thread(_as_of_problem, self.runtime.platform.catalog, as_of)
        if problem:
            await cl.Message(content=problem).send()
            return
        cl.user_session.set(_AS_OF, as_of.to_dict())
        await cl.Message(
            content=f"Time travel on: the next questions read {as_of.describe()}. `/asof off` goes back to now."
        ).send()

    # ------------------------------------------------------------------------ feedback

    async def feedback(self, feedback: Feedback) -> None:
        """Thumbs up or down on an answer: the conversation memory learns from it."""
        answers = cl.user_session.get(_ANSWERS) or {}
        turn_id = answers.get(feedback.forId)
        thread_id = feedback.threadId or self.thread_id()
        if turn_id is None:  # an answer from before a resume: its id was saved with the message
            saved = await asyncio.to_thread(self.runtime.data_layer.answer_metadata, feedback.forId, "turn_id")
            turn_id, thread_id = saved.get("turn_id"), saved.get("thread_id") or thread_id
        if not turn_id:
            return  # not an answer (the welcome, a command's reply)
        value = "up" if int(feedback.value) == 1 else "down"
        try:
            service = await self.service()
            await asyncio.to_thread(service.feedback, thread_id, turn_id, value)
        except NeuroLakeError as e:
            log.warning("feedback on %s/%s not recorded: %s", thread_id, turn_id, e)

    # ------------------------------------------------------------------------ uploads

    async def upload(self, files: list[Any]) -> None:
        """Each CSV, TSV, Parquet or JSON-lines file becomes a new table; its schema and questions follow."""
        for element in files:
            name = str(getattr(element, "name", "") or "upload")
            if not is_table_file(name):
                await cl.Message(
                    content=f"{inline_code(name)} was not loaded: tables come from "
                    + ", ".join(SUPPORTED_EXTENSIONS)
                    + " files."
                ).send()
                continue
            platform = self.runtime.platform
            try:
                async with cl.Step(name=f"Loading {name}", type="tool", show_input=False) as step:
                    result = await asyncio.to_thread(
                        ingest_upload, platform.storage, platform.catalog, element.path, name
                    )
                    step.output = f"{result.rows:,} rows into {inline_code(result.table.name)}"
            except NeuroLakeError as e:
                await cl.Message(content=f"**{escape_markdown(name)} was not loaded.** {escape_lines(str(e))}").send()
                continue
            await _send_upload_summary(result)


# ---------------------------------------------------------------------------- helpers


def _question_actions(questions: list[str]) -> list[cl.Action]:
    return [cl.Action(name=ASK_ACTION, payload={"question": q}, label=q, tooltip="Ask this") for q in questions]


def _user_name() -> str:
    user = cl.user_session.get("user")
    return getattr(user, "identifier", None) or "User"


def _elements(view: AnswerView, turn: Turn) -> list[Any]:
    """The answer's Chainlit elements (runs in a worker thread: pandas and plotly serialize here)."""
    from app.tables import result_csv

    elements: list[Any] = []
    if view.table is not None:
        elements.append(cl.Dataframe(data=view.table.frame, name="Result", display="inline", size="large"))
    if view.figure is not None:
        elements.append(cl.Plotly(figure=view.figure, name="Chart", display="inline", size="large"))
    if view.csv_name and turn.result is not None:
        elements.append(cl.File(name=view.csv_name, content=result_csv(turn.result), mime="text/csv", display="inline"))
    return elements


def _measure_words(turn: Turn) -> str:
    """The words earlier questions used for this turn's measures ("revenue"), kept while the
    measures stay the same: "what about last year?" still heads its column "Revenue"."""
    measures = (turn.intent or {}).get("measures") or []
    saved = cl.user_session.get(_MEASURES) or {}
    words = str(saved.get("words") or "") if saved.get("measures") == measures else ""
    if measures and turn.error is None:
        cl.user_session.set(_MEASURES, {"measures": measures, "words": f"{words} {turn.question}"[-300:]})
    return words


def _as_of() -> AsOf | None:
    saved = cl.user_session.get(_AS_OF)
    return AsOf(**saved) if saved else None


def _as_of_problem(catalog: Any, as_of: AsOf) -> str | None:
    """Why ``as_of`` cannot be read (a table or version that does not exist), or None."""
    tables = {t.name: t for t in table_summaries(catalog)}
    if as_of.table is not None and as_of.table not in tables:
        known = ", ".join(inline_code(n) for n in sorted(tables)) or "none yet"
        return f"There is no table {inline_code(as_of.table)}. Tables: {known}."
    if as_of.version is not None and as_of.table is not None and as_of.version > tables[as_of.table].version:
        latest = tables[as_of.table].version
        return f"{inline_code(as_of.table)} has versions 0 to {latest}; there is no version {as_of.version}."
    return None


async def _send_upload_summary(result: UploadResult) -> None:
    table: TableSummary = result.table
    questions = questions_for_table(table)
    content = (
        f"Created table {inline_code(table.name)} from {escape_markdown(result.file_name)}: "
        f"{result.rows:,} rows.\n\n{describe_markdown(table)}\n\nAsk about it, for example:"
    )
    await cl.Message(content=content, actions=_question_actions(questions)).send()
