"""The page keeps the conversation's last turns; older ones leave the page, not the thread.

Chainlit's page draws every message and step of the conversation again whenever the
thread's list of elements or actions changes or a run starts or ends (several times per
answer), so without a bound each answer costs more than the one before: measured in
Chromium, 1.9 s at the first turns and 14 s by the fiftieth (bench/chat_latency.py). Past
``PAGE_TURNS``, the oldest turn is taken off the page only (a UI event: the data layer keeps
it, ``/history`` lists it, and reopening the thread from the sidebar shows it), so every
turn costs what turn ``PAGE_TURNS`` did. See docs/decisions/0012-chat-start-up-and-page-speed.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import chainlit as cl
from chainlit.context import context, local_steps

if TYPE_CHECKING:
    from chainlit.step import StepDict

#: Turns (a question and everything answering it) the page keeps.
PAGE_TURNS = 10
#: Said once, when the first turn leaves the page.
LEFT_THE_PAGE = (
    "_Earlier questions of this conversation have left this page to keep it fast; `/history` lists them, "
    "and reopening the conversation from the sidebar shows them all._"
)
# Session keys: the page's turns (each a list of top-level step ids), and whether the note was said.
_ON_PAGE = "page_turns"
_SAID = "page_trimmed"


def current_turn_ids() -> list[str]:
    """The ids that hold the running turn on the page: its run and the message that started it."""
    running = local_steps.get() or []
    if not running:
        return []
    root = running[0]
    return [i for i in (root.parent_id, root.id) if i]


def thread_turn_ids(steps: Iterable[StepDict]) -> list[list[str]]:
    """The turns of a saved thread, oldest first: each top-level user message or run (a reopened thread)."""
    return [
        [str(s["id"])]
        for s in steps
        if not s.get("parentId") and s.get("type") in ("user_message", "run") and s.get("name") != "on_chat_start"
    ]


def remember_page(turns: list[list[str]]) -> None:
    """Start counting from the turns a reopened thread shows."""
    cl.user_session.set(_ON_PAGE, turns)


async def keep_page_short(turn: list[str]) -> None:
    """Add ``turn`` to the page's turns; take the oldest off the page past ``PAGE_TURNS``."""
    on_page = [list(t) for t in cl.user_session.get(_ON_PAGE) or []]
    if turn and turn not in on_page:
        on_page.append(turn)
    leaving = on_page[: max(0, len(on_page) - PAGE_TURNS)]
    cl.user_session.set(_ON_PAGE, on_page[len(leaving) :])
    for ids in leaving:
        for step_id in ids:
            # The UI event only: Message.remove() would delete the step from the saved thread too.
            await context.emitter.emit("delete_message", {"id": step_id})
    if leaving and not cl.user_session.get(_SAID):
        cl.user_session.set(_SAID, True)
        note = cl.Message(content=LEFT_THE_PAGE)
        note.parent_id = None  # on the page's top level, not in this turn (which will leave too)
        await note.send()
