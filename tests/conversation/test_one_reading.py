"""Each question is read once: the parser decides, in that one reading, whether it is a follow-up."""

from __future__ import annotations

import json
from collections.abc import Iterator
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
from tests.llm.servers import OpenAIServer, Reply, openai_completion


class CountingOffline(OfflineIntentParser):
    """The real offline parser, noting every pass it makes over a question."""

    reads: list[str]

    def read_turn(self, text: str, previous: Intent | None, *, decide: bool = True) -> tuple[Intent, bool]:
        self.reads.append(text)
        return super().read_turn(text, previous, decide=decide)


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


def test_a_follow_up_is_read_once_and_says_it_is_one(lakehouse: NeuroLake) -> None:
    parser = CountingParser(lakehouse.catalog, storage=lakehouse.storage, today=DEMO_TODAY)
    service = _service(lakehouse, parser)
    try:
        service.ask("once", "revenue by country")
        parser.reads.clear()

        turn = service.ask("once", "only the top 3")

        assert parser.reads == ["only the top 3"]
        plan = service.turn_plan("once")
        assert plan is not None and plan.follow_up and plan.intent is not None and plan.intent.limit == 3
        expected = gold(lakehouse, "SELECT country, sum(total_amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 3")
        assert turn.result is not None and same_rows(turn.result.rows, expected, ordered=True)
    finally:
        service.close()


def test_a_complete_question_after_another_is_read_once_as_new(lakehouse: NeuroLake) -> None:
    parser = CountingParser(lakehouse.catalog, storage=lakehouse.storage, today=DEMO_TODAY)
    service = _service(lakehouse, parser)
    try:
        service.ask("fresh", "revenue by country in 2024")
        parser.reads.clear()

        turn = service.ask("fresh", "number of customers by segment")

        plan = service.turn_plan("fresh")
        assert parser.reads == ["number of customers by segment"]
        assert plan is not None and not plan.follow_up and plan.intent is not None and plan.intent.time_range is None
        expected = gold(lakehouse, "SELECT segment, count(*) FROM customers GROUP BY 1")
        assert turn.result is not None and same_rows(turn.result.rows, expected)
    finally:
        service.close()


BY_COUNTRY: dict[str, Any] = {
    "kind": "aggregate",
    "tables": ["orders"],
    "measures": [{"function": "sum", "column": "orders.total_amount"}],
    "group_by": ["orders.country"],
    "filters": [],
    "order_by": [{"column": "sum(orders.total_amount)", "direction": "desc"}],
    "limit": None,
    "time_grain": None,
    "as_of": None,
    "confidence": 0.9,
    "clarification": None,
}


def _reply(data: dict[str, Any]) -> Reply:
    return Reply(body=openai_completion(json.dumps(data)))


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as s:
        yield s


def test_with_a_model_a_follow_up_is_one_model_call_that_sees_the_last_question(
    lakehouse: NeuroLake, server: OpenAIServer
) -> None:
    provider = OpenAIProvider(
        api_key=SecretStr("sk-test-turns"), model="gpt-test", base_url=server.base_url, retry=RetryPolicy(0)
    )
    parser = IntentParser(lakehouse.catalog, storage=lakehouse.storage, provider=provider, today=DEMO_TODAY)
    service = _service(lakehouse, parser)
    server.enqueue(_reply(BY_COUNTRY), _reply({**BY_COUNTRY, "limit": 3}))
    try:
        service.ask("model", "revenue by country")

        turn = service.ask("model", "only the top 3")

        assert len(server.requests) == 2  # one model call per question, none to decide "follow-up?"
        assert "revenue by country" in server.requests[1].last_user_text()
        expected = gold(lakehouse, "SELECT country, sum(total_amount) s FROM orders GROUP BY 1 ORDER BY s DESC LIMIT 3")
        assert turn.result is not None and same_rows(turn.result.rows, expected, ordered=True)
    finally:
        service.close()
