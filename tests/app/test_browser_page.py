"""The chat page keeps the conversation's last turns; the thread keeps them all (app/window.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.window import PAGE_TURNS
from tests.app.conftest import ASSISTANT, USER
from tests.app.test_browser import ANSWER_TIMEOUT_MS, ask, send, wait_idle

pytestmark = pytest.mark.slow

FIRST = "customers by country"
AGAIN = "orders by status"


def test_past_its_last_turns_the_page_lets_the_oldest_go_and_history_still_lists_it(page: Any) -> None:
    ask(page, FIRST)
    for _ in range(PAGE_TURNS):
        ask(page, AGAIN)

    page.get_by_text("have left this page to keep it fast").wait_for(timeout=ANSWER_TIMEOUT_MS)
    questions = page.locator(USER)
    expect(questions).to_have_count(PAGE_TURNS)
    assert not [text for text in questions.all_inner_texts() if FIRST in text]

    send(page, "/history")
    wait_idle(page)
    history = page.locator(ASSISTANT).last
    expect(history).to_contain_text(FIRST)  # the page let it go; the thread did not
