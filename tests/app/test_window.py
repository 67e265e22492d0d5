"""Which steps of a reopened thread count as its turns on the page (app/window.py)."""

from __future__ import annotations

from typing import Any

from app.window import thread_turn_ids


def step(step_id: str, kind: str, name: str = "", parent: str | None = None) -> Any:
    return {"id": step_id, "type": kind, "name": name, "parentId": parent}


def test_a_reopened_threads_turns_are_its_top_level_questions_and_runs_but_not_the_welcome() -> None:
    steps = [
        step("w", "run", "on_chat_start"),
        step("welcome", "assistant_message", parent="w"),
        step("q1", "user_message"),
        step("r1", "run", "on_message", parent="q1"),
        step("a1", "assistant_message", parent="r1"),
        step("click", "run", "ask_question"),
        step("note", "assistant_message"),
    ]

    assert thread_turn_ids(steps) == [["q1"], ["click"]]
