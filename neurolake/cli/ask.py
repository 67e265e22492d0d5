"""``neurolake ask "QUESTION"``: a question in English, answered with SQL and its result.

Prints the SQL and the rows (``--format table``), or one JSON object with ``sql``,
``columns``, ``rows``, ``intent`` and ``clarification`` (``--format json``). When the
question is ambiguous the options are printed instead of a guess; ``--choose`` answers
them. A refused question (empty, a request to change data, ...) exits with status 1.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.syntax import Syntax

from neurolake.cli.context import state

if TYPE_CHECKING:
    from neurolake.intent.answer import Answer
    from neurolake.intent.model import Intent, Preview


class AskFormat(StrEnum):
    table = "table"
    json = "json"


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
    from neurolake.intent.answer import QuestionAnswerer
    from neurolake.intent.parser import IntentParser

    parser = IntentParser.from_platform(state.platform, semantic=semantic)
    try:
        answerer = QuestionAnswerer(parser, state.platform.engine)
        answer = answerer.answer(question, limit=limit)
        if choose and answer.clarification is not None:
            answer = answerer.run(question, _picked(answer, choose), limit=limit)
    finally:
        parser.close()
    if output is AskFormat.json:
        typer.echo(json.dumps(answer.to_dict(), ensure_ascii=False, default=str))
    else:
        _print(answer)
    if answer.refusal is not None:
        raise typer.Exit(1)


def _picked(answer: Answer, choose: str) -> Intent:
    """The reading ``--choose`` names (its number or its words); a bad choice is the user's to fix.

    Only the choice is checked here: running the chosen reading happens after, so what the
    engine says about it is reported as the engine's, never as a bad ``--choose``.
    """
    count = len(answer.clarification.options) if answer.clarification is not None else 0
    try:
        if choose.isdigit() and not 1 <= int(choose) <= count:
            raise ValueError(f"choose a number from 1 to {count}")
        return answer.intent.resolve(int(choose) - 1 if choose.isdigit() else choose)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--choose") from e


def _print(answer: Answer) -> None:
    from neurolake.cli.query import _print_table
    from neurolake.intent.model import describe

    console = Console()  # per command: reads the terminal width when it runs
    if answer.refusal is not None:
        console.print(f"[bold red]Not answered:[/] {answer.refusal}", highlight=False)
        return
    if answer.clarification is not None:
        console.print(f"[bold yellow]?[/] {answer.clarification.question}", highlight=False)
        previews = answer.clarification.previews
        for i, option in enumerate(answer.clarification.options, 1):
            console.print(f"  {i}. {option}", highlight=False)
            preview = previews[i - 1] if i - 1 < len(previews) else None
            if preview is not None:
                _print_preview(console, preview)
        console.print('Answer with: neurolake ask "<question>" --choose <number>', style="dim")
        return
    if answer.sql:
        console.print(Syntax(answer.sql, "sql", word_wrap=True, background_color="default"))
    if answer.intent.schedule is not None:
        console.print(
            f"Pipeline request ({answer.intent.schedule.label}, cron {answer.intent.schedule.cron}); "
            "this is what it would compute:",
            style="dim",
            highlight=False,
        )
    if answer.result is not None:
        _print_table(answer.result)
    console.print(
        f"read as: {describe(answer.intent)} · confidence {answer.intent.confidence:.2f}", style="dim", highlight=False
    )


def _print_preview(console: Console, preview: Preview) -> None:
    """A reading's first rows, indented under its option."""
    console.print("     " + " | ".join(preview.columns), style="dim", highlight=False)
    for row in preview.rows:
        console.print("     " + " | ".join("" if v is None else str(v) for v in row), highlight=False)
    more = preview.row_count - len(preview.rows)
    if more > 0 or preview.truncated:
        shown = "more rows" if preview.truncated else f"{more} more row{'s' if more != 1 else ''}"
        console.print(f"     ... {shown}", style="dim", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``ask`` to ``app``."""
    app.command("ask")(ask)
