"""OfflineProvider: answers through registered handlers, refuses everything else clearly."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from neurolake.errors import ProviderError
from neurolake.llm.base import LLMProvider, ToolCall
from neurolake.llm.prompts import RenderedPrompt
from neurolake.llm.providers.offline import OfflineProvider, OfflineRequest


class Intent(BaseModel):
    kind: str
    tables: list[str]


def prompt(name: str = "intent_parsing", **variables: object) -> RenderedPrompt:
    return RenderedPrompt(name=name, version=1, user="rendered text", variables=variables)


def test_it_is_an_llm_provider() -> None:
    assert isinstance(OfflineProvider(), LLMProvider)


def test_a_registered_handler_answers_with_the_prompt_variables() -> None:
    seen: list[OfflineRequest] = []

    def parse(request: OfflineRequest) -> Intent:
        seen.append(request)
        return Intent(kind="aggregate", tables=[str(request.prompt.variables["question"]).split()[-1]])

    OfflineProvider.register("intent_parsing", parse)
    response = OfflineProvider().complete("ignored", response_schema=Intent, prompt=prompt(question="count trips"))
    assert response.parsed == Intent(kind="aggregate", tables=["trips"])
    assert response.text == '{"kind": "aggregate", "tables": ["trips"]}'
    assert (response.provider, response.prompt_name, response.prompt_version) == ("offline", "intent_parsing", 1)
    assert response.usage.total_tokens == 0
    assert seen[0].response_schema is not None and seen[0].response_schema.model is Intent


def test_no_handler_means_a_model_provider_must_be_configured() -> None:
    with pytest.raises(ProviderError, match=r"cannot answer prompt 'sql_generation'.*NEUROLAKE_LLM__PROVIDER"):
        OfflineProvider().complete("q", prompt=prompt("sql_generation"))
    with pytest.raises(ProviderError, match=r"without a prompt name.*NEUROLAKE_LLM__PROVIDER"):
        OfflineProvider().complete("q")


def test_instance_handlers_override_shared_ones() -> None:
    OfflineProvider.register("answer_summary", lambda r: "shared")
    assert OfflineProvider().complete("q", prompt=prompt("answer_summary")).text == "shared"
    own = OfflineProvider({"answer_summary": lambda r: "own"})
    assert own.complete("q", prompt=prompt("answer_summary")).text == "own"
    OfflineProvider.unregister("answer_summary")
    assert not OfflineProvider().handles("answer_summary")


def test_a_handler_answer_that_breaks_the_schema_is_a_provider_error() -> None:
    provider = OfflineProvider({"intent_parsing": lambda r: {"kind": "aggregate"}})
    with pytest.raises(ProviderError, match=r"does not fit the schema.*at tables: Field required"):
        provider.complete("q", response_schema=Intent, prompt=prompt())


def test_handlers_may_answer_with_tool_calls_and_json_text() -> None:
    call = ToolCall(id="1", name="run_sql", arguments={"sql": "SELECT 1"})
    tools = OfflineProvider({"p": lambda r: [call]}).complete("q", prompt=prompt("p"))
    assert tools.tool_calls == [call] and tools.finish_reason == "tool_calls"
    text = OfflineProvider({"p": lambda r: '```json\n{"kind": "list", "tables": []}\n```'})
    assert text.complete("q", response_schema=Intent, prompt=prompt("p")).parsed == Intent(kind="list", tables=[])


def test_stream_gives_the_whole_answer_as_one_piece() -> None:
    stream = OfflineProvider({"p": lambda r: "Berlin has 42."}).stream("q", prompt=prompt("p"))
    assert list(stream) == ["Berlin has 42."]
    assert stream.response is not None and stream.response.text == "Berlin has 42."
