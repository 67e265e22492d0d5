"""Failures end in a message a person can act on, never an exception or a dead thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agents import ConversationService
from neurolake.intent.model import Intent
from neurolake.intent.parser import IntentParser
from neurolake.platform import NeuroLake
from tests.agents.conftest import DEMO_TODAY, gold, same_rows


def test_a_misspelt_column_is_repaired_and_the_repair_is_reported(
    service: ConversationService, lakehouse: NeuroLake, thread_id: str
) -> None:
    turn = service.ask(thread_id, "SELECT countri, count(*) FROM orders GROUP BY countri")

    assert turn.error is None and turn.source == "typed"
    assert turn.sql == "SELECT country, COUNT(*) FROM orders GROUP BY country"
    assert "Repaired: column countri -> country." in turn.message
    assert turn.result is not None
    assert same_rows(turn.result.rows, gold(lakehouse, "SELECT country, count(*) FROM orders GROUP BY 1"))


def test_an_unknown_table_is_explained(service: ConversationService, thread_id: str) -> None:
    turn = service.ask(thread_id, "SELECT * FROM invoices_2019")

    assert turn.error == "invalid_query" and turn.result is None
    assert "There is no table 'invoices_2019'" in turn.message
    assert turn.steps == ["understand", "generate_sql", "validate", "present", "remember"]
    assert service.history(thread_id)[-1].error == "invalid_query"


def test_a_query_failing_at_run_time_is_explained(service: ConversationService, thread_id: str) -> None:
    turn = service.ask(thread_id, "SELECT CAST(customers.name AS INTEGER) FROM customers")

    assert turn.error in ("execution_failed", "invalid_query")
    assert "Traceback" not in turn.message and turn.message
    assert turn.steps[-2:] == ["present", "remember"]


def test_a_refused_question_says_why(service: ConversationService, thread_id: str) -> None:
    turn = service.ask(thread_id, "drop the orders table")

    assert turn.error == "not_understood" and "read-only" in turn.message
    assert turn.sql is None and turn.result is None


class BrokenParser(IntentParser):
    """A parser with a bug: one question makes it raise something no one expected."""

    def read_turn(self, text: str, previous: Intent | None) -> tuple[Intent, bool]:
        if "explode" in text:
            raise RuntimeError("a bug")
        return super().read_turn(text, previous)


def test_an_unexpected_error_is_a_message_and_the_thread_goes_on(
    make_service: Callable[..., ConversationService],
    lakehouse: NeuroLake,
    thread_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    parser = BrokenParser(lakehouse.catalog, storage=lakehouse.storage, today=DEMO_TODAY)
    service = make_service(parser=parser)
    service.ask(thread_id, "number of orders by channel")

    broken = service.ask(thread_id, "explode please")

    assert broken.error == "internal_error"
    assert "server log" in broken.message and "RuntimeError" not in broken.message
    assert "RuntimeError: a bug" in caplog.text  # the stack trace is in the log
    after = service.ask(thread_id, "only the top 2")  # the context of the last good answer is intact
    assert after.error is None and after.result is not None and after.result.row_count == 2


def test_answering_without_a_pending_question(service: ConversationService, thread_id: str) -> None:
    turn = service.answer(thread_id, "1")

    assert turn.error == "no_pending_question" and "no open question" in turn.message


def test_a_new_question_sets_a_pending_clarification_aside(service: ConversationService, thread_id: str) -> None:
    service.ask(thread_id, "Show customers")

    turn = service.ask(thread_id, "how many orders are there")

    assert turn.error is None and turn.result is not None and turn.result.rows[0][0] > 0
    assert service.pending(thread_id) is None
    assert [r.error for r in service.history(thread_id)] == ["superseded", None]


def test_a_reply_that_answers_nothing_asks_again(service: ConversationService, thread_id: str) -> None:
    asked = service.ask(thread_id, "Show customers")

    again = service.answer(thread_id, "purple")

    assert again.clarification == asked.clarification
    assert "does not answer" in again.message and "1. name, country, city and segment" in again.message
    done = service.answer(thread_id, "all columns")
    assert done.result is not None and len(done.result.columns) == 7


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_question_is_answered_with_advice(service: ConversationService, thread_id: str, text: str) -> None:
    turn = service.ask(thread_id, text)

    assert turn.error == "not_understood" and "empty" in turn.message


def test_every_turn_is_json_ready(service: ConversationService, thread_id: str) -> None:
    import json

    turn = service.ask(thread_id, "revenue by month")
    data: dict[str, Any] = json.loads(json.dumps(turn.to_dict()))

    assert data["result"]["columns"] == ["order_date_month", "sum_total_amount"]
    assert data["chart"] == {"kind": "line", "x": "order_date_month", "y": "sum_total_amount"}
    assert data["plan"].startswith("Query plan") and data["table_versions"] == {"orders": 1}
    assert data["intent"]["kind"] == "aggregation" and data["steps"][-1] == "remember"
