"""Turns an analyst relies on: typed SQL as typed, the last plan, missing things named, honest
follow-ups (relative periods, fresh questions, re-sorting the same rows), a context reset."""

from __future__ import annotations

from agents import ConversationService
from neurolake.conversation.missing import meaning_clarification
from neurolake.platform import NeuroLake
from tests.agents.conftest import gold, same_rows


def test_typed_sql_runs_as_typed(service: ConversationService, thread_id: str, lakehouse: NeuroLake) -> None:
    turn = service.ask(thread_id, "SELECT * FROM orders WHERE 1 = 1", typed_sql=True)

    assert turn.error is None and turn.sql == "SELECT * FROM orders WHERE 1 = 1"
    assert turn.source == "typed"
    (count,) = gold(lakehouse, "SELECT count(*) FROM orders")[0]
    assert turn.result is not None and turn.result.row_count == min(count, 100)


def test_show_the_query_plan_explains_the_last_answer(service: ConversationService, thread_id: str) -> None:
    first = service.ask(thread_id, "revenue by country")

    turn = service.ask(thread_id, "show the query plan")

    assert turn.result is None and turn.error is None
    assert turn.plan is not None and turn.plan.startswith("Query plan")
    assert "SUM(orders.total_amount)" in turn.plan and turn.sql == first.sql
    assert "query plan of the last answer" in turn.message


def test_a_thing_the_data_does_not_have_is_named(service: ConversationService, thread_id: str) -> None:
    turn = service.ask(thread_id, "how many employees are there?")

    assert turn.result is None and turn.error == "not_understood"
    assert "There is nothing called 'employees' in your data" in turn.message
    assert "customers (" in turn.message  # what exists, to pick from


def test_last_year_after_a_year_is_the_year_before(service: ConversationService, thread_id: str) -> None:
    service.ask(thread_id, "revenue by country in 2024")

    turn = service.ask(thread_id, "what about last year?")

    assert "CAST('2023-01-01' AS DATE)" in (turn.sql or "") and "CAST('2024-01-01' AS DATE)" in (turn.sql or "")
    assert "'last year' read as 2023 (the year before 2024)." in turn.notes


def test_a_complete_question_starts_fresh(service: ConversationService, thread_id: str) -> None:
    service.ask(thread_id, "revenue by country")
    assert "Germany" in (service.ask(thread_id, "only Germany").sql or "")

    turn = service.ask(thread_id, "how many orders are there")

    assert turn.error is None and "Germany" not in (turn.sql or "")


def test_sort_ascending_keeps_the_same_rows(service: ConversationService, thread_id: str) -> None:
    top = service.ask(thread_id, "top 5 products by revenue")
    assert top.result is not None

    turn = service.ask(thread_id, "sort ascending")

    assert turn.result is not None
    rows = list(turn.result.rows)
    assert same_rows(rows, list(top.result.rows))  # the same five
    assert rows == sorted(rows, key=lambda r: r[-1])  # now lowest first


def test_every_option_of_a_question_back_has_its_rows(service: ConversationService, thread_id: str) -> None:
    turn = service.ask(thread_id, "Show customers")

    options = (turn.clarification or {}).get("options") or []
    assert len(options) >= 2
    assert all(o.get("preview", {}).get("rows") for o in options)


def test_start_fresh_forgets_the_last_answer(service: ConversationService, thread_id: str) -> None:
    service.ask(thread_id, "revenue by country")

    service.forget_context(thread_id)

    assert service.manager.state_values(thread_id).get("context") is None
    assert service.ask(thread_id, "more rows").error == "no_context"


def test_a_word_read_by_meaning_is_asked_about(service: ConversationService, thread_id: str) -> None:
    reading = service.parser.parse("how many customers are there").model_copy(update={"by_meaning": ["employees"]})

    pending = meaning_clarification(reading)

    assert pending.question == (
        "There is nothing called 'employees' in your data. The closest I found is number of customers: "
        "is that what you mean?"
    )
    assert pending.public()["options"][1]["rephrase"] is True
    chosen = service.manager.answer(pending, "1")
    assert chosen is not None and chosen.by_meaning == [] and chosen.tables == ["customers"]


def test_asof_one_table_pins_only_that_table(service: ConversationService, thread_id: str) -> None:
    events = service.stream(
        thread_id, "revenue by customer segment", as_of={"table": "orders", "version": 0, "timestamp": None}
    )
    turn = next(e.turn for e in events if e.turn is not None)

    sql = turn.sql or ""
    assert "JOIN customers" in sql  # a join: the other table reads its latest version
    assert turn.error is None and "orders VERSION AS OF 0" in sql and "customers VERSION AS OF" not in sql
    assert turn.table_versions["orders"] == 0
