"""ProviderChatModel through langchain-core's own interface (invoke, tools, structured output)."""

from __future__ import annotations

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool
from pydantic import BaseModel, SecretStr

from neurolake.llm import OfflineProvider, OpenAIProvider
from neurolake.llm.chat_model import ProviderChatModel
from neurolake.llm.prompts import RenderedPrompt
from neurolake.llm.retry import RetryPolicy
from tests.llm.servers import OpenAIServer, Reply, openai_completion, openai_stream


@tool
def run_sql(sql: str) -> str:
    """Run a read-only SQL query and return the rows."""
    return "[[42]]"


class Clarification(BaseModel):
    question: str
    options: list[str]


@pytest.fixture
def model(openai_server: OpenAIServer, secret: SecretStr, fast_retry: RetryPolicy) -> ProviderChatModel:
    provider = OpenAIProvider(api_key=secret, model="gpt-test", base_url=openai_server.base_url, retry=fast_retry)
    return ProviderChatModel(provider=provider)


def test_invoke_returns_an_ai_message_with_usage(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(Reply(body=openai_completion("Berlin.", prompt_tokens=9, completion_tokens=2)))
    message = model.invoke([SystemMessage("Be brief."), HumanMessage("Which city?")])
    assert isinstance(message, AIMessage) and message.content == "Berlin."
    assert message.usage_metadata == {"input_tokens": 9, "output_tokens": 2, "total_tokens": 11}
    assert message.response_metadata["provider"] == "openai"
    assert message.response_metadata["model_name"] == "gpt-test"
    assert openai_server.requests[0].body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_a_plain_string_input_works(model: ProviderChatModel) -> None:
    assert model.invoke("hi").content == "ok"


def test_bind_tools_sends_them_and_returns_tool_calls(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(Reply(body=openai_completion(None, tool_calls=[("call_7", "run_sql", {"sql": "SELECT 42"})])))
    message = model.bind_tools([run_sql]).invoke("What is the answer?")
    assert message.tool_calls == [
        {"name": "run_sql", "args": {"sql": "SELECT 42"}, "id": "call_7", "type": "tool_call"}
    ]
    [sent] = openai_server.requests[0].body["tools"]
    assert sent["function"]["name"] == "run_sql"
    assert sent["function"]["description"].startswith("Run a read-only SQL query")
    assert sent["function"]["parameters"]["properties"]["sql"]["type"] == "string"


def test_tool_round_trip_through_langchain_messages(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(Reply(body=openai_completion(None, tool_calls=[("call_7", "run_sql", {"sql": "SELECT 42"})])))
    bound = model.bind_tools([run_sql])
    history = [HumanMessage("What is the answer?")]
    ai = bound.invoke(history)
    result = run_sql.invoke(ai.tool_calls[0])
    assert isinstance(result, ToolMessage)
    final = bound.invoke([*history, ai, result])
    assert final.content == "ok"
    sent = openai_server.requests[1].body["messages"]
    assert sent[1]["tool_calls"][0]["id"] == "call_7"
    assert sent[2] == {"role": "tool", "tool_call_id": "call_7", "content": "[[42]]"}


def test_unsupported_tool_choice_is_refused(model: ProviderChatModel) -> None:
    with pytest.raises(ValueError, match="tool_choice"):
        model.bind_tools([run_sql], tool_choice="any")


def test_structured_output_with_a_pydantic_model(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(Reply(body=openai_completion('{"question": "Start or end?", "options": ["start", "end"]}')))
    parsed = model.with_structured_output(Clarification).invoke("busiest station?")
    assert parsed == Clarification(question="Start or end?", options=["start", "end"])
    assert openai_server.requests[0].body["response_format"]["json_schema"]["name"] == "Clarification"


def test_structured_output_with_a_json_schema_and_raw(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    schema = {"title": "Pick", "type": "object", "properties": {"choice": {"type": "string"}}, "required": ["choice"]}
    openai_server.enqueue(Reply(body=openai_completion('{"choice": "start"}')), Reply(body=openai_completion("[]")))
    out = model.with_structured_output(schema, include_raw=True).invoke("which?")
    assert out["parsed"] == {"choice": "start"} and out["parsing_error"] is None
    assert isinstance(out["raw"], AIMessage)


def test_structured_output_on_the_offline_provider() -> None:
    offline = OfflineProvider({"clarification": lambda r: {"question": "Start or end?", "options": ["start", "end"]}})
    prompt = RenderedPrompt(name="clarification", version=1, user="which station?")
    chat = ProviderChatModel(provider=offline, prompt=prompt)
    parsed = chat.with_structured_output(Clarification).invoke("which station?")
    assert parsed == Clarification(question="Start or end?", options=["start", "end"])
    message = chat.invoke("which station?")
    assert message.response_metadata["prompt_name"] == "clarification"


def test_streaming_yields_chunks_and_usage(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    openai_server.enqueue(openai_stream(["Ber", "lin"], usage=(5, 2)))
    chunks = list(model.stream("Which city?"))
    assert "".join(str(c.content) for c in chunks) == "Berlin"
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total.usage_metadata is not None and total.usage_metadata["total_tokens"] == 7


def test_a_langgraph_agent_calls_the_tool_and_answers(model: ProviderChatModel, openai_server: OpenAIServer) -> None:
    from langgraph.prebuilt import create_react_agent

    openai_server.enqueue(
        Reply(body=openai_completion(None, tool_calls=[("call_1", "run_sql", {"sql": "SELECT 42"})])),
        Reply(body=openai_completion("The answer is 42.")),
    )
    agent = create_react_agent(model, [run_sql])
    state = agent.invoke({"messages": [HumanMessage("What is the answer?")]})
    assert state["messages"][-1].content == "The answer is 42."
    assert any(isinstance(m, ToolMessage) and m.content == "[[42]]" for m in state["messages"])
    assert openai_server.requests[1].body["messages"][-1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "[[42]]",
    }


def test_streaming_with_tools_delivers_the_tool_calls_whole(
    model: ProviderChatModel, openai_server: OpenAIServer
) -> None:
    openai_server.enqueue(Reply(body=openai_completion(None, tool_calls=[("call_3", "run_sql", {"sql": "SELECT 3"})])))
    chunks = list(model.bind_tools([run_sql]).stream("three?"))
    assert all(not c.tool_calls for c in chunks[1:])  # the first chunk has them all
    assert chunks[0].tool_calls == [
        {"name": "run_sql", "args": {"sql": "SELECT 3"}, "id": "call_3", "type": "tool_call"}
    ]
    assert "stream" not in openai_server.requests[0].body
