"""The chat end to end: the real ``neurolake chat`` server, Debian's Chromium, the demo lakehouse.

Each test opens a new browser session (a new conversation) and checks what a person sees
against the engine's own result for the same SQL.
"""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.answer import NOT_ANSWERED
from app.chat import HOW_GROUP
from neurolake.config import load_settings
from neurolake.conversation.checkpoints import open_store
from tests.app.conftest import ASSISTANT, GUARDED_PASSWORD, NEW_CHAT_MARK, SCREENSHOTS, USER, ChatServer

ANSWER = ASSISTANT

pytestmark = pytest.mark.slow

#: How long an answer may take to arrive and render (a loaded 2-core CI machine is slow, not stuck).
ANSWER_TIMEOUT_MS = 120_000
#: How long the composer may take to accept a message (``expect`` waits only 5 s by default).
COMPOSER_TIMEOUT_MS = 60_000
#: How the chat's answers that failed begin: the answer's own note, or the handler's apology.
FAILED_ANSWERS = [NOT_ANSWERED, "Something went wrong on our side."]
#: The first assistant message from index ``n`` on that is a finished answer: one whose result
#: table has rendered (the Dataframe element shows its rows all at once, after loading its
#: data) or whose single value is shown (a large number, ``h1``), or one that failed. Returns
#: its index and, for a failure, its text.
_FINISHED_ANSWER = """([selector, n, failed]) => {
    const messages = [...document.querySelectorAll(selector)];
    for (let i = n; i < messages.length; i++) {
        if (messages[i].querySelector('.dataframe tbody tr, h1')) return {index: i, failure: null};
        const text = messages[i].innerText;
        if (failed.some(f => text.includes(f))) return {index: i, failure: text};
    }
    return null;
}"""


def send(page: Any, text: str) -> int:
    """Type a message and send it; returns how many assistant messages there were before.

    Returns once a new chat has moved to its thread's page, so what the test does next
    (click, type, read) is not lost when the page is drawn anew.
    """
    wait_idle(page)
    before = page.locator(ANSWER).count()
    page.locator("#chat-input").fill(text)
    submit(page)
    wait_moved(page)
    return before


def submit(page: Any) -> None:
    """Send what the composer holds once it accepts it (it refuses while a run is finishing)."""
    expect(page.locator("#chat-submit")).to_be_enabled(timeout=COMPOSER_TIMEOUT_MS)
    page.locator("#chat-submit").click()
    expect(page.locator("#chat-input")).to_have_value("", timeout=COMPOSER_TIMEOUT_MS)


def wait_idle(page: Any) -> None:
    """Wait until the run of a typed message (if any) has finished.

    Chainlit shows the stop button while a message's run goes on; a run started by a button
    (an example question) shows none, so its answer is waited for by ``answer_with_table``.
    """
    expect(page.locator("#stop-button")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)


def wait_moved(page: Any) -> None:
    """Wait until a new chat is on its thread's page (see NEW_CHAT_MARK); at once when it is
    there already, or stays on ``/`` (one started by a file, see ``upload``)."""
    expect(page.locator(f"[{NEW_CHAT_MARK}]")).to_have_count(0, timeout=ANSWER_TIMEOUT_MS)


def answer_with_table(page: Any, before: int) -> Any:
    """The first answer after assistant message ``before`` once it is complete: on the thread's
    page, its table shown and the run over. An answer that failed ends the wait at once, with
    its text."""
    wait_moved(page)  # a question asked by a button (an example) moves a new chat as well
    found = page.wait_for_function(
        _FINISHED_ANSWER, arg=[ANSWER, before, FAILED_ANSWERS], timeout=ANSWER_TIMEOUT_MS
    ).json_value()
    if found["failure"] is not None:
        pytest.fail(f"the answer has no table:\n{found['failure']}")
    wait_idle(page)
    return page.locator(ANSWER).nth(found["index"])


def ask(page: Any, question: str) -> Any:
    return answer_with_table(page, send(page, question))


def shown_rows(answer: Any) -> list[list[str]]:
    """The cells of the table's first page, as the browser shows them (read in one go)."""
    table = answer.locator(".dataframe tbody").first
    rows: list[list[str]] = table.evaluate("body => [...body.rows].map(r => [...r.cells].map(c => c.innerText))")
    return rows


def shown_value(answer: Any) -> str:
    """A single-value answer's large number."""
    return str(answer.locator("h1").first.inner_text())


def how_group(page: Any) -> Any:
    """The last answer's "How I got this" group, opened (its steps, SQL, timings and versions)."""
    trigger = page.locator(f'[id="step-{HOW_GROUP}"]').last
    if trigger.get_attribute("aria-expanded") != "true":
        trigger.click()
    return trigger.locator("xpath=ancestor::div[@data-step-type='tool'][1]")


def close_how_group(page: Any) -> None:
    """Fold the last answer's "How I got this" group again (as a person first sees it)."""
    trigger = page.locator(f'[id="step-{HOW_GROUP}"]').last
    if trigger.get_attribute("aria-expanded") == "true":
        trigger.click()


def shown_sql(page: Any) -> str:
    """The SQL of the last answer, as its "How I got this" group shows it."""
    return str(how_group(page).locator("pre code").last.inner_text()).strip()


def cents(text: str) -> float:
    """A money cell ("22,179.91") as a number."""
    return round(as_number(text), 2)


def as_number(text: str) -> float:
    return float(text.replace(",", ""))


def thread_id(page: Any) -> str:
    page.wait_for_url("**/thread/*")
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def upload(page: Any, path: Path) -> None:
    """Attach a file to the message composer and send it without text.

    A chat that starts with a file alone stays on ``/``: Chainlit moves a new chat to its
    thread's page only when its first message has text. So its new-chat mark comes off.
    """
    wait_idle(page)
    if page.locator(USER).count() == 0:
        page.locator(f"[{NEW_CHAT_MARK}]").evaluate_all(
            f"marked => marked.forEach(m => m.removeAttribute('{NEW_CHAT_MARK}'))"
        )
    page.locator("#upload-button-input").set_input_files(str(path))
    submit(page)


def test_a_question_shows_its_steps_sql_table_chart_plan_and_csv(page: Any, run: Any) -> None:
    answer = ask(page, "revenue by country")

    expected = run(shown_sql(page))
    revenue = dict(expected.rows)
    rows = shown_rows(answer)
    assert len(rows) == min(10, expected.row_count)  # the first page of a paginated table
    for country, amount in rows:
        assert cents(amount) == round(revenue[country], 2)
    assert f"{expected.row_count} countries" in answer.inner_text()
    answer.locator(".js-plotly-plot").wait_for()  # a category and a measure: a bar chart
    group = how_group(page)
    assert f"{expected.row_count} rows" in group.inner_text() and "Read orders v" in group.inner_text()
    for step in ("Understanding the question", "Writing SQL", "Optimizing", "Running the query"):
        assert group.locator(f'[id="step-{step}"]').count() == 1
    group.locator('[id="step-Query plan"]').click()
    page.get_by_text("Optimizer").first.wait_for()

    link = answer.locator("a[download$='.csv']")
    download = page.request.get(link.get_attribute("href"))
    lines = list(csv.reader(io.StringIO(download.text())))
    assert lines[0] == expected.columns and len(lines) == expected.row_count + 1


def test_an_example_question_from_the_welcome_is_answered(page: Any, run: Any) -> None:
    first_example = page.locator(ANSWER).first.locator("button").first
    question = first_example.inner_text()
    before = page.locator(ANSWER).count()

    first_example.click()

    answer_with_table(page, before)
    page.get_by_text(question, exact=True).last.wait_for()  # shown as the person's message
    expected = run(shown_sql(page))
    assert f"{expected.row_count:,} row" in how_group(page).inner_text()


def test_a_clarification_is_answered_with_a_button(page: Any, run: Any) -> None:
    before = send(page, "how many are from Germany")
    page.get_by_role("button", name="Germany as customer country").click()

    answer = answer_with_table(page, before)

    (count,) = run("SELECT count(*) FROM customers WHERE country = 'Germany'").rows[0]
    assert shown_value(answer) == f"{count:,}"
    assert "customers" in shown_sql(page)


def test_a_clarification_can_be_answered_in_words(page: Any, run: Any) -> None:
    before = send(page, "how many are from Germany")
    page.get_by_role("button", name="Something else…").click()
    page.get_by_text("Type your answer in the message box").wait_for()
    page.locator("#chat-input").fill("order country")
    submit(page)

    answer = answer_with_table(page, before)

    (count,) = run("SELECT count(*) FROM orders WHERE country = 'Germany'").rows[0]
    assert shown_value(answer) == f"{count:,}"


def test_a_clarification_shows_each_readings_first_rows_and_a_button_answers_it(page: Any, run: Any) -> None:
    before = send(page, "revenue by name")
    asked = page.locator(ANSWER).filter(has_text="do you mean customer name or product name").last
    previews = asked.locator("table")
    expect(previews).to_have_count(2, timeout=ANSWER_TIMEOUT_MS)

    text = asked.inner_text()
    assert "1. customer name" in text and "2. product name" in text
    for n in range(2):
        assert previews.nth(n).locator("th").all_inner_texts() == ["Name", "Revenue"]  # the question's word
        assert previews.nth(n).locator("tbody tr").count() == 5
    assert text.count("rows in all") == 2
    customers = {name for (name,) in run("SELECT name FROM customers").rows}
    assert previews.nth(0).locator("tbody tr td").first.inner_text() in customers
    assert previews.nth(1).locator("tbody tr td").first.inner_text() not in customers

    page.get_by_role("button", name="product name", exact=True).click()
    answer = answer_with_table(page, before)

    sql = shown_sql(page)
    assert "products.name" in sql
    assert answer.locator(".dataframe thead th").all_inner_texts()[-2:] == ["Product", "Revenue"]
    expected = run(sql)
    assert f"{expected.row_count} products" in answer.inner_text()
    totals = {row[-2]: row[-1] for row in expected.rows}
    for name, amount in shown_rows(answer):
        assert cents(amount) == round(totals[name], 2)


def test_a_follow_up_uses_the_previous_answer(page: Any, run: Any) -> None:
    ask(page, "revenue by country")

    answer = ask(page, "only Germany")

    assert "Germany" in shown_sql(page)
    (total,) = run("SELECT sum(total_amount) FROM orders WHERE country = 'Germany'").rows[0]
    [[country, amount]] = shown_rows(answer)
    assert country == "Germany" and cents(amount) == round(total, 2)
    assert "Context: country is Germany" in answer.inner_text()


def test_an_uploaded_csv_becomes_a_table_to_ask_about(page: Any, run: Any, tmp_path: Path) -> None:
    data = tmp_path / "Regional Sales.csv"
    data.write_text("region,amount\nNorth,10.5\nSouth,20\nNorth,4.5\nEast,7\nSouth,1\n")

    upload(page, data)

    page.get_by_text("Created table regional_sales from Regional Sales.csv: 5 rows.").wait_for()
    before = page.locator(ANSWER).count()
    page.get_by_role("button", name="total amount by region").click()
    answer = answer_with_table(page, before)
    assert shown_rows(answer) == [["South", "21.00"], ["North", "15.00"], ["East", "7.00"]]  # the chart's order

    answer = ask(page, "how many regional sales are there")
    assert shown_value(answer) == "5"
    assert run("SELECT count(*) FROM regional_sales").rows == [(5,)]


def test_an_uploaded_parquet_file_becomes_a_table(page: Any, run: Any, tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    data = tmp_path / "stations.parquet"
    pq.write_table(pa.table({"station": ["Alex", "Zoo", "Mitte"], "bikes": [12, 7, 30]}), data)

    upload(page, data)

    page.get_by_text("Created table stations from stations.parquet: 3 rows.").wait_for()
    page.locator("th", has_text="column").first.wait_for()  # its schema
    assert run("SELECT sum(bikes) FROM stations").rows == [(49,)]


def test_asof_asks_the_next_questions_of_an_older_version(page: Any, run: Any) -> None:
    send(page, "/asof orders 0")
    page.get_by_text("Time travel on").wait_for()

    answer = ask(page, "how many orders are there")

    assert "VERSION AS OF 0" in shown_sql(page)
    (then,) = run("SELECT count(*) FROM orders VERSION AS OF 0").rows[0]
    (now,) = run("SELECT count(*) FROM orders").rows[0]
    assert then != now
    assert shown_value(answer) == f"{then:,}"
    assert "time travel: orders as of version 0" in answer.inner_text()

    send(page, "/asof off")
    page.get_by_text("Back to the latest data").wait_for()
    assert shown_value(ask(page, "how many orders are there")) == f"{now:,}"


def test_a_script_in_the_data_is_shown_as_text(page: Any, tmp_path: Path) -> None:
    data = tmp_path / "probe.csv"
    payload = "<script>window.__nl_xss = 1</script>"
    data.write_text(f'id,note\n1,"{payload}"\n2,"<img src=x onerror=""window.__nl_xss = 2"">"\n')
    upload(page, data)
    page.get_by_text("Created table probe").wait_for()

    answer = ask(page, "/sql SELECT id, note FROM probe ORDER BY id")

    assert shown_rows(answer) == [["1", payload], ["2", '<img src=x onerror="window.__nl_xss = 2">']]
    assert page.evaluate("window.__nl_xss") is None


def test_commands_list_describe_and_recall(page: Any) -> None:
    send(page, "/tables")
    page.get_by_text("Tables", exact=True).wait_for()
    assert "order_items — " in page.locator(ANSWER).last.inner_text()
    send(page, "/describe products")
    page.locator("th", has_text="column").first.wait_for()
    assert "category" in page.locator(ANSWER).last.inner_text()
    ask(page, "how many customers are there")
    send(page, "/history")
    page.get_by_text("This conversation").wait_for()
    page.locator("li", has_text="how many customers are there (1 row)").wait_for()
    send(page, "/explain SELECT count(*) FROM orders")
    wait_idle(page)
    send(page, "/nope")
    page.get_by_text("There is no command").wait_for()


def test_stats_shows_the_askers_figures_as_a_table_and_a_chart(page: Any) -> None:
    ask(page, "how many customers are there")

    stats = answer_with_table(page, send(page, "/stats"))

    figures = dict(shown_rows(stats))
    assert list(figures)[:3] == ["queries", "succeeded", "failed"]
    assert as_number(figures["queries"]) >= 1 and as_number(figures["succeeded"]) >= 1
    assert "Your figures" in stats.inner_text() and "local (no user)" in stats.inner_text()
    stats.locator(".js-plotly-plot").wait_for()  # queries over time
    send(page, "/stats soon")
    page.get_by_text("Usage: /stats").wait_for()


def test_a_missing_key_is_explained_and_answers_stay_offline(page: Any) -> None:
    page.locator("#chat-settings-open-modal").click()
    page.locator("#provider").click()
    page.get_by_role("option", name="openai").click()
    page.locator("#confirm").click()

    page.get_by_text("openai cannot be used yet.").wait_for()
    assert "OPENAI_API_KEY" in page.locator(ANSWER).last.inner_text()
    assert ask(page, "how many products are there") is not None


def test_thumbs_up_reaches_the_conversation_memory(page: Any, chat_server: ChatServer) -> None:
    answer = ask(page, "how many customers are there")
    thread = thread_id(page)

    answer.locator(".positive-feedback-off").click()
    page.locator("#submit-feedback").click()

    answer.locator(".positive-feedback-on").wait_for()
    assert _turn_feedback(chat_server.home, thread, timeout_s=20) == "up"


def test_a_saved_thread_is_resumed_with_its_answers_and_context(page: Any, run: Any) -> None:
    ask(page, "number of orders per month")
    thread = thread_id(page)

    resumed = page.context.new_page()
    resumed.goto(page.url)
    resumed.get_by_text("number of orders per month").first.wait_for()
    resumed.locator(".dataframe tbody tr").first.wait_for()  # the saved table, served from the catalog
    answer = ask(resumed, "only 2024")

    sql = shown_sql(resumed)
    assert "2024" in sql and "MONTH" in sql.upper()
    assert len(shown_rows(answer)) == 10 and thread_id(resumed) == thread
    resumed.screenshot(path=str(SCREENSHOTS / "resumed.png"))


def _turn_feedback(home: Path, thread: str, *, timeout_s: float) -> str | None:
    """The feedback the graph's checkpoint holds on the thread's last turn."""
    store = open_store(load_settings(home=home, environment="test"))
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            saved = store.saver.get_tuple({"configurable": {"thread_id": thread, "checkpoint_ns": ""}})
            turns = saved.checkpoint["channel_values"].get("turns") or [] if saved is not None else []
            if turns and turns[-1].get("feedback"):
                return str(turns[-1]["feedback"])
            time.sleep(0.5)
        return None
    finally:
        store.close()


def test_with_a_password_the_chat_asks_for_a_login(browser: Any, guarded_server: ChatServer) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(60_000)
    login = context.new_page()
    try:
        login.goto(guarded_server.url)
        login.locator("#email").fill("admin")
        login.locator("#password").fill("wrong")
        login.locator("#password").press("Enter")
        login.locator(".text-destructive, [role=alert]").first.wait_for()
        assert login.get_by_text("Welcome to NeuroLake.").count() == 0

        login.locator("#password").fill(GUARDED_PASSWORD)
        login.locator("#password").press("Enter")
        login.get_by_text("Welcome to NeuroLake.").wait_for()
        login.get_by_text("The lakehouse has no tables yet.").wait_for()
        login.screenshot(path=str(SCREENSHOTS / "signed-in.png"))
    finally:
        context.close()
