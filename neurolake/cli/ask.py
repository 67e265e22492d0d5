"""``neurolake ask "QUESTION"``: a question in English, answered with SQL and its result.

Prints the SQL and the rows (``--format table``), or one JSON object with ``sql``,
``columns``, ``rows``, ``intent`` and ``clarification`` (``--format json``). When the
question is ambiguous the options are printed instead of a guess; ``--choose`` answers
them. A refused question (empty, a request to change data, ...) exits with status 1.

It asks the same ``ConversationService`` as the chat and the REST API, on a throwaway
thread kept in memory (no history, no conversation memory).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.syntax import Syntax

from neurolake.cli.context import state
from neurolake.errors import NeuroLakeError

if TYPE_CHECKING:
    from neurolake.conversation import Turn
    from neurolake.intent.model import Intent

#: The one thread of a ``neurolake ask``: kept in memory, gone when the command ends.
THREAD = "cli-ask"
#: Turn errors that are the answer (a question refused, or SQL the engine would not run): printed as one.
REFUSALS = frozenset({"not_understood", "invalid_query", "permission_denied", "execution_failed", "no_context"})


class AskFormat(StrEnum):
    table = "table"
    json = "json"


@dataclass
class Asked:
    """A question answered through the conversation service: the turn and its full reading."""

    turn: Turn
    #: The reading with its alternatives (the turn carries only its summary).
    intent: Intent | None

    @property
    def refusal(self) -> str | None:
        return (self.turn.message or "I could not answer that question.") if self.turn.error else None

    @property
    def options(self) -> list[dict[str, Any]]:
        return list((self.turn.clarification or {}).get("options") or [])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``sql``, ``columns``, ``rows``, ``intent``, ``clarification`` and more."""
        from neurolake.engine.serialize import table_rows

        result = self.turn.result
        clarification = self.turn.clarification
        data: dict[str, Any] = {
            "question": self.turn.question,
            "sql": None if clarification else self.turn.sql,
            "columns": result.columns if result is not None else [],
            "rows": table_rows(result.table) if result is not None else [],
            "row_count": result.row_count if result is not None else 0,
            "truncated": result.truncated if result is not None else False,
            "intent": self.turn.intent,
            "clarification": None
            if clarification is None
            else {
                "question": clarification["question"],
                "options": [o["label"] for o in self.options],
                "previews": [o.get("preview") for o in self.options],
            },
            "refusal": self.refusal,
        }
        if self.intent is not None and self.intent.schedule is not None:
            data["schedule"] = self.intent.schedule.model_dump()
        return data


def ask(
    question: str = typer.Argument(..., help="A question about your tables, in plain English."),
    output: AskFormat = typer.Option(AskFormat.table, "--format", "-f", help="table or json."),
    limit: int = typer.Option(None, "--limit", "-n", min=1, help="Row cap (default NEUROLAKE_ENGINE__ROW_LIMIT)."),
    choose: str = typer.Option(
        None, "--choose", "-c", help="Answer the clarification: an option's number (1, 2, ...) or its words."
    ),
    semantic: bool = typer.Option(
        True, "--semantic/--words-only", help="Use the embedding index for words nothing else matches."
    ),
) -> None:
    """Answer a question: its SQL and result, or a question back when it is ambiguous."""
    # Imported here: `neurolake --help` must not load LangGraph.
    from agents.service import ConversationService
    from neurolake.conversation.checkpoints import open_memory

    platform = state.platform
    row_limit = limit or platform.settings.engine.row_limit
    # The same service as the chat and the API, on a throwaway thread: no memory, no history kept.
    service = ConversationService.from_platform(
        platform, memory=False, store=open_memory(), semantic=semantic, row_limit=row_limit
    )
    try:
        turn = service.ask(THREAD, question)
        if choose and turn.clarification is not None:
            turn = service.answer(THREAD, _picked(Asked(turn, None), choose))
        plan = service.turn_plan(THREAD)
    finally:
        service.close()
    if turn.error is not None and turn.error not in REFUSALS:
        # The lakehouse failed, not the question (a catalog outage, ...): one line on stderr, as every command.
        raise NeuroLakeError(turn.message)
    asked = Asked(turn, plan.intent if plan is not None else None)
    if output is AskFormat.json:
        typer.echo(json.dumps(asked.to_dict(), ensure_ascii=False, default=str))
    else:
        _print(asked)
    if asked.refusal is not None:
        raise typer.Exit(1)


def _picked(asked: Asked, choose: str) -> str:
    """The id of the option ``--choose`` names (its number or its words); a bad choice is the user's to fix.

    Only the choice is checked here: running the chosen reading happens after, so what the
    engine says about it is reported as the engine's, never as a bad ``--choose``.
    """
    options = asked.options  # numbered as printed
    try:
        if choose.isdigit():
            if not 1 <= int(choose) <= len(options):
                raise ValueError(f"choose a number from 1 to {len(options)}")
            return str(options[int(choose) - 1]["id"])
        wanted = choose.strip().lower()
        matches = [o for o in options if o["label"].lower() == wanted] or [
            o for o in options if wanted and wanted in o["label"].lower()
        ]
        if len(matches) != 1:
            raise ValueError(f"{choose!r} is not one of: {', '.join(o['label'] for o in options)}")
        return str(matches[0]["id"])
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--choose") from e


def _print(asked: Asked) -> None:
    from neurolake.cli.query import _print_table
    from neurolake.intent.model import describe

    console = Console()  # per command: reads the terminal width when it runs
    turn = asked.turn
    if asked.refusal is not None:
        console.print(f"[bold red]Not answered:[/] {asked.refusal}", highlight=False)
        return
    if turn.clarification is not None:
        console.print(f"[bold yellow]?[/] {turn.clarification['question']}", highlight=False)
        for i, option in enumerate(asked.options, 1):
            console.print(f"  {i}. {option['label']}", highlight=False)
            if option.get("preview") is not None:
                _print_preview(console, option["preview"])
        console.print('Answer with: neurolake ask "<question>" --choose <number>', style="dim")
        return
    if turn.sql:
        console.print(Syntax(turn.sql, "sql", word_wrap=True, background_color="default"))
    intent = asked.intent
    if intent is not None and intent.schedule is not None:
        console.print(
            f"Pipeline request ({intent.schedule.label}, cron {intent.schedule.cron}); this is what it would compute:",
            style="dim",
            highlight=False,
        )
    if turn.result is not None:
        _print_table(turn.result)
    elif turn.message:
        console.print(turn.message, highlight=False)  # nothing was run ("please rephrase", ...)
    if intent is not None:
        console.print(f"read as: {describe(intent)} · confidence {intent.confidence:.2f}", style="dim", highlight=False)


def _print_preview(console: Console, preview: dict[str, Any]) -> None:
    """A reading's first rows (``{"columns", "rows", "row_count", "truncated"}``), indented under its option."""
    console.print("     " + " | ".join(preview["columns"]), style="dim", highlight=False)
    for row in preview["rows"]:
        console.print("     " + " | ".join("" if v is None else str(v) for v in row), highlight=False)
    more = preview["row_count"] - len(preview["rows"])
    if more > 0 or preview.get("truncated"):
        shown = "more rows" if preview.get("truncated") else f"{more} more row{'s' if more != 1 else ''}"
        console.print(f"     ... {shown}", style="dim", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ask`` to ``app``."""
    app.command("ask")(ask)
