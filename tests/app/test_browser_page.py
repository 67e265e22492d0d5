"""The chat page keeps the conversation's last turns; the thread keeps them all (app/window.py)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.window import PAGE_TURNS
from tests.app.conftest import ASSISTANT, USER
from tests.app.test_browser import ANSWER_TIMEOUT_MS, send, wait_idle

pytestmark = pytest.mark.slow

FIRST = "customers by country"
AGAIN = "orders by status"
#: True once an answer with table rows follows the last question on the page and that question is
#: ``question`` (found by position: the page's message count drops as old turns leave it).
_ANSWERED = """([questions, answers, question]) => {
    const asked = [...document.querySelectorAll(questions)].pop();
    if (!asked || !asked.innerText.includes(question)) return false;
    return [...document.querySelectorAll(answers)].some(
        m => (asked.compareDocumentPosition(m) & Node.DOCUMENT_POSITION_FOLLOWING)
            && m.querySelector('.dataframe tbody tr'));
}"""


def answered(page: Any, question: str) -> None:
    send(page, question)
    page.wait_for_function(_ANSWERED, arg=[USER, ASSISTANT, question], timeout=ANSWER_TIMEOUT_MS)
    wait_idle(page)


def test_past_its_last_turns_the_page_lets_the_oldest_go_and_history_still_lists_it(page: Any) -> None:
    answered(page, FIRST)
    for _ in range(PAGE_TURNS):
        answered(page, AGAIN)

    page.get_by_text("have left this page to keep it fast").wait_for(timeout=ANSWER_TIMEOUT_MS)
    questions = page.locator(USER)
    expect(questions).to_have_count(PAGE_TURNS)
    assert not [text for text in questions.all_inner_texts() if FIRST in text]

    send(page, "/history")
    wait_idle(page)
    history = page.locator(ASSISTANT).last
    expect(history).to_contain_text(FIRST)  # the page let it go; the thread did not
