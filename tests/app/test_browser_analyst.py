"""The chat as an analyst uses it, in Chromium: answers that read well, honest follow-ups,
a message box that stays usable during a question back, commands that do what they say.

Shares the session's chat server (tests/app/conftest.py) and one browser for the module.
With ``NEUROLAKE_TEST_DOCS_SCREENSHOT=1`` it refreshes the screenshots of docs/chat.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.chat import RESET_LABEL, SOMETHING_ELSE
from tests.app.conftest import ASSISTANT, USER
from tests.app.test_browser import (
    ANSWER_TIMEOUT_MS,
    ask,
    cents,
    close_how_group,
    send,
    shown_rows,
    shown_sql,
    shown_value,
    wait_idle,
)

pytestmark = pytest.mark.slow

#: Set to refresh docs/images/chat-*.png from these tests.
DOCS_SCREENSHOT_ENV = "NEUROLAKE_TEST_DOCS_SCREENSHOT"
DOCS_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"


def docs_screenshot(page: Any, name: str, *, height: int = 1400) -> None:
    """The page from the last question down, saved for docs/chat.md (only when asked for)."""
    if not os.environ.get(DOCS_SCREENSHOT_ENV):
        return
    close_how_group(page)
    page.set_viewport_size({"width": 1280, "height": height})
    page.locator(USER).last.evaluate("m => m.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1000)  # plotly finishes drawing; nothing is asserted on time
    page.screenshot(path=str(DOCS_IMAGES / name))
    page.set_viewport_size({"width": 1280, "height": 1000})


def chart_labels(answer: Any) -> list[str]:
    """The bars' labels as the chart draws them, left to right."""
    plot = answer.locator(".js-plotly-plot").first
    plot.wait_for()
    return list(plot.evaluate("p => p.data[0].x.map(String)"))


def test_an_answer_reads_summary_chart_then_table_in_the_same_order(page: Any, run: Any) -> None:
    answer = ask(page, "revenue by country")

    expected = run(shown_sql(page))
    top, revenue = max(expected.rows, key=lambda r: r[1])
    text = answer.inner_text()
    assert text.startswith(f"{top} leads with {revenue:,.2f}; {expected.row_count} countries.")
    assert answer.locator(".dataframe thead th").all_inner_texts()[-2:] == ["Country", "Revenue"]
    rows = shown_rows(answer)
    assert [country for country, _ in rows] == chart_labels(answer)[: len(rows)]
    assert [cents(amount) for _, amount in rows] == sorted((cents(a) for _, a in rows), reverse=True)
    assert all(amount.count(".") == 1 and len(amount.split(".")[1]) == 2 for _, amount in rows)
    assert "SELECT" not in text  # the SQL waits in "How I got this"
    close_how_group(page)
    docs_screenshot(page, "chat-answer.png", height=1500)

    single = ask(page, "how many customers are there")
    (count,) = run("SELECT count(*) FROM customers").rows[0]
    assert shown_value(single) == f"{count:,}"
    assert single.inner_text().startswith("Customers")
    assert single.locator(".dataframe").count() == 0


def test_a_thing_the_data_does_not_have_is_named(page: Any) -> None:
    send(page, "how many employees are there?")
    said = page.locator(ASSISTANT).filter(has_text="There is nothing called 'employees' in your data").last
    said.wait_for(timeout=ANSWER_TIMEOUT_MS)

    # The closest thing that exists is offered, with its rows, and asked about: never answered silently.
    assert "customers" in said.inner_text()
    assert said.locator(".dataframe, h1").count() == 0
    assert said.get_by_role("button", name=SOMETHING_ELSE).count() == 1


def test_typing_during_a_clarification_answers_the_new_question(page: Any, run: Any) -> None:
    send(page, "revenue by name")
    asked = page.locator(ASSISTANT).filter(has_text="do you mean customer name or product name").last
    expect(asked.locator("table")).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)
    assert asked.get_by_role("button", name=SOMETHING_ELSE).count() == 1
    assert [b for b in asked.locator("button").all_inner_texts() if b.strip()][:3] == [
        "customer name",
        "product name",
        SOMETHING_ELSE,
    ]
    docs_screenshot(page, "chat-clarification.png", height=1300)

    answer = ask(page, "how many orders are there")  # typed while the question back is open

    (count,) = run("SELECT count(*) FROM orders").rows[0]
    assert shown_value(answer) == f"{count:,}"
    expect(asked.get_by_role("button", name="product name", exact=True)).to_have_count(0)


def test_last_year_after_2024_is_2023_and_sorting_keeps_the_rows(page: Any, run: Any) -> None:
    ask(page, "revenue by country in 2024")

    answer = ask(page, "what about last year?")

    sql = shown_sql(page)
    assert "2023-01-01" in sql and "2024-01-01" in sql
    text = answer.inner_text()
    assert "'last year' read as 2023 (the year before 2024)." in text
    assert "Context: 2023" in text
    assert answer.locator(".dataframe thead th").all_inner_texts()[-2:] == ["Country", "Revenue"]  # still
    expected = {country: round(total, 2) for country, total in run(sql).rows}
    assert {country: cents(amount) for country, amount in shown_rows(answer)} == {
        c: v for c, v in expected.items() if c in dict(shown_rows(answer))
    }
    docs_screenshot(page, "chat-follow-up.png", height=1300)
    answer.get_by_role("button", name=RESET_LABEL).click()
    page.get_by_text("Starting fresh").wait_for()

    top = ask(page, "top 5 countries by revenue")
    top_rows = shown_rows(top)
    ascending = ask(page, "sort ascending")
    rows = shown_rows(ascending)
    assert sorted(rows) == sorted(top_rows)  # the same five countries
    assert [cents(a) for _, a in rows] == sorted(cents(a) for _, a in rows)
    assert chart_labels(ascending) == [country for country, _ in rows]
    assert "2023" not in shown_sql(page)


def test_commands_reach_the_engine_as_typed(page: Any, run: Any) -> None:
    send(page, "/explain SELECT * FROM orders WHERE 1 = 1")
    plan = page.locator(ASSISTANT).filter(has_text="The plan of the query as typed").last
    plan.wait_for(timeout=ANSWER_TIMEOUT_MS)
    assert "WHERE 1 = 1" in plan.inner_text() and "Query plan" in plan.inner_text()

    answer = ask(page, "/sql SELECT count(*) AS n FROM orders WHERE 1 = 1")
    assert shown_sql(page) == "SELECT count(*) AS n\nFROM orders\nWHERE 1 = 1"
    (count,) = run("SELECT count(*) FROM orders").rows[0]
    assert shown_value(answer) == f"{count:,}"

    ask(page, "revenue by country")
    before = send(page, "show the query plan")
    wait_idle(page)
    shown = page.locator(ASSISTANT).nth(before)
    assert "query plan of the last answer" in shown.inner_text()
    assert "SUM(orders.total_amount)" in shown.inner_text()
