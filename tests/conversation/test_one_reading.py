"""Each question is read once: the parser decides, in that one reading, whether it is a follow-up."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from agents import ConversationService
from neurolake.intent.model import Intent
from neurolake.intent.offline import OfflineIntentParser
from neurolake.intent.parser import IntentParser
from neurolake.llm import OpenAIProvider
from neurolake.llm.retry import RetryPolicy
from neurolake.platform import NeuroLake
from tests.agents.conftest import DEMO_TODAY, gold, same_rows
from tests.intent.test_model_parser import GOOD, reply, server
from tests.llm.servers import OpenAIServer

__all__ = ["server"]  # the local OpenAI-protocol server fixture


class CountingOffline(OfflineIntentParser):
    """The real offline parser, noting every pass it makes over a question."""

    reads: list[str]

    def read_turn(self, text: str, context: Intent | None, *, decide: bool = True) -> tuple[Intent, bool]:
        self.reads.append(text)
        return super().read_turn(text, context, decide=decide)


class CountingParser(IntentParser):
    """The real parser whose offline parser counts its passes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reads: list[str] = []

    def offline(self) -> OfflineIntentParser:
        parser = super().offline()
        if not isinstance(parser, CountingOffline):
            parser.__class__ = CountingOffline  # the same object, its passes now counted
            parser.reads = self.reads  # type: ignore[attr-defined]
        return parser


def _service(lakehouse: NeuroLake, parser: IntentParser) -> ConversationService:
    return ConversationService(lakehouse, parser=parser, memory=False, semantic=False)


TOP_3 = "SELECT country, sum(total_amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 3"


@pytest.mark.parametrize(
    ("first", "then", "follow_up", "expected"),
    [
        ("revenue by country", "only the top 3", True, TOP_3),
        # A complete question starts afresh: the last answer's year does not leak in.
        (
            "revenue by country in 2024",
            "number of customers by segment",
            False,
            "SELECT segment, count(*) FROM customers GROUP BY 1 ORDER BY 2 DESC",
        ),
    ],
)
def test_a_question_after_an_answer_is_read_once_and_the_reading_says_if_it_follows_up(
    lakehouse: NeuroLake, first: str, then: str, follow_up: bool, expected: str
) -> None:
    parser = CountingParser(lakehouse.catalog, storage=lakehouse.storage, today=DEMO_TODAY)
    service = _service(lakehouse, parser)
    try:
        service.ask("once", first)
        parser.reads.clear()

        turn = service.ask("once", then)

        assert parser.reads == [then]
        plan = service.turn_plan("once")
        assert plan is not None and plan.follow_up is follow_up and plan.intent is not None
        assert plan.intent.time_range is None
        assert turn.result is not None and same_rows(turn.result.rows, gold(lakehouse, expected))
    finally:
        service.close()


def test_a_reply_typed_to_a_question_back_is_read_once(lakehouse: NeuroLake) -> None:
    parser = CountingParser(lakehouse.catalog, storage=lakehouse.storage, today=DEMO_TODAY)
    service = _service(lakehouse, parser)
    try:
        asked = service.ask("reply", "how many are from Germany")
        assert asked.clarification is not None
        parser.reads.clear()

        turn = service.ask("reply", "customers")  # more words for the question, not an option's label

        assert parser.reads == ["how many are from Germany (customers)"]
        expected = gold(lakehouse, "SELECT count(*) FROM customers WHERE country = 'Germany'")
        assert turn.result is not None and same_rows(turn.result.rows, expected)
    finally:
        service.close()


def test_with_a_model_a_follow_up_is_one_model_call_that_sees_the_last_question(
    lakehouse: NeuroLake, server: OpenAIServer
) -> None:
    provider = OpenAIProvider(
        api_key=SecretStr("sk-test-turns"), model="gpt-test", base_url=server.base_url, retry=RetryPolicy(0)
    )
    parser = IntentParser(lakehouse.catalog, storage=lakehouse.storage, provider=provider, today=DEMO_TODAY)
    service = _service(lakehouse, parser)
    server.enqueue(reply({**GOOD, "limit": None}), reply(GOOD))
    try:
        service.ask("model", "revenue by country")

        turn = service.ask("model", "only the top 3")

        assert len(server.requests) == 2  # one model call per question, none to decide "follow-up?"
        assert "revenue by country" in server.requests[1].last_user_text()
        assert turn.result is not None and same_rows(turn.result.rows, gold(lakehouse, TOP_3), ordered=True)
    finally:
        service.close()
