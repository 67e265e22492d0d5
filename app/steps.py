"""The graph's steps as Chainlit steps: one collapsible line per step, with what it produced."""

from __future__ import annotations

from typing import Any

import chainlit as cl
from chainlit.context import local_steps
from chainlit.utils import utc_now

from agents.warming import MODELS_LOADING_NOTE
from app.escaping import code_block, escape_lines, escape_markdown

#: Names the graph's steps show with while they run.
STEP_LABELS = {
    "understand": "Understanding the question",
    "clarify": "Asking back",
    "generate_sql": "Writing SQL",
    "validate": "Checking the SQL",
    "optimize": "Optimizing",
    "execute": "Running the query",
    "present": "Presenting the answer",
    "remember": "Remembering",
}
SQL_STEPS = {"generate_sql", "validate", "optimize"}
#: The step a question asked while the embedding model loads shows (it is answered meanwhile).
MODELS_LOADING = "Loading the language model"


async def start_step(name: str) -> cl.Step:
    # Under the message's run, like the answer, so the steps show above it and not after the thread.
    running = local_steps.get() or []
    step = cl.Step(
        name=STEP_LABELS.get(name, name.replace("_", " ").capitalize()),
        type="tool",
        show_input=False,
        parent_id=running[-1].id if running else None,
    )
    step.start = utc_now()
    await step.send()
    return step


async def models_loading_step() -> None:
    """Say, as a finished step, that this answer did not wait for the embedding model."""
    step = await start_step(MODELS_LOADING)
    step.output = MODELS_LOADING_NOTE
    step.end = utc_now()
    await step.update()


async def finish_step(step: cl.Step, name: str, detail: Any) -> None:
    step.output = detail_markdown(name, detail)
    step.end = utc_now()
    await step.update()


def detail_markdown(name: str, detail: Any) -> str:
    """What a finished step reports, as Markdown: its SQL in a code block, the rest as text."""
    if not detail:
        return "Done."
    if not isinstance(detail, dict):
        return escape_lines(str(detail))
    parts: list[str] = []
    if detail.get("sql") and name in SQL_STEPS:
        parts.append(code_block(str(detail["sql"]), "sql"))
    if detail.get("row_count") is not None:
        parts.append(f"{int(detail['row_count']):,} rows")
    if detail.get("source"):
        parts.append(f"SQL from: {escape_markdown(detail['source'])}")
    if detail.get("repairs"):
        parts.append("Repaired: " + "; ".join(escape_markdown(r) for r in detail["repairs"]))
    if detail.get("chart"):
        chart = detail["chart"]
        parts.append(f"Chart: {escape_markdown(chart.get('kind'))} of {escape_markdown(chart.get('y'))}")
    if detail.get("waiting") or detail.get("clarification"):
        parts.append("Waiting for your answer.")
    if detail.get("error"):
        parts.append(f"Stopped: {escape_markdown(detail['error'])}")
    return "\n\n".join(parts) or "Done."
