"""With a chat model, the graph lets it write the SQL and call tools; the catalog checks it."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.messages import BaseMessage, SystemMessage, ToolMessage
from pydantic import SecretStr

from agents import ConversationService
from neurolake.errors import ProviderError
from neurolake.llm import OpenAIProvider
from neurolake.llm.chat_model import ProviderChatModel
from neurolake.llm.retry import RetryPolicy
from neurolake.platform import NeuroLake
from tests.agents.conftest import gold, same_rows
from tests.agents.fakes import ScriptedChatModel, sql_reply, tool_call
from tests.llm.servers import OpenAIServer, Reply, openai_completion

REVENUE_BY_SEGMENT = (
    "SELECT customers.segment, SUM(orders.total_amount) AS revenue FROM orders "
    "JOIN customers ON orders.customer_id = customers.customer_id GROUP BY customers.segment"
)
GOLD = "SELECT c.segment, sum(o.total_amount) FROM orders o JOIN customers c USING (customer_id) GROUP BY 1"


def test_the_model_calls_a_tool_then_writes_the_sql(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    model = ScriptedChatModel(
        replies=[tool_call("describe_table", {"table": "customers"}), sql_reply(REVENUE_BY_SEGMENT)]
    )
    service = make_service(chat_model=model)

    events = list(service.stream(thread_id, "revenue per customer segment"))

    turn = events[-1].turn
    assert turn is not None and turn.error is None and turn.source == "model"
    assert turn.sql == REVENUE_BY_SEGMENT
    assert turn.result is not None and same_rows(turn.result.rows, gold(lakehouse, GOLD))
    assert set(model.bound_tools) >= {"describe_table", "search_schema", "run_sql", "create_pipeline"}
    [result] = [m for m in model.received[1] if isinstance(m, ToolMessage)]
    assert '"segment"' in str(result.content) and '"table": "customers"' in str(result.content)
    first_call: list[BaseMessage] = model.received[0]
    assert isinstance(first_call[0], SystemMessage) and "customers" in str(first_call[0].content)
    assert "The built-in parser suggests" in str(first_call[-1].content)
    generated = next(e for e in events if e.name == "generate_sql" and e.status == "done")
    assert generated.detail["tools_called"] == ["describe_table"]


def test_invalid_model_sql_is_sent_back_once_with_the_error(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    wrong = "SELECT orders.revenue FROM orders"
    model = ScriptedChatModel(replies=[sql_reply(wrong), sql_reply("SELECT SUM(orders.total_amount) FROM orders")])
    service = make_service(chat_model=model)

    turn = service.ask(thread_id, "what is the total revenue")

    assert turn.error is None and turn.source == "model"
    assert "corrected its SQL" in turn.message
    assert "There is no column 'revenue'" in str(model.received[1][-1].content)
    assert turn.result is not None and same_rows(
        turn.result.rows, gold(lakehouse, "SELECT sum(total_amount) FROM orders")
    )


def test_a_failing_model_falls_back_to_the_parser(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    def down(_messages: list[BaseMessage]) -> None:
        raise ProviderError("The model is down.")

    service = make_service(chat_model=ScriptedChatModel(replies=[down]))

    turn = service.ask(thread_id, "number of orders by channel")

    assert turn.error is None and turn.source == "parser"
    assert turn.result is not None
    assert same_rows(turn.result.rows, gold(lakehouse, "SELECT channel, count(*) FROM orders GROUP BY 1"))


def test_follow_up_commands_do_not_ask_the_model(
    make_service: Callable[..., ConversationService], thread_id: str
) -> None:
    model = ScriptedChatModel(replies=[sql_reply("SELECT orders.channel, COUNT(*) AS n FROM orders GROUP BY 1")])
    service = make_service(chat_model=model)
    service.ask(thread_id, "number of orders by channel")

    shown = service.ask(thread_id, "show the SQL")

    assert len(model.received) == 1 and shown.source == "previous"


def test_the_model_path_against_the_openai_protocol(
    make_service: Callable[..., ConversationService], lakehouse: NeuroLake, thread_id: str
) -> None:
    with OpenAIServer() as server:
        server.enqueue(
            Reply(
                body=openai_completion(None, tool_calls=[("call_9", "search_schema", {"query": "customer segment"})])
            ),
            Reply(body=openai_completion(f"```sql\n{REVENUE_BY_SEGMENT}\n```")),
        )
        provider = OpenAIProvider(
            api_key=SecretStr("sk-test-conversations"),
            model="gpt-test",
            base_url=server.base_url,
            retry=RetryPolicy(1, base_delay_s=0.01, max_delay_s=0.02),
        )
        service = make_service(chat_model=ProviderChatModel(provider=provider))

        turn = service.ask(thread_id, "revenue per customer segment")

        assert turn.error is None and turn.source == "model" and turn.sql == REVENUE_BY_SEGMENT
        assert turn.result is not None and same_rows(turn.result.rows, gold(lakehouse, GOLD))
        first, second = server.requests[:2]
        assert {t["function"]["name"] for t in first.body["tools"]} >= {"search_schema", "validate_sql"}
        tool_answer = second.body["messages"][-1]
        assert tool_answer["role"] == "tool" and tool_answer["tool_call_id"] == "call_9"
        assert "segment" in tool_answer["content"]
