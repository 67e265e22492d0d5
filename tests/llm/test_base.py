"""The provider-neutral types: messages, tool specs, usage, text streams."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from neurolake.llm.base import LLMResponse, Message, TextStream, TokenUsage, ToolCall, ToolSpec, as_messages


class RunSql(BaseModel):
    """Run a read-only SQL query."""

    sql: str


def test_as_messages_accepts_a_question_messages_and_dicts() -> None:
    assert as_messages("hi") == [Message.user("hi")]
    mixed = as_messages([Message.system("be brief"), {"role": "user", "content": "hi"}])
    assert [m.role for m in mixed] == ["system", "user"]


def test_unknown_role_is_refused() -> None:
    with pytest.raises(ValidationError):
        as_messages([{"role": "robot", "content": "beep"}])


@pytest.mark.parametrize(
    "tool",
    [
        {"type": "function", "function": {"name": "RunSql", "description": "Run", "parameters": {"type": "object"}}},
        {"name": "RunSql", "description": "Run", "parameters": {"type": "object"}},
        {"name": "RunSql", "description": "Run", "input_schema": {"type": "object"}},
    ],
)
def test_tool_spec_reads_vendor_shapes(tool: dict) -> None:
    spec = ToolSpec.from_any(tool)
    assert (spec.name, spec.description, spec.parameters) == ("RunSql", "Run", {"type": "object"})


def test_tool_spec_from_pydantic_model_uses_docstring_and_schema() -> None:
    spec = ToolSpec.from_any(RunSql)
    assert spec.name == "RunSql"
    assert spec.description == "Run a read-only SQL query."
    assert spec.parameters["properties"]["sql"]["type"] == "string"


def test_token_usage_adds_up() -> None:
    total = TokenUsage(input_tokens=3, output_tokens=4) + TokenUsage(input_tokens=1, output_tokens=2)
    assert (total.input_tokens, total.output_tokens, total.total_tokens) == (4, 6, 10)


def test_truncated_follows_the_finish_reason() -> None:
    base = {"provider": "p", "model": "m"}
    assert LLMResponse(finish_reason="length", **base).truncated
    assert LLMResponse(finish_reason="max_tokens", **base).truncated
    assert not LLMResponse(finish_reason="stop", **base).truncated


def test_text_stream_builds_the_response_once_exhausted() -> None:
    finished: list[str] = []

    def finish(text: str) -> LLMResponse:
        finished.append(text)
        return LLMResponse(text=text, provider="p", model="m")

    stream = TextStream(iter(["a", "b"]), finish)
    assert stream.response is None
    assert stream.text() == "ab"
    assert stream.response is not None and stream.response.text == "ab"
    assert list(stream) == [] and finished == ["ab"]


def test_tool_call_is_immutable() -> None:
    call = ToolCall(id="1", name="f", arguments={"a": 1})
    with pytest.raises(ValidationError):
        call.name = "g"  # type: ignore[misc]
