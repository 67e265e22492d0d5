"""Every turn counts once in ``neurolake_questions_total``: answered, clarified or failed."""

from __future__ import annotations

from agents import ConversationService
from neurolake.observability import METRICS


def counts() -> dict[str, float]:
    return {o: METRICS.total("neurolake_questions", outcome=o) for o in ("answered", "clarified", "failed")}


def delta(before: dict[str, float]) -> dict[str, float]:
    return {o: v - before[o] for o, v in counts().items()}


def test_a_clarification_then_its_answer_count_once_each(service: ConversationService, thread_id: str) -> None:
    before = counts()
    asked = service.ask(thread_id, "how many are from Germany")
    assert asked.clarification is not None
    assert delta(before) == {"answered": 0, "clarified": 1, "failed": 0}

    done = service.answer(thread_id, asked.clarification["options"][0]["id"])

    assert done.error is None and done.result is not None
    assert delta(before) == {"answered": 1, "clarified": 1, "failed": 0}


def test_a_question_that_cannot_run_counts_as_failed(service: ConversationService, thread_id: str) -> None:
    before = counts()

    turn = service.ask(thread_id, "SELECT * FROM no_such_table")

    assert turn.error is not None
    assert delta(before) == {"answered": 0, "clarified": 0, "failed": 1}
    kept = METRICS.failed_questions[0]  # for the dashboard: which questions fail, and why
    assert (kept.question, kept.error, kept.message) == ("SELECT * FROM no_such_table", turn.error, turn.message)
